"""Real clients against ``inburgering serve`` in its own uvicorn process on 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pyoxigraph import RdfFormat, parse
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS
from service_support import LiveServer
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper


def test_rdflib_follows_the_303_and_reads_turtle(live_server: LiveServer) -> None:
    iri = f"{live_server.url}/id/concept/leerroute/Z"
    g = Graph().parse(iri)
    assert (URIRef(iri), SKOS.prefLabel, Literal("Z-route", lang="nl")) in g
    term = f"{live_server.url}/def/PIP"
    assert (URIRef(term), None, None) in Graph().parse(term)


def test_sparqlwrapper_select_and_construct(live_server: LiveServer) -> None:
    sparql = SPARQLWrapper(f"{live_server.url}/sparql")
    sparql.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                    "SELECT ?n WHERE { ?c skos:notation ?n } ORDER BY ?n")
    sparql.setReturnFormat(JSON)
    rows = sparql.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert [r["n"]["value"] for r in rows] == ["B", "O", "Z"]
    sparql.setQuery("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                    "CONSTRUCT { ?c skos:notation ?n } WHERE { ?c skos:notation ?n }")
    sparql.setReturnFormat(TURTLE)
    g = Graph().parse(data=sparql.query().convert(), format="turtle")  # type: ignore[arg-type]
    assert len(g) == 3
    sparql.setMethod("POST")
    sparql.setReturnFormat(JSON)
    sparql.setQuery("ASK { ?s ?p ?o }")
    assert sparql.query().convert()["boolean"] is True  # type: ignore[index]


def test_curl_follows_to_turtle(live_server: LiveServer) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is not installed")
    done = subprocess.run([curl, "-sS", "-L", "-H", "Accept: text/turtle", "-w", "\\n%{http_code} %{content_type}",
                           f"{live_server.url}/id/scheme/leerroute"], capture_output=True, text=True, timeout=30,
                          check=True)
    body, _, status_line = done.stdout.rpartition("\n")
    assert status_line.startswith("200 text/turtle")
    subjects = {t.subject.value for t in parse(body.encode(), format=RdfFormat.TURTLE)}
    assert f"{live_server.url}/id/scheme/leerroute" in subjects


def test_rdflib_reads_the_compact_jsonld_and_fetches_its_context(live_server: LiveServer) -> None:
    """rdflib's own JSON-LD parser, given only the document's URL, fetches the context the document names and
    reads the same graph as from the Turtle."""
    doc = f"{live_server.url}/doc/concept/leerroute/Z"
    from_jsonld = Graph().parse(doc + ".jsonld", format="json-ld")
    from_turtle = Graph().parse(doc + ".ttl", format="turtle")
    assert len(from_turtle) > 3 and isomorphic(from_jsonld, from_turtle)
    assert (URIRef(f"{live_server.url}/id/concept/leerroute/Z"), SKOS.prefLabel, Literal("Z-route", lang="nl")) \
        in from_jsonld
