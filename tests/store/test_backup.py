"""``inburgering store backup`` and ``store restore``: an online backup of generated data taken while a reader
holds the store and a load runs; the restored store holds every quad of the backed-up publication (the meta
graph included) and is served; a damaged backup is refused; ``--force`` replaces a store a service follows."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from loader_helpers import generate_bundle
from pyoxigraph import NamedNode, Quad
from service_support import LiveServer

from inburgering.cli import main
from inburgering.namespaces import instance_graph, meta_graph, public_graph
from inburgering.security.tokens import TokenStore
from inburgering.service.live import LiveStore
from inburgering.settings import Settings
from inburgering.store import open_reader
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.publication import current_publication, published_graphs
from inburgering.store.snapshots import WRITER_LOCK, Publications, publications_dir
from publication_support import BASE, fill, publish_load

KEY_HEX = "5e" * 32
#: A load of generated data keeps the writer lock for seconds; this bounds the wait for it to take the lock.
LOCK_WAIT_S = 120.0


def _all_quads(store: EmbeddedStore) -> set[Quad]:
    return set(store.ox.quads_for_pattern(None, None, None, None))


def _writer_busy(store: Path) -> bool:
    with (publications_dir(store) / WRITER_LOCK).open("ab") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lock, fcntl.LOCK_UN)
        return False


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_HEX)
    return KEY_HEX


def test_backup_while_a_reader_reads_and_a_load_runs_restores_every_quad(
        tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    store, backup, restored = tmp_path / "store", tmp_path / "backup", tmp_path / "restored"
    assert main(["model", "publish", "--store", str(store)]) == 0
    assert main(["load", "--store", str(store), "--rejects", str(tmp_path / "r1.jsonl"),
                 str(generate_bundle(tmp_path, "first", 150, 1))]) in (0, 1)
    second = generate_bundle(tmp_path, "second", 300, 2)
    capsys.readouterr()

    with Publications(store).open_current() as reader:  # a reader holds the store's publication
        before = current_publication(EmbeddedStore.from_snapshot(reader), base=BASE)
        load = subprocess.Popen([sys.executable, "-m", "inburgering.cli", "load", "--store", str(store), "--rejects",
                                 str(tmp_path / "r2.jsonl"), str(second)], env={**os.environ},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + LOCK_WAIT_S
        while not _writer_busy(store):
            assert load.poll() is None and time.monotonic() < deadline, "the load never took the writer lock"
            time.sleep(0.02)
        assert main(["store", "backup", "--store", str(store), str(backup)]) == 0  # no waiting for the load
        output, _ = load.communicate(timeout=300)
        assert load.returncode in (0, 1), output
        assert len(reader.store) > 0  # the reader still reads its publication

    manifest = json.loads((backup / "inburgering-backup.json").read_text(encoding="utf-8"))
    published = manifest["publication"]
    assert published in (before, Publications(store).current())
    assert main(["store", "restore", str(backup), "--store", str(restored)]) == 0
    assert f"restored publication {published}" in capsys.readouterr().out

    source = Publications(store).open(published)
    assert source is not None, "the backed-up publication is held or current"
    with source:
        expected = _all_quads(EmbeddedStore.from_snapshot(source))
    copy = open_reader(Settings(store=str(restored)))
    got = _all_quads(copy)  # type: ignore[arg-type]
    assert got == expected
    graphs = {q.graph_name for q in got}
    assert NamedNode(meta_graph(BASE)) in graphs and NamedNode(public_graph(BASE, "ontology")) in graphs
    assert len([g for g in graphs if "/graph/gm" in str(g)]) >= 2 and len(got) > 10_000
    assert current_publication(copy, base=BASE) == published
    copy.close()

    # the backup is a store of its own: query it as it is
    assert main(["query", "--store", str(backup / "store"), "--meta", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"]) == 0


def _served(url: str) -> dict[str, Any]:
    response = httpx.get(url + "/health", timeout=30)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_a_restored_store_and_the_backup_itself_are_served(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, backup, restored = tmp_path / "store", tmp_path / "backup", tmp_path / "restored"
    assert main(["model", "publish", "--store", str(store)]) == 0
    writer = EmbeddedStore(store)
    done = publish_load(writer, "GM0363", "duo", "L1")
    writer.close()
    tokens = TokenStore(tmp_path / "store.tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    tokens.close()
    assert main(["store", "backup", "--store", str(store), str(backup)]) == 0
    assert "with the token database" in capsys.readouterr().out
    assert main(["store", "restore", str(backup), "--store", str(restored)]) == 0

    restored_tokens = TokenStore(tmp_path / "restored.tokens.sqlite")
    assert restored_tokens.verify(token) is not None
    restored_tokens.close()
    for location in (restored, backup / "store"):
        server = LiveServer(str(location), logs=tmp_path)
        try:
            health = _served(server.url)
            assert health["publication"] == done.id
            assert [(s["gemeente"], s["source"]) for s in health["sources"]] == [("GM0363", "duo")]
            answer = httpx.get(server.url + "/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                               params={"query": "ASK { ?o a <http://www.w3.org/2002/07/owl#Ontology> }"})
            assert answer.json()["boolean"] is True
        finally:
            server.stop()


def test_restore_force_replaces_a_store_a_reader_follows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, backup = tmp_path / "store", tmp_path / "backup"
    writer = EmbeddedStore(store)
    old = publish_load(writer, "GM0363", "duo", "L1")
    writer.close()
    assert main(["store", "backup", "--store", str(store), str(backup)]) == 0
    writer = EmbeddedStore(store)
    new = publish_load(writer, "GM0363", "duo", "L2")
    writer.close()
    live = LiveStore(store)
    try:
        assert live.publication == new.id
        assert main(["store", "restore", str(backup), "--store", str(store)]) == 2
        assert "add --force" in capsys.readouterr().err
        assert main(["store", "restore", str(backup), "--store", str(store), "--force"]) == 0
        assert "replacing the store" in capsys.readouterr().out
        with live.pinned():  # a request that began before the restore still reads the replaced publication
            assert published_graphs(live, base=BASE) == [instance_graph(BASE, "GM0363", "duo", "L2")]
        assert live.follow()
        assert current_publication(live, base=BASE) == old.id
        assert published_graphs(live, base=BASE) == [instance_graph(BASE, "GM0363", "duo", "L1")]
    finally:
        live.close()
    assert main(["store", "gc", "--store", str(store)]) == 0
    assert f"deleted publication {new.id}" in capsys.readouterr().out
    writer = EmbeddedStore(store)  # the restored store takes new loads
    publish_load(writer, "GM0599", "duo", "L3")
    writer.close()


def test_a_damaged_backup_is_refused_and_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, backup, restored = tmp_path / "store", tmp_path / "backup", tmp_path / "restored"
    writer = EmbeddedStore(store)
    publish_load(writer, "GM0363", "duo", "L1", triples=500)
    writer.close()
    assert main(["store", "backup", "--store", str(store), str(backup)]) == 0
    table = max((backup / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    data = bytearray(table.read_bytes())
    data[len(data) // 2] ^= 0xFF
    table.unlink()  # a new file: the hard link in store.publications keeps the intact bytes
    table.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["store", "restore", str(backup), "--store", str(restored)]) == 2
    assert "damaged" in capsys.readouterr().err
    assert not restored.exists() and list(tmp_path.glob(".restored*")) == []


@pytest.mark.parametrize(("args", "message"), [
    (["backup", "--store", "http://127.0.0.1:9/query", "{tmp}/b"], "server's own tools"),
    (["backup", "--store", "memory:", "{tmp}/b"], "in-memory store"),
    (["backup", "--store", "{tmp}/none", "{tmp}/b"], "no store at"),
    (["backup", "--store", "{tmp}/none", "{tmp}"], "not empty"),
    (["restore", "{tmp}", "--store", "{tmp}/r"], "not a backup"),
    (["restore", "{backup}", "--store", "{tmp}", "--force"], "not a store"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                          message: str) -> None:
    (tmp_path / "something").write_text("x")
    backup = tmp_path / "backup"
    if "{backup}" in args:
        writer = EmbeddedStore(tmp_path / "store")
        publish_load(writer, "GM0363", "duo", "L1")
        writer.close()
        assert main(["store", "backup", "--store", str(tmp_path / "store"), str(backup)]) == 0
    assert main(["store", *(a.format(tmp=tmp_path, backup=backup) for a in args)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_backup_does_not_wait_for_a_writer_and_leaves_out_what_it_has_not_published(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store, backup = tmp_path / "store", tmp_path / "backup"
    writer = EmbeddedStore(store)  # holds the writer lock until closed: a load half-way
    done = publish_load(writer, "GM0363", "duo", "L1")
    half = instance_graph(BASE, "GM0599", "duo", "half-way")
    fill(writer, half, 3)
    try:
        assert main(["store", "backup", "--store", str(store), str(backup)]) == 0
    finally:
        writer.close()
    copy = EmbeddedStore(backup / "store", read_only=True)
    try:
        assert current_publication(copy, base=BASE) == done.id
        assert NamedNode(half) not in set(copy.named_graphs())
        assert NamedNode(instance_graph(BASE, "GM0363", "duo", "L1")) in set(copy.named_graphs())
    finally:
        copy.close()
