"""The SPARQL endpoint of the service on every store backend: results, formats and the scope-fixed dataset.

The service's own tests run on the embedded store; these run a few of the same questions through the ASGI app
on the Oxigraph server and Virtuoso too, where the dataset restriction is the remote store's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse

from inburgering.namespaces import DEFAULT_BASE
from inburgering.security.scope import PUBLIC, AccessScope
from inburgering.service import create_app
from inburgering.service.deps import get_scope
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store.base import Store

DATA = Path(__file__).resolve().parents[1] / "service" / "data"
INSTANCE_GRAPH = f"{DEFAULT_BASE}/graph/gm0363/duo/load1"
COUNT_PIPS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/PIP> }"
ADMIN = AccessScope(token_id="t-admin", role="admin", gemeenten=frozenset({"GM0363"}))
AMSTERDAM = AccessScope(token_id="t-0363", role="analyst", gemeenten=frozenset({"GM0363"}))
UTRECHT = AccessScope(token_id="t-0344", role="analyst", gemeenten=frozenset({"GM0344"}))


@pytest.fixture
def app_store(store: Store) -> Store:
    load_public_graphs(store, base=DEFAULT_BASE, ontology_dir=DATA / "ontology", shapes_dir=DATA / "shapes")
    store.load((DATA / "instance.trig").read_bytes(), format=RdfFormat.TRIG)
    return store


@pytest.fixture
def clients(app_store: Store, store_url: str) -> Iterator[dict[str, TestClient]]:
    out: dict[str, TestClient] = {}
    for name, scope in (("public", PUBLIC), ("admin", ADMIN), ("gm0363", AMSTERDAM), ("gm0344", UTRECHT)):
        app = create_app(Settings(store=store_url, public_url="http://testserver"), store=app_store,
                         query_workers=0)
        app.dependency_overrides[get_scope] = lambda scope=scope: scope
        out[name] = TestClient(app).__enter__()
    yield out
    for client in out.values():
        client.__exit__(None, None, None)


def _count(client: TestClient, query: str, **params: str) -> int:
    response = client.get("/sparql", params={"query": query, **params},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return int(json.loads(response.text)["results"]["bindings"][0]["n"]["value"])


def test_the_scope_decides_what_a_query_sees_on_every_backend(clients: dict[str, TestClient]) -> None:
    assert _count(clients["admin"], COUNT_PIPS) == 1
    assert _count(clients["gm0363"], COUNT_PIPS) == 1
    assert _count(clients["gm0344"], COUNT_PIPS) == 0
    assert _count(clients["public"], COUNT_PIPS) == 0
    sneaky = f"SELECT (COUNT(*) AS ?n) FROM <{INSTANCE_GRAPH}> FROM NAMED <{INSTANCE_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert _count(clients["gm0344"], sneaky) == 0
    assert _count(clients["gm0344"], "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                  **{"named-graph-uri": INSTANCE_GRAPH}) == 0
    assert _count(clients["gm0363"], f"SELECT (COUNT(*) AS ?n) FROM <{INSTANCE_GRAPH}> WHERE {{ ?s a ?t }}") == 3


def test_select_and_construct_formats_on_every_backend(clients: dict[str, TestClient]) -> None:
    query = "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> } ORDER BY ?c"
    csv = clients["public"].get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert csv.text.splitlines()[1:] == [f"http://testserver/id/concept/leerroute/{c}" for c in "BOZ"]
    construct = clients["public"].post(
        "/sparql", content="CONSTRUCT WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n }",
        headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
    assert construct.status_code == 200, construct.text
    assert sorted(t.object.value for t in parse(construct.content, format=RdfFormat.TURTLE)) == ["B", "O", "Z"]
    syntax = clients["public"].get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert syntax.status_code == 400


def test_dereferencing_and_stats_on_every_backend(clients: dict[str, TestClient]) -> None:
    path = "/doc/persoon/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    own = clients["gm0363"].get(path, headers={"Accept": "application/n-triples"})
    assert own.status_code == 200, own.text
    assert any(t.predicate.value.endswith("heeftPip") for t in parse(own.content, format=RdfFormat.N_TRIPLES))
    other = clients["gm0344"].get(path, headers={"Accept": "application/n-triples"})
    assert other.status_code == 404
    stats = clients["gm0363"].get("/stats.json")
    assert stats.status_code == 200, stats.text
    tables = {t["name"]: t for t in json.loads(stats.text)["tables"]}
    assert tables["leerroute"]["rows"] == ["GM0363"]  # the one person was counted (the count itself is suppressed)
