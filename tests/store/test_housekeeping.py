"""``inburgering store status`` and ``store gc``: what a store publishes and holds; stale graphs dropped and
publications collected without breaking a reader that still answers from an old publication."""

from __future__ import annotations

import contextlib
import doctest
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pytest

from inburgering.cli import main
from inburgering.errors import StoreError
from inburgering.namespaces import instance_graph
from inburgering.settings import Settings
from inburgering.store import cli as store_cli
from inburgering.store import housekeeping, open_store
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.housekeeping import collect_garbage, store_status
from inburgering.store.publication import current_publication
from inburgering.store.snapshots import Publications, settle
from publication_support import BASE, fill, publish_load

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

#: A reader in its own process: opens one publication (its lease held) and, for each graph IRI it reads on
#: stdin, prints how many triples that publication has in it; it holds the publication until stdin closes.
READER = """
import sys
from pyoxigraph import NamedNode
from inburgering.store.snapshots import Publications
snapshot = Publications(sys.argv[1]).open(sys.argv[2])
print("open" if snapshot is not None else "gone", flush=True)
for line in sys.stdin:
    print(len(list(snapshot.store.quads_for_pattern(None, None, None, NamedNode(line.strip())))), flush=True)
"""


class Reader:
    """The ``READER`` process over ``publication`` of the store at ``path``."""

    def __init__(self, path: Path, publication: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", READER, str(path), publication], text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._line() == "open"

    def _line(self) -> str:
        out: IO[str] | None = self.process.stdout
        assert out is not None
        return out.readline().strip()

    def count(self, graph: str) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(graph + "\n")
        self.process.stdin.flush()
        return int(self._line())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        assert self.process.wait(30) == 0


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "store"


def _status(store: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["store", "status", "--store", store, "--json", *args]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def test_status_names_the_publication_and_per_municipality_and_source_the_last_load(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(store_url)
    publish_load(store, "GM0363", "duo", "L1", ended=WHEN)
    publish_load(store, "GM0363", "ggm", "L2", ended=WHEN.replace(hour=13), special=False)
    last = publish_load(store, "GM0599", "duo", "L3", ended=WHEN.replace(hour=14))
    store.close()

    status = _status(store_url, capsys)
    assert status["publication"] == last.id
    assert [(s["gemeente"], s["source"], s["loaded"], len(s["graphs"])) for s in status["sources"]] == [
        ("GM0363", "duo", "2026-03-01T12:00:00Z", 2), ("GM0363", "ggm", "2026-03-01T13:00:00Z", 1),
        ("GM0599", "duo", "2026-03-01T14:00:00Z", 2)]
    assert status["stale"] == []
    if status["kind"] == "embedded":
        current = [p for p in status["publications"] if p["current"]]
        assert [p["id"] for p in current] == [last.id] and current[0]["disk"]["bytes"] > 0
        assert 0 < status["publications_bytes"] <= status["total_bytes"]
        assert status["total_bytes"] < status["store_bytes"] + status["publications_bytes"]  # links counted once

    assert main(["store", "status", "--store", store_url]) == 0
    text = capsys.readouterr().out
    assert last.id in text and "GM0599  duo" in text and "2026-03-01T14:00:00Z" in text


def test_gc_never_breaks_a_reader_of_an_old_publication_and_collects_it_once_released(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = EmbeddedStore(folder)
    first = publish_load(store, "GM0363", "duo", "L1", triples=40)
    store.close()
    old_graph = instance_graph(BASE, "GM0363", "duo", "L1")
    reader = Reader(folder, first.id)
    try:
        store = EmbeddedStore(folder)
        second = publish_load(store, "GM0363", "duo", "L2", triples=7)  # retires L1: dropped from the live store
        leftover = instance_graph(BASE, "GM0363", "duo", "crashed")
        fill(store, leftover, 3)  # a load that died before publishing
        store.close()
        assert old_graph in second.retired

        status = _status(str(folder), capsys)
        assert status["stale"] == [leftover]
        assert [(p["id"], p["current"], p["in_use"]) for p in status["publications"]] == [
            (second.id, True, False), (first.id, False, True)]

        assert main(["store", "gc", "--store", str(folder)]) == 0
        out = capsys.readouterr().out
        assert f"dropped graph {leftover}" in out
        assert f"kept publication {first.id}: a reader still holds it" in out
        assert (folder.parent / "store.publications" / first.id).is_dir()
        assert reader.count(old_graph) == 40  # the reader still answers from the whole old publication
        assert _status(str(folder), capsys)["stale"] == []
    finally:
        reader.close()

    assert main(["store", "gc", "--store", str(folder)]) == 0
    assert f"deleted publication {first.id}" in capsys.readouterr().out
    assert not (folder.parent / "store.publications" / first.id).exists()
    assert Publications(folder).held() == []
    assert Reader(folder, second.id).count(instance_graph(BASE, "GM0363", "duo", "L2")) == 7


@pytest.mark.not_on("embedded")
def test_gc_on_a_remote_store_keeps_retired_graphs_for_the_grace_period(
        store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(store_url)
    publish_load(store, "GM0363", "duo", "L1", special=False)
    publish_load(store, "GM0363", "duo", "L2", special=False)  # retires L1, kept for readers (RETIRED_GRACE)
    leftover = instance_graph(BASE, "GM0363", "duo", "crashed")
    fill(store, leftover, 3)
    store.close()
    retired = instance_graph(BASE, "GM0363", "duo", "L1")

    status = _status(store_url, capsys)
    assert (status["stale"], status["retired_waiting"]) == ([leftover], [retired])

    assert main(["store", "gc", "--store", store_url]) == 0
    out = capsys.readouterr().out
    assert f"dropped graph {leftover}" in out and f"kept retired graph {retired}" in out
    store = open_store(store_url)
    assert retired in {g.value for g in store.named_graphs()}
    store.close()

    assert main(["store", "gc", "--store", store_url, "--grace", "0"]) == 0
    assert f"dropped graph {retired}" in capsys.readouterr().out
    store = open_store(store_url)
    assert retired not in {g.value for g in store.named_graphs()}
    assert instance_graph(BASE, "GM0363", "duo", "L2") in {g.value for g in store.named_graphs()}
    store.close()


@pytest.fixture
def writing(folder: Path) -> Iterator[EmbeddedStore]:
    """A store with one publication, opened for writing (a load half-way) until the test ends."""
    store = EmbeddedStore(folder)
    publish_load(store, "GM0363", "duo", "L1")
    fill(store, instance_graph(BASE, "GM0363", "duo", "running"), 3)
    yield store
    store.close()


def test_status_does_not_wait_for_a_writer_and_gc_does(folder: Path, writing: EmbeddedStore) -> None:
    assert writing.publications is not None
    writing.publications.begin()  # a load marks the store from its first write (it copies into the unions)
    status = store_status(Settings(store=str(folder)))
    assert status.writer_busy and status.stale is None  # a running load's graphs are not stale
    assert not status.interrupted  # the mark is the running writer's
    assert [s.gemeente for s in status.sources] == ["GM0363"]
    with pytest.raises(StoreError, match="another writer"):
        collect_garbage(Settings(store=str(folder)), writer_wait_s=0.3)
    assert instance_graph(BASE, "GM0363", "duo", "running") in {g.value for g in writing.named_graphs()}


@pytest.mark.parametrize(("args", "message"), [
    (["status", "--store", "memory:"], "in-memory store"),
    (["status", "--store", "{tmp}/none"], "no store at"),
    (["gc", "--store", "{tmp}/none"], "no store at"),
    (["gc", "--store", "{tmp}/none", "--grace", "-1"], "expected 0 or more"),
    (["settle", "--store", "{tmp}/none"], "no store at"),
    (["settle", "--store", "memory:"], "in-memory store"),
    (["settle", "--store", "http://127.0.0.1:9/sparql"], "for an embedded store"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    assert main(["store", *(a.format(tmp=tmp_path) for a in args)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("module", [housekeeping, store_cli])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


# --- store settle ---------------------------------------------------------------------------------------------

def test_settle_waits_while_table_files_change_and_no_longer(tmp_path: Path) -> None:
    """``snapshots.settle`` watches the store folder: it returns once no table file appeared, went or grew for
    ``quiet`` seconds, and gives up at ``limit``."""
    table = tmp_path / "000001.sst"
    table.write_bytes(b"x")
    assert 0.2 <= settle(tmp_path, quiet=0.2, limit=5) < 1.0  # nothing changes: the quiet time only

    def grow(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with table.open("ab") as f:
                f.write(b"x" * 100)
            time.sleep(0.05)
        (tmp_path / "000002.sst").write_bytes(b"y")  # a compaction's output appears at its end

    writer = threading.Thread(target=grow, args=(0.8,))
    writer.start()
    waited = settle(tmp_path, quiet=0.3, limit=5)
    writer.join()
    assert waited >= 0.8 + 0.3
    writer = threading.Thread(target=grow, args=(2.0,))
    writer.start()
    assert settle(tmp_path, quiet=0.3, limit=0.6) < 1.2  # the limit: the checkpoint is taken as it is
    writer.join()


def test_a_table_file_that_a_compaction_deletes_while_it_is_listed_is_left_out(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The national bench of 2026-12-07 05:26 UTC stopped with FileNotFoundError in ``store settle``: RocksDB
    deleted a compacted table file between the folder's listing and its size."""
    from inburgering.store import snapshots
    from inburgering.store.snapshots import table_files

    (tmp_path / "000001.sst").write_bytes(b"kept")
    (tmp_path / "000002.sst").write_bytes(b"compacted away")
    listing = os.scandir

    def racing(path: Path) -> contextlib.nullcontext[list[os.DirEntry[str]]]:
        with listing(path) as entries:
            listed = list(entries)
        (tmp_path / "000002.sst").unlink()  # listed, then gone before its size is read
        return contextlib.nullcontext(listed)

    monkeypatch.setattr(snapshots.os, "scandir", racing)
    assert table_files(tmp_path) == {("000001.sst", 4)}


def test_settle_gives_readers_the_same_publication_in_a_new_checkpoint_and_never_breaks_one(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = EmbeddedStore(folder)
    for n, gemeente in enumerate(("GM0363", "GM0599", "GM0014")):
        done = publish_load(store, gemeente, "duo", f"L{n}", triples=500)
    store.close()
    pubs = Publications(folder)
    old = pubs.current()
    assert old is not None and old == done.id
    with pubs.open(old) as snapshot:  # type: ignore[union-attr]
        before = set(snapshot.store)
    reader = Reader(folder, old)
    try:
        assert main(["store", "settle", "--store", str(folder)]) == 0
        out = capsys.readouterr().out
        new = pubs.current()
        assert new is not None and new != old
        assert f"checkpoint {new}" in out and f"replaces {old}" in out and "the same publication" in out
        with pubs.open(new) as snapshot:  # type: ignore[union-attr]
            assert set(snapshot.store) == before
            reading = EmbeddedStore.from_snapshot(pubs.open(new))  # type: ignore[arg-type]
            try:
                assert current_publication(reading, base=BASE) == done.id  # the same owl:versionInfo
            finally:
                reading.close()
        graph = instance_graph(BASE, "GM0363", "duo", "L0")
        assert reader.count(graph) == 500  # the old checkpoint is kept while a reader holds it
        assert pubs.held() == [old]
    finally:
        reader.close()
    assert main(["store", "gc", "--store", str(folder)]) == 0
    assert f"deleted publication {old}" in capsys.readouterr().out
    assert Reader(folder, new).count(instance_graph(BASE, "GM0363", "duo", "L0")) == 500


KILLED_BULK_LOAD = """
import os, sys, threading, time
from pathlib import Path
from pyoxigraph import RdfFormat
from inburgering.store.embedded import EmbeddedStore

folder, fifo = Path(sys.argv[1]), sys.argv[2]
store = EmbeddedStore(str(folder))
threading.Thread(target=lambda: store.load(open(fifo, "rb"), format=RdfFormat.N_QUADS), daemon=True).start()
with open(fifo, "wb") as feed:  # a bulk load that never ends: the pipe stays open
    i = 0
    while not list(folder.glob("bulk-*.sst")):  # until Oxigraph has written a table file of its own
        feed.write(b"".join(b"<http://example.org/s%d> <http://example.org/p> <http://example.org/o> "
                            b"<http://example.org/g> .\\n" % (i + j) for j in range(50_000)))
        i += 50_000
    print("written", flush=True)
    time.sleep(600)
"""


def test_the_table_files_of_a_killed_bulk_load_are_removed_by_the_next_writer(tmp_path: Path) -> None:
    folder, fifo = tmp_path / "store", tmp_path / "fifo"
    os.mkfifo(fifo)
    child = subprocess.Popen([sys.executable, "-c", KILLED_BULK_LOAD, str(folder), str(fifo)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 120)
        assert ready and child.stdout.readline() == "written\n", "the bulk load wrote no table file of its own"
    finally:
        child.kill()
        child.wait(30)
    left = list(folder.glob("bulk-*.sst"))
    assert left and all(t.stat().st_size > 0 for t in left)
    store = EmbeddedStore(folder)
    try:
        assert not list(folder.glob("bulk-*.sst"))
        assert len(store.ox) == 0  # the killed bulk load took none of its quads in
    finally:
        store.close()
