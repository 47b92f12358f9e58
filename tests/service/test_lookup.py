"""The index lookups of ``service/lookup.py`` give the same description as the CONSTRUCT query, in every scope.

The store holds the service's test data plus cases where a shortcut would go wrong: a person whose facts are
split over a readable and an unreadable (``/bijzonder``) graph, labels in instance graphs (readable and not),
blank nodes, back-links with labelled subjects, an unpublished graph and the default graph.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pyoxigraph import RdfFormat, Triple, serialize
from rdflib import Graph
from rdflib.compare import isomorphic
from service_support import BASE, DATA, PERSON

from inburgering.errors import QueryError
from inburgering.security.scope import PUBLIC, AccessScope
from inburgering.service import lookup
from inburgering.service.deps import Runtime
from inburgering.service.describe import describe_local, describe_sparql
from inburgering.service.publish import load_public_graphs
from inburgering.service.sparql import readable_graphs
from inburgering.service.worker import ThreadEngine
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore
from inburgering.store.publication import publish
from inburgering.store.unions import union_graph

W3ID = "https://w3id.org/inburgering"
OTHER = f"{BASE}/id/persoon/aaaa"
EXTRA = f"""
@prefix inb: <{W3ID}/def/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{BASE}/graph/gm0363/duo/load1> {{
  <{PERSON}> inb:heeftAdres [ rdfs:label "adres"@nl ; inb:postcode "1011AB" ] ;
      inb:kentPersoon <{OTHER}> .
  <{OTHER}> rdfs:label "de ander"@nl .
  <{BASE}/id/groep/g1> skos:inScheme <{PERSON}> ; skos:prefLabel "groep"@nl .
}}
<{BASE}/graph/gm0363/duo/load1/bijzonder> {{
  <{PERSON}> inb:gezondheid "bijzonder gegeven" .
  <{OTHER}> rdfs:label "alleen bijzonder"@nl .
}}
<{BASE}/graph/gm0599/duo/load9> {{
  <{PERSON}> inb:elders "buiten de gemeenten van het token" .
  <{OTHER}> rdfs:label "elders"@nl .
  <{W3ID}/def/gemeente> rdfs:label "label uit een andere gemeente"@nl .
}}
<{BASE}/graph/gm0363/duo/unpublished> {{ <{PERSON}> inb:nietGepubliceerd "x" . }}
<{PERSON}> inb:inDeDefaultGraph "x" .
"""
ANALYST = AccessScope(token_id="a", role="analyst", gemeenten=frozenset({"GM0363"}))
SPECIAL = AccessScope(token_id="s", role="analyst", gemeenten=frozenset({"GM0363"}), special_categories=True)
ADMIN = AccessScope(token_id="b", role="admin", gemeenten=frozenset({"GM0363", "GM0599"}), special_categories=True)
SCOPES = {"public": PUBLIC, "analyst": ANALYST, "special": SPECIAL, "admin": ADMIN}
IRIS = [PERSON, OTHER, f"{BASE}/id/groep/g1", f"{BASE}/id/pip/0f1e2d3c4b5a69788796a5b4c3d2e1f0-1",
        f"{W3ID}/def/PIP", f"{W3ID}/def/gemeente", f"{W3ID}/id/concept/leerroute/B", f"{W3ID}/id/scheme/leerroute",
        f"{BASE}/id/niet/bekend"]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    store = EmbeddedStore(tmp_path_factory.mktemp("lookup") / "store")
    load_public_graphs(store, base=BASE, ontology_dir=DATA / "ontology", shapes_dir=DATA / "shapes")
    store.load((DATA / "instance.trig").read_bytes(), format=RdfFormat.TRIG)
    store.load(EXTRA.encode(), format=RdfFormat.TRIG)
    publish(store, base=BASE, graphs=[("GM0363", f"{BASE}/graph/gm0363/duo/load1"),
                                      ("GM0363", f"{BASE}/graph/gm0363/duo/load1/bijzonder"),
                                      ("GM0599", f"{BASE}/graph/gm0599/duo/load9")])
    engine = ThreadEngine(store)
    return Runtime(settings=Settings(store="memory:"), store=store, engine=engine, local_engine=engine,
                   templates=None)  # type: ignore[arg-type]


def as_rdflib(triples: list[Triple]) -> Graph:
    return Graph().parse(data=serialize(triples, format=RdfFormat.N_TRIPLES) or b"", format="nt")


@pytest.mark.parametrize("scope_name", list(SCOPES))
@pytest.mark.parametrize("iri", IRIS)
def test_lookup_equals_the_construct_query(runtime: Runtime, scope_name: str, iri: str) -> None:
    scope = SCOPES[scope_name]
    local = describe_local(runtime, scope, iri)
    assert local is not None
    reference = asyncio.run(describe_sparql(runtime, scope, iri))
    assert isomorphic(as_rdflib(local), as_rdflib(reference)), (sorted(map(str, local)), sorted(map(str, reference)))
    assert len(local) == len(set(local))


def test_the_cases_are_really_exercised(runtime: Runtime) -> None:
    """Guards the test above: the scopes see different things, so equal answers mean something."""
    def values(scope: AccessScope, iri: str) -> set[str]:
        return {t.object.value for t in describe_local(runtime, scope, iri) or []}  # type: ignore[union-attr]

    assert "bijzonder gegeven" in values(SPECIAL, PERSON) and "bijzonder gegeven" not in values(ANALYST, PERSON)
    assert "buiten de gemeenten van het token" in values(ADMIN, PERSON)
    assert "buiten de gemeenten van het token" not in values(SPECIAL, PERSON)
    assert not {"x"} & values(ADMIN, PERSON)  # unpublished graph and default graph
    assert "de ander" in values(ANALYST, PERSON) and "elders" not in values(ANALYST, PERSON)
    assert "1011AB" in values(ANALYST, PERSON) and "groep" in values(ANALYST, PERSON)
    assert describe_local(runtime, PUBLIC, PERSON) == []


def test_without_the_label_index(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``MAX_INDEXED_LABELS`` labels and back-links are looked up one by one: the same answers."""
    monkeypatch.setattr(lookup, "MAX_INDEXED_LABELS", 0)
    reader = lookup.DescriptionReader(runtime.store.ox)  # type: ignore[attr-defined]
    assert reader.labels(-1).by_graph is None and reader.labels(-1).inverse is None
    for scope in SCOPES.values():
        readable = frozenset(readable_graphs(runtime.store, scope, base=BASE))
        for iri in IRIS:
            unindexed = reader.describe(iri, readable, generation=-1, max_results=1000)
            assert set(unindexed) == set(describe_local(runtime, scope, iri) or [])


