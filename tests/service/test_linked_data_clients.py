"""What linked-data clients expect (issue 14 §5): compact JSON-LD under a published context that expands to the
same graph (checked with pyld), ``application/json``, ``Link`` alternates, CORS on public data only, and the
service description's ``sd:UnionDefaultGraph`` (checked against what the endpoint does)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from pyoxigraph import QueryResultsFormat, QuerySolutions, RdfFormat, Triple, parse, parse_query_results
from rdflib import Graph
from rdflib.compare import isomorphic
from service_support import expand_jsonld, make_client

from inburgering.namespaces import VOCAB
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR
from inburgering.security.tokens import TokenStore
from inburgering.service.jsonld.compact import compact_document
from inburgering.service.jsonld.context import (
    CONTEXT_VERSION,
    build_context,
    context_iri,
    ontology_triples,
    published_context,
    published_text,
)

SD = "http://www.w3.org/ns/sparql-service-description#"
#: Documents served as JSON-LD, each with the URL of the same document as Turtle.
DOCUMENTS = [
    ("/doc/concept/leerroute/B.jsonld", "/doc/concept/leerroute/B.ttl"),
    ("/doc/scheme/leerroute.jsonld", "/doc/scheme/leerroute.ttl"),
    ("/def/heeftPip.jsonld", "/def/heeftPip.ttl"),
    ("/def.jsonld", "/def.ttl"),
    ("/downloads/concepts.jsonld", "/downloads/concepts.ttl"),
    ("/downloads/shapes.jsonld", "/downloads/shapes.ttl"),
    ("/downloads/dataset.jsonld", "/downloads/dataset.ttl"),
]


def expand_to_graph(client: TestClient, document: dict[str, Any]) -> Graph:
    """The RDF a JSON-LD processor (pyld) reads from ``document``, as an rdflib graph (for ``isomorphic``)."""
    graph = Graph()
    nt = b"".join(str(t).encode() + b" .\n" for t in expand_jsonld(client, document))
    return graph.parse(data=nt, format="nt")


def _turtle(client: TestClient, url: str, **kwargs: Any) -> Graph:
    response = client.get(url, headers={"Accept": "text/turtle"}, **kwargs)
    assert response.status_code == 200
    return Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize(("jsonld_url", "turtle_url"), DOCUMENTS)
def test_jsonld_is_compact_and_expands_to_the_same_graph(client: TestClient, jsonld_url: str,
                                                         turtle_url: str) -> None:
    response = client.get(jsonld_url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/ld+json"
    document = response.json()
    assert document["@context"] == "http://testserver" + f"/context/v{CONTEXT_VERSION}.jsonld"
    expected = _turtle(client, turtle_url)
    assert len(expected) > 0
    assert isomorphic(expand_to_graph(client, document), expected)
    keys = {key for node in document["@graph"] for key in node}
    assert not any(key.startswith("http") for key in keys), keys  # every predicate has a key or a prefix


MODEL_FILES = sorted(ONTOLOGY_DIR.glob("*.ttl")) + sorted(SHAPES_DIR.glob("*.ttl"))


@pytest.mark.parametrize("path", MODEL_FILES, ids=[p.name for p in MODEL_FILES])
def test_the_whole_model_round_trips(path: Path) -> None:
    """Every ontology, concept-scheme and shapes file (RDF lists, blank nodes, typed and language literals)
    written compact expands, with the published context, to the graph it was made from."""
    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        assert url == context_iri()
        return {"contextUrl": None, "documentUrl": url, "document": published_context()}

    document = compact_document(parse(path.read_bytes(), format=RdfFormat.TURTLE))
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": load})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), Graph().parse(path, format="turtle"))


def test_compact_keys_for_concepts_and_terms(client: TestClient) -> None:
    concept = client.get("/doc/concept/leerroute/B", headers={"Accept": "application/ld+json"}).json()
    node = concept["@graph"][0]  # the document's own resource comes first
    assert node["@id"] == "http://testserver/id/concept/leerroute/B"
    assert node["@type"] == "skos:Concept"
    assert node["prefLabel"] == {"en": "B1 route", "nl": "B1-route"}
    assert node["inScheme"] == "http://testserver/id/scheme/leerroute"
    term = client.get("/def/heeftPip.jsonld").json()["@graph"][0]
    assert term["@type"] == "owl:ObjectProperty" and term["range"] == "http://testserver/def/PIP"


def test_instance_data_as_compact_jsonld(admin_client: TestClient) -> None:
    """Typed dates and object properties take the context's keys; the graph is the Turtle's."""
    path = "/doc/pip/0f1e2d3c4b5a69788796a5b4c3d2e1f0-1"
    document = admin_client.get(path + ".jsonld").json()
    pip = document["@graph"][0]
    assert pip["@type"] == "PIP" and pip["dagtekening"] == "2023-03-01"
    assert isomorphic(expand_to_graph(admin_client, document), _turtle(admin_client, path + ".ttl"))


def test_construct_results_are_compact_jsonld(client: TestClient) -> None:
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "CONSTRUCT { ?c skos:prefLabel ?l ; skos:inScheme ?s } WHERE { ?c skos:prefLabel ?l ; skos:inScheme ?s }")
    compact = client.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert compact.status_code == 200 and compact.json()["@context"].endswith("/context/v1.jsonld")
    turtle = client.get("/sparql", params={"query": query}, headers={"Accept": "text/turtle"})
    expected = Graph().parse(data=turtle.text, format="turtle")
    assert len(expected) == 9 and isomorphic(expand_to_graph(client, compact.json()), expected)


def test_service_description_as_jsonld(client: TestClient) -> None:
    document = client.get("/sparql", headers={"Accept": "application/ld+json"}).json()
    assert isomorphic(expand_to_graph(client, document), _turtle(client, "/sparql"))


@pytest.mark.parametrize("path", ["/doc/concept/leerroute/B", "/def/heeftPip", "/def", "/dataset", "/sparql"])
def test_application_json_gets_the_jsonld(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json()["@context"] == "http://testserver/context/v1.jsonld"


def test_construct_as_application_json(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s a ?o } LIMIT 2"},
                          headers={"Accept": "application/json"})
    assert response.headers["content-type"] == "application/json" and len(response.json()["@graph"]) == 2


def test_the_context_is_published_and_stable(client: TestClient) -> None:
    versioned = client.get(f"/context/v{CONTEXT_VERSION}.jsonld")
    assert versioned.status_code == 200 and versioned.headers["content-type"] == "application/ld+json"
    assert "immutable" in versioned.headers["cache-control"]
    assert versioned.text == published_text().replace("https://w3id.org/inburgering/", "http://testserver/")
    current = client.get("/context.jsonld")
    assert current.text == versioned.text and current.headers["content-location"] == "/context/v1.jsonld"
    again = client.get("/context/v1.jsonld", headers={"If-None-Match": versioned.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/context/v99.jsonld").status_code == 404
    assert client.get("/context/other.json").status_code == 404
    assert context_iri() == "https://w3id.org/inburgering/context/v1.jsonld"


def test_published_context_still_means_what_the_ontology_says() -> None:
    """A published version never changes. When the ontology changes or drops a term the context names (a range,
    say), this fails: publish a new version (``python -m inburgering.service.jsonld.context > v2.jsonld``)
    instead of editing the old one. Terms the ontology gains need no new version: they are written ``inb:term``
    until one is published."""
    published = published_context()["@context"]
    current = build_context(ontology_triples())["@context"]
    assert {name: (value, current.get(name)) for name, value in published.items() if current.get(name) != value} == {}
    assert published["inb"] == VOCAB and published["heeftPip"] == {"@id": "inb:heeftPip", "@type": "@id"}
    assert published["dagtekening"] == {"@id": "inb:dagtekening", "@type": "xsd:date"}


def test_link_alternates(client: TestClient) -> None:
    whole = client.get("/def", headers={"Accept": "text/turtle"}).headers["link"]
    for ext, media in (("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
                       ("rdf", "application/rdf+xml"), ("html", "text/html")):
        assert f'</def.{ext}>; rel="alternate"; type="{media}"' in whole
    assert "/def.ttl" not in whole  # the format answered is not an alternate of itself
    assert '</def.ttl>; rel="alternate"; type="text/turtle"' in client.get("/def", headers={"Accept": "text/html"}).headers["link"]
    term = client.get("/def/heeftPip", headers={"Accept": "application/ld+json"}).headers["link"]
    assert '</def/heeftPip.ttl>; rel="alternate"; type="text/turtle"' in term
    download = client.get("/downloads/concepts.ttl").headers["link"]
    assert '</downloads/concepts.jsonld>; rel="alternate"' in download and ".html" not in download
    assert '</downloads/dataset.jsonld>' in client.get("/dataset", headers={"Accept": "text/turtle"}).headers["link"]


def _description(client: TestClient) -> list[Triple]:
    return list(parse(client.get("/sparql", headers={"Accept": "text/turtle"}).content, format=RdfFormat.TURTLE))


def test_service_description_declares_union_default_graph(client: TestClient, admin_client: TestClient) -> None:
    """Declared for every caller, and each caller's description lists the named graphs it reads."""
    public, admin = _description(client), _description(admin_client)
    for triples in (public, admin):
        assert SD + "UnionDefaultGraph" in {t.object.value for t in triples if t.predicate.value == SD + "feature"}
    named = {t.object.value for t in public if t.predicate.value == SD + "name"}
    assert named == {f"http://testserver/graph/{g}" for g in ("ontology", "concepts", "shapes", "dataset")}
    admin_named = {t.object.value for t in admin if t.predicate.value == SD + "name"}
    assert named < admin_named and "http://testserver/graph/gm0363/duo/load1" in admin_named


