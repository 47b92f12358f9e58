"""Atomic publication on every backend: readers never see a half-switched load, and a killed load changes nothing.

The loader writes a load's graphs while they are unpublished, then publishes them with ONE SPARQL update of the
meta graph (``store/publication.py``). On a remote store that update is one HTTP request, applied by the server
in one transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from loader_helpers import generate_bundle
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from inburgering.cli import main
from inburgering.namespaces import instance_graph
from inburgering.store import open_store
from inburgering.store.base import Store
from inburgering.store.publication import publish, published_graphs, stale_graphs
from servers import backend_params, clear_store

BASE = "https://data.inburgering.example.nl"  # the default base: the loader CLI uses it
PERSON_CLASS = "https://w3id.org/inburgering/def/Inburgeraar"


def _fill(store: Store, graph: str, n: int) -> None:
    store.extend(Quad(NamedNode(f"{graph}/s{i}"), NamedNode("http://example.org/p"), Literal(str(i)),
                      NamedNode(graph)) for i in range(n))


def test_readers_never_see_a_half_switched_publication(store: Store, store_url: str, backend: str) -> None:
    loads = [instance_graph(BASE, "GM0363", "duo", f"L{i}") for i in range(2)]
    for graph in loads:
        _fill(store, graph, 3)
    publish(store, base=BASE, graphs=[("GM0363", loads[0])])
    reader = store if backend == "embedded" else open_store(store_url)  # RocksDB allows one writer process
    seen: list[tuple[str, ...]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.append(tuple(published_graphs(reader, base=BASE, gemeenten=["GM0363"])))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(1, 25):
            publish(store, base=BASE, graphs=[("GM0363", loads[i % 2])])
    finally:
        done.set()
        thread.join(60)
    assert seen, "the reader never ran"
    assert {len(graphs) for graphs in seen} == {1}, sorted(set(seen))
    assert published_graphs(store, base=BASE, gemeenten=["GM0363"]) == [loads[0]]


def _persons(store: Store, graphs: list[str]) -> int:
    if not graphs:
        return 0
    result = store.query(f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a <{PERSON_CLASS}> }}",
                         default_graph=graphs, named_graphs=[], union_default_graph=False)
    assert isinstance(result, QuerySolutions)
    return int(next(iter(result))["n"].value)  # type: ignore[union-attr]


def _load_argv(url: str, tmp_path: Path, bundle: Path, name: str, key: Path, engine: str) -> list[str]:
    return ["load", "--store", url, "--rejects", str(tmp_path / f"{name}-rejects.jsonl"), "--key-file", str(key),
            "--batch-size", "5", "--engine", engine, str(bundle)]


def _kill_when_writing(process: subprocess.Popen[bytes], url: str, before: set[str]) -> None:
    """Kill the loader as soon as it has written a graph of its own (so half way), else fail."""
    watcher = open_store(url)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if {g.value for g in watcher.named_graphs()} - before - {f"{BASE}/graph/meta"}:
                process.send_signal(signal.SIGKILL)
                process.wait(30)
                return
            time.sleep(0.05)
    finally:
        watcher.close()
    process.kill()
    pytest.fail(f"the load ended (exit {process.returncode}) before it wrote anything to kill it in")


@pytest.mark.slow
@pytest.mark.parametrize("remote", backend_params(remote_only=True))
def test_a_load_killed_half_way_leaves_the_published_data_intact(remote: str, request: pytest.FixtureRequest,
                                                                 tmp_path: Path) -> None:
    url = request.getfixturevalue(f"{remote}_server").url
    clear_store(url)
    key = tmp_path / "key"
    key.write_text("a-test-key-not-a-secret")
    first, second = generate_bundle(tmp_path, "first", 6, seed=11), generate_bundle(tmp_path, "second", 300, seed=12)
    assert main(_load_argv(url, tmp_path, first, "first", key, "fast")) == 0
    store = open_store(url)
    published = published_graphs(store, base=BASE, special=True)
    persons = _persons(store, published)
    assert published and persons == 6
    before = {g.value for g in store.named_graphs()}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with (tmp_path / "killed.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "inburgering.cli",
                                    *_load_argv(url, tmp_path, second, "second", key, "pyshacl")],
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
        _kill_when_writing(process, url, before)
    assert process.returncode == -signal.SIGKILL
    assert published_graphs(store, base=BASE, special=True) == published
    assert _persons(store, published) == persons
    left_over = stale_graphs(store, base=BASE)
    assert left_over, "the killed load should have left unpublished graphs behind"
    assert main(_load_argv(url, tmp_path, first, "again", key, "fast")) == 0  # the next load clears the debris
    assert not set(left_over) & {g.value for g in store.named_graphs()}
    assert _persons(store, published_graphs(store, base=BASE, special=True)) == 6
    store.close()