def test_the_result_cap_holds(runtime: Runtime) -> None:
    reader = lookup.DescriptionReader(runtime.store.ox)  # type: ignore[attr-defined]
    readable = frozenset(readable_graphs(runtime.store, SPECIAL, base=BASE))
    assert len(reader.describe(PERSON, readable, generation=0, max_results=1000)) > 5
    with pytest.raises(QueryError, match="more than 5"):
        reader.describe(PERSON, readable, generation=0, max_results=5)
    with pytest.raises(QueryError, match="not a valid IRI"):
        reader.describe("not an iri", readable, generation=0, max_results=5)


def test_a_write_is_seen_at_once(tmp_path: Any) -> None:
    """Graph lists and labels are remembered per store generation: a write through the store moves it."""
    store = EmbeddedStore(None)
    load_public_graphs(store, base=BASE, ontology_dir=DATA / "ontology", shapes_dir=DATA / "shapes")
    engine = ThreadEngine(store)
    rt = Runtime(settings=Settings(store="memory:"), store=store, engine=engine, local_engine=engine,
                 templates=None)  # type: ignore[arg-type]
    assert describe_local(rt, ANALYST, PERSON) == []
    store.load((DATA / "instance.trig").read_bytes(), format=RdfFormat.TRIG)  # publishes gm0363/load1 too
    assert describe_local(rt, ANALYST, PERSON)
    store.load(f'<{BASE}/graph/gm0363/duo/load1> {{ <{PERSON}> <{W3ID}/def/gemeente> <{OTHER}> . '
               f'<{OTHER}> <http://www.w3.org/2000/01/rdf-schema#label> "nieuw"@nl . }}'.encode(),
               format=RdfFormat.TRIG)
    assert "nieuw" in {t.object.value for t in describe_local(rt, ANALYST, PERSON) or []}
    publish(store, base=BASE, graphs=[("GM0363", f"{BASE}/graph/gm0363/duo/load2")])  # retires load1
    assert describe_local(rt, ANALYST, PERSON) == []


def test_public_pages_are_remembered_until_the_store_changes() -> None:
    """Public documents come from memory per store generation; a write through the store shows at once, and
    a request with a token never gets the public memory."""
    from fastapi.testclient import TestClient

    from inburgering.service import create_app
    from inburgering.service.deps import get_scope
    from inburgering.service.routers import resources

    store = EmbeddedStore(None)
    load_public_graphs(store, base=BASE, ontology_dir=DATA / "ontology", shapes_dir=DATA / "shapes")
    store.load((DATA / "instance.trig").read_bytes(), format=RdfFormat.TRIG)
    app = create_app(Settings(store="memory:", public_url="http://testserver"), store=store, query_workers=0)
    concept = f"{W3ID}/id/concept/leerroute/B"
    renders = []
    real = resources._render
    resources_render = lambda *a: renders.append(a[2]) or real(*a)
    with TestClient(app) as client, pytest.MonkeyPatch.context() as mp:
        mp.setattr(resources, "_render", resources_render)
        first = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
        second = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
        assert first.status_code == second.status_code == 200 and first.content == second.content
        assert renders == [concept]  # the second came from memory
        assert client.get("/doc/concept/leerroute/B", headers={"If-None-Match": first.headers["etag"],
                                                               "Accept": "text/turtle"}).status_code == 304
        label = f'<{concept}> <http://www.w3.org/2004/02/skos/core#prefLabel> "nieuw label"@nl .'
        # into the concepts graph and the union of the public graphs, as a publication writes it (a union is read
        # in place of its members by whoever may read them all: store/unions.py)
        store.load(f'<{BASE}/graph/concepts> {{ {label} }} <{union_graph(BASE)}> {{ {label} }}'.encode(),
                   format=RdfFormat.TRIG)
        third = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
        assert "nieuw label" in third.text and renders == [concept, concept]
        app.dependency_overrides[get_scope] = lambda: ADMIN
        assert "nieuw label" in client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"}).text
        assert renders == [concept, concept, concept]  # with a token: rendered for this scope
        app.dependency_overrides.clear()
        assert client.get(PERSON.replace(BASE, "").replace("/id/", "/doc/")).status_code == 401
