"""Dereferencing through the ASGI app: 303 from /id/ to /doc/, content negotiation, extensions, ETag, errors,
labels of linked resources and IRI rewriting to the local address."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, parse
from service_support import PERSON, expand_jsonld

LOCAL = "http://testserver"
CONCEPT_B = f"{LOCAL}/id/concept/leerroute/B"
LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def test_id_is_303_to_doc(client: TestClient) -> None:
    response = client.get("/id/concept/leerroute/B", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/concept/leerroute/B"


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    ("text/turtle", "text/turtle", RdfFormat.TURTLE),
    ("application/ld+json", "application/ld+json", RdfFormat.JSON_LD),
    ("application/n-triples", "application/n-triples", RdfFormat.N_TRIPLES),
    ("application/rdf+xml", "application/rdf+xml", RdfFormat.RDF_XML),
    ("*/*", "text/turtle", RdfFormat.TURTLE),
])
def test_doc_by_accept_rewritten_to_local(client: TestClient, accept: str, media: str, fmt: RdfFormat) -> None:
    response = client.get("/id/concept/leerroute/B", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert response.headers["vary"] == "Accept"
    triples = expand_jsonld(client, response.content) if fmt == RdfFormat.JSON_LD else \
        list(parse(response.content, format=fmt))
    labels = {t.object.value for t in triples if t.subject == NamedNode(CONCEPT_B) and t.predicate == LABEL}
    assert labels == {"B1-route", "B1 route"}
    assert "https://w3id.org/inburgering/" not in response.text


@pytest.mark.parametrize(("ext", "media"), [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                            ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"),
                                            ("html", "text/html")])
def test_extension_overrides_accept(client: TestClient, ext: str, media: str) -> None:
    response = client.get(f"/doc/concept/leerroute/B.{ext}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


def test_description_has_labels_of_linked_resources(client: TestClient) -> None:
    text = client.get("/doc/concept/leerroute/B.nt").text
    assert f'<{LOCAL}/id/scheme/leerroute> <http://www.w3.org/2004/02/skos/core#prefLabel> "Leerroute"@nl' in text


def test_etag_and_304(client: TestClient) -> None:
    first = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
    etag = first.headers["etag"]
    again = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag
    other = client.get("/doc/concept/leerroute/B", headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert other.status_code == 200


def test_unknown_is_404_and_unsupported_is_406(client: TestClient) -> None:
    assert client.get("/doc/concept/leerroute/X", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/doc/concept/leerroute/B", headers={"Accept": "image/png"}).status_code == 406
    html_404 = client.get("/doc/concept/leerroute/X", headers={"Accept": "text/html"})
    assert html_404.status_code == 404
    assert "<h1" in html_404.text


def test_ontology_terms_resolve(client: TestClient) -> None:
    turtle = client.get("/def/PIP", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    triples = list(parse(turtle.content, format=RdfFormat.TURTLE))
    assert NamedNode(f"{LOCAL}/def/PIP") in {t.subject for t in triples}
    html = client.get("/def/PIP", headers={"Accept": "text/html"})
    assert "Plan Inburgering en Participatie" in html.text
    assert "Integration and participation plan" in html.text


def test_whole_ontology_as_one_document(client: TestClient) -> None:
    for response in (client.get("/ontology.ttl"), client.get("/def", headers={"Accept": "text/turtle"}),
                     client.get("/def.ttl")):
        assert response.status_code == 200
        subjects = {t.subject.value for t in parse(response.content, format=RdfFormat.TURTLE)}
        assert {f"{LOCAL}/def/PIP", f"{LOCAL}/def/heeftPip", f"{LOCAL}/def"} <= subjects


def test_instance_data_is_not_public(client: TestClient) -> None:
    local_person = PERSON.replace("https://data.inburgering.example.nl", LOCAL)
    path = local_person.removeprefix(LOCAL).replace("/id/", "/doc/", 1)
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 401  # instance data needs a token (issue 6), whether the thing exists or not
    assert "pseudoniem" not in response.text


def test_instance_data_with_a_scope(admin_client: TestClient) -> None:
    path = PERSON.removeprefix("https://data.inburgering.example.nl")
    response = admin_client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(parse(response.content, format=RdfFormat.TURTLE))
    person = NamedNode(LOCAL + path)
    assert {t.predicate.value.rsplit("/", 1)[1] for t in triples if t.subject == person} >= {
        "pseudoniem", "gemeente", "heeftPip", "22-rdf-syntax-ns#type"}
    html = admin_client.get(path, headers={"Accept": "text/html"}).text
    assert '<h1 id="title">Dossier inburgeraar' in html  # a person's HTML is its dossier (test_dossier.py)
    route = admin_client.get("/doc/leerroute/0f1e2d3c4b5a69788796a5b4c3d2e1f0-1", headers={"Accept": "text/html"}).text
    assert re.search(r'<h1 id="title">[^<]+ 0f1e2d3c4b5a69788796a5b4c3d2e1f0-1</h1>', route)  # type label + ref
    assert 'href="http://testserver/id/pip/' in route  # links are local
    assert ">pip/0f1e2d3c4b5a69788796a5b4c3d2e1f0-1</a>" in route  # an unlabelled thing shows type/ref


def test_head_answers_like_get_without_a_body(client: TestClient) -> None:
    redirect = client.head("/id/concept/leerroute/B", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/doc/concept/leerroute/B"
    get = client.get("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
    head = client.head("/doc/concept/leerroute/B", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["etag"] == get.headers["etag"]