def _solutions(client: TestClient, query: str, headers: dict[str, str] | None = None) -> set[tuple[str, ...]]:
    response = client.get("/sparql", params={"query": query},
                          headers={"Accept": "application/sparql-results+json", **(headers or {})})
    assert response.status_code == 200, response.text
    result = parse_query_results(response.content, format=QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions)
    return {tuple(str(v) for v in row) for row in result}


def test_the_default_graph_is_the_union_of_the_named_graphs(client: TestClient, admin_client: TestClient) -> None:
    """What the description declares, checked for a caller without a token and for an admin (who reads every
    graph, instance and meta graphs too)."""
    for caller in (client, admin_client):
        default = _solutions(caller, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        named = _solutions(caller, "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert default == named and len(default) > 50
    assert len(_solutions(admin_client, "SELECT * { ?s ?p ?o }")) > len(_solutions(client, "SELECT * { ?s ?p ?o }"))


@pytest.fixture(scope="module")
def token_client(store_location: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """The service with real tokens (the ``Authorization`` header decides CORS) and an admin token."""
    folder: Path = tmp_path_factory.mktemp("tokens")
    tokens = TokenStore(folder / "tokens.sqlite")
    token = tokens.create(role="admin", gemeenten=["GM0363"], special_categories=True).token
    with make_client(store_location, token_db=folder / "tokens.sqlite", audit_log=folder / "audit.jsonl") as c:
        yield c, token
    tokens.close()


ORIGIN = {"Origin": "https://elders.example"}


@pytest.mark.parametrize("path", ["/doc/concept/leerroute/B", "/def", "/def/heeftPip.ttl", "/context/v1.jsonld",
                                  "/downloads/shapes.ttl", "/dataset", "/sparql?query=ASK%7B%7D",
                                  "/id/concept/leerroute/B"])
def test_cors_on_public_data(token_client: tuple[TestClient, str], path: str) -> None:
    client, _ = token_client
    response = client.get(path, headers=ORIGIN, follow_redirects=False)
    assert response.status_code in (200, 303)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "Link" in response.headers["access-control-expose-headers"]
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"


def test_sparql_errors_are_readable_cross_origin(token_client: tuple[TestClient, str]) -> None:
    client, _ = token_client
    response = client.get("/sparql", params={"query": "SELECT nonsense"}, headers=ORIGIN)
    assert response.status_code == 400 and response.headers["access-control-allow-origin"] == "*"


def test_no_cors_on_protected_answers(token_client: tuple[TestClient, str]) -> None:
    client, token = token_client
    auth = {**ORIGIN, "Authorization": f"Bearer {token}"}
    person = "/doc/persoon/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    with_token = client.get(person, headers={**auth, "Accept": "text/turtle"})
    assert with_token.status_code == 200 and "access-control-allow-origin" not in with_token.headers
    assert with_token.headers["cross-origin-resource-policy"] == "same-origin"
    public_data_with_token = client.get("/doc/concept/leerroute/B", headers=auth)
    assert "access-control-allow-origin" not in public_data_with_token.headers  # a token-bearing answer
    sparql = client.get("/sparql", params={"query": "ASK {}"}, headers=auth)
    assert "access-control-allow-origin" not in sparql.headers
    without_token = client.get(person, headers=ORIGIN)
    assert without_token.status_code == 401 and "access-control-allow-origin" not in without_token.headers
    page = client.get("/query", headers=ORIGIN)  # a page, not data
    assert "access-control-allow-origin" not in page.headers


def test_preflight_is_answered_without_allowing_tokens(token_client: tuple[TestClient, str]) -> None:
    client, _ = token_client
    preflight = client.options("/sparql", headers={**ORIGIN, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type, authorization"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "content-type" in allowed and "authorization" not in allowed
    post = client.post("/sparql", content=b"ASK {}", headers={**ORIGIN, "Content-Type": "application/sparql-query"})
    assert post.status_code == 200 and post.headers["access-control-allow-origin"] == "*"
    other = client.options("/query", headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in other.headers


def test_configured_origins_keep_their_token_cors(store_location: str, tmp_path: Path) -> None:
    """An origin the deployment trusts (``cors_origins``) may send tokens; other origins still get public CORS."""
    with make_client(store_location, cors_origins=["https://analyse.example"], token_db=tmp_path / "t.sqlite",
                     audit_log=tmp_path / "audit.jsonl") as client:
        trusted = client.options("/sparql", headers={"Origin": "https://analyse.example",
                                                     "Access-Control-Request-Method": "POST",
                                                     "Access-Control-Request-Headers": "authorization"})
        assert trusted.headers["access-control-allow-origin"] == "https://analyse.example"
        assert "authorization" in trusted.headers["access-control-allow-headers"].lower()
        public = client.get("/def/heeftPip", headers=ORIGIN)
        assert public.headers["access-control-allow-origin"] == "*"
