"""A load killed with SIGKILL in the middle leaves the previous version published and fully queryable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from loader_helpers import BASE, KEY, bsn_pool, duo_person, write_bundle
from pyoxigraph import QuerySolutions

from inburgering.loader import load, no_validation
from inburgering.namespaces import inb, meta_graph, provenance_graph
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import published_graphs
from inburgering.store.unions import registered_unions

#: The child process: a real load whose validator, on its second batch (the first batch is then written to
#: the store), signals the test and waits to be killed.
CHILD = """
import sys, time
from pathlib import Path
from inburgering.loader import load
from inburgering.settings import Settings

store_url, bundle, marker, rejects, key, base = sys.argv[1:]
calls = 0

def validator(triples, *, reference_date):
    global calls
    calls += 1
    if calls == 2:
        Path(marker).write_text("mid-load")
        time.sleep(600)
    return ()

load([bundle], settings=Settings(store=store_url, base_iri=base), key=key.encode(), rejects_path=rejects,
     validator=validator, batch_size=3)
"""


def _persons(store: Any) -> set[str]:
    graphs = published_graphs(store, base=BASE, special=True)
    result = store.query(f"SELECT DISTINCT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> }}", default_graph=graphs)
    assert isinstance(result, QuerySolutions)
    return {row["p"].value for row in result}


def _wait_for(marker: Path, child: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        if child.poll() is not None:
            raise AssertionError(f"the load ended before it could be killed: {child.stderr.read().decode()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError("the child load never reached its second batch")
        time.sleep(0.05)


def test_kill_9_mid_load_keeps_the_previous_version(store_url: str, tmp_path: Path) -> None:
    bsns = bsn_pool()
    settings = Settings(store=store_url, base_iri=BASE)
    first = write_bundle(tmp_path / "v1.jsonl", [duo_person(next(bsns)) for _ in range(3)])
    report = load([first], settings=settings, key=KEY, rejects_path=tmp_path / "r1.jsonl", validator=no_validation)
    store = open_store(store_url)
    try:
        before_graphs, before_persons = published_graphs(store, base=BASE, special=True), _persons(store)
    finally:
        store.close()
    assert report.persons_published == 3 and len(before_persons) == 3

    second = write_bundle(tmp_path / "v2.jsonl", [duo_person(next(bsns)) for _ in range(9)])
    marker, script = tmp_path / "marker", tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), store_url, str(second), str(marker),
                              str(tmp_path / "r2.jsonl"), KEY.decode(), BASE], stderr=subprocess.PIPE)
    try:
        _wait_for(marker, child)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    store = open_store(store_url)
    try:
        assert published_graphs(store, base=BASE, special=True) == before_graphs
        assert _persons(store) == before_persons
        live = set(before_graphs) | {meta_graph(BASE), provenance_graph(BASE)} | set(registered_unions(store, base=BASE))
        written = {g.value for g in store.named_graphs()} - live
        assert written, "the killed load had written its first batch into a new, unpublished graph"
    finally:
        store.close()

    # The next load drops what the killed one left behind, and publishes normally.
    third = write_bundle(tmp_path / "v3.jsonl", [duo_person(next(bsns))])
    assert load([third], settings=settings, key=KEY, rejects_path=tmp_path / "r3.jsonl",
                validator=no_validation).persons_published == 1
    store = open_store(store_url)
    try:
        assert not written & {g.value for g in store.named_graphs()}
        assert len(_persons(store)) == 1
        # The killed load had copied its first batch into the unions as well (an on-disk store): the store was
        # left marked and this publication rebuilt them, so each holds exactly its members again.
        for union, members in registered_unions(store, base=BASE).items():
            assert _union_triples(store, [union]) == _union_triples(store, sorted(members)), union
    finally:
        store.close()


def _union_triples(store: Any, graphs: list[str]) -> set[str]:
    result = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", default_graph=graphs, named_graphs=[])
    assert isinstance(result, QuerySolutions)
    return {f"{r['s']} {r['p']} {r['o']}" for r in result}
