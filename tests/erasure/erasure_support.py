"""Helpers of the erasure tests (imported as ``erasure_support``): what a reader sees, read without the code
under test, and the service's answers."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pyoxigraph import NamedNode, QuerySolutions
from service_support import LiveServer

from inburgering.namespaces import DEFAULT_BASE, meta_graph
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_reader
from inburgering.store.publication import is_special, published_records
from inburgering.store.unions import registered_unions

BASE = DEFAULT_BASE
Spo = tuple[str, str, str]

PERSONS, SEED = 400, 11
KEY = "erasure-test-key-not-a-secret-0123456789"


@dataclass
class Sources:
    duo: Path
    ggm: Path
    key_file: Path
    #: The DUO bundle's lines: the independent account of who is in the store.
    records: list[dict[str, Any]]


@dataclass
class Deployment:
    store: str
    sources: Sources
    server: LiveServer
    admin: str
    tmp: Path

    @property
    def key(self) -> bytes:
        return KEY.encode()


def reader_graphs(location: str) -> dict[str, set[Spo]]:
    """Every graph a reader of ``location`` can see, with its triples as N-Triples terms: an embedded store's
    whole current publication (every graph of the checkpoint, the default graph as ``""``), a remote store's
    published, public, union and meta graphs."""
    store = open_reader(Settings(store=location))
    try:
        out: dict[str, set[Spo]] = defaultdict(set)
        if isinstance(store, EmbeddedStore):
            for q in store.ox.quads_for_pattern(None, None, None, None):
                graph = q.graph_name.value if isinstance(q.graph_name, NamedNode) else ""
                out[graph].add((str(q.subject), str(q.predicate), str(q.object)))
            return dict(out)
        visible = {r.graph for r in published_records(store, base=BASE)} | {meta_graph(BASE)}
        visible |= {g.value for g in store.named_graphs() if "/graph/" in g.value and "/graph/gm" not in g.value}
        for graph in sorted(visible):
            result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}")
            assert isinstance(result, QuerySolutions)
            out[graph] = {(str(r["s"]), str(r["p"]), str(r["o"])) for r in result}
        return dict(out)
    finally:
        store.close()


def traces(graphs: dict[str, set[Spo]], needle: str) -> dict[str, int]:
    """Triples per graph whose text holds ``needle`` anywhere."""
    found = {g: sum(1 for t in triples if any(needle in term for term in t)) for g, triples in graphs.items()}
    return {g: n for g, n in found.items() if n}


def by_source(location: str) -> dict[tuple[str, str | None, bool], set[Spo]]:
    """The published instance data per (municipality, source, special), whatever the graphs are called."""
    store = open_reader(Settings(store=location))
    try:
        out: dict[tuple[str, str | None, bool], set[Spo]] = defaultdict(set)
        for record in published_records(store, base=BASE):
            result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {NamedNode(record.graph)} {{ ?s ?p ?o }} }}")
            assert isinstance(result, QuerySolutions)
            key = (record.gemeente, record.source, is_special(record.graph))
            out[key] |= {(str(r["s"]), str(r["p"]), str(r["o"])) for r in result}
        return dict(out)
    finally:
        store.close()


def unions_hold_their_members(location: str) -> bool:
    """Each union graph of an embedded store holds exactly the triples of its members."""
    graphs = reader_graphs(location)
    store = open_reader(Settings(store=location))
    try:
        unions = registered_unions(store, base=BASE)
    finally:
        store.close()
    return all(graphs.get(u, set()) == set().union(*(graphs.get(m, set()) for m in members))
               for u, members in unions.items())


def wait_for_status(url: str, token: str, status: int, *, within_s: float = 15.0) -> int:
    """GET ``url`` with ``token`` until it answers ``status`` (the service follows publications within seconds)."""
    deadline, got = time.monotonic() + within_s, 0
    while time.monotonic() < deadline:
        got = httpx.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "text/turtle"}).status_code
        if got == status:
            return got
        time.sleep(0.2)
    return got


def sparql_rows(server_url: str, token: str, query: str) -> list[dict[str, Any]]:
    response = httpx.get(server_url + "/sparql", params={"query": query},
                         headers={"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text[:300]
    rows: list[dict[str, Any]] = response.json()["results"]["bindings"]
    return rows


def audit_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
