"""Unit tests of the service's small pure parts: the query lexer, content negotiation, IRI rewriting, and the
docstring examples of every service module."""

from __future__ import annotations

import doctest
import importlib

import pytest

from inburgering.service.negotiation import RDF_TYPES, RESULT_TYPES, choose, parse_accept
from inburgering.service.rewrite import Rewriter
from inburgering.service.sparql import ProtocolDataset, fix_dataset
from inburgering.store.querylex import inspect_query

MODULES = ["store.querylex", "service.negotiation", "service.rewrite", "service.sparql", "service.rdfresponse",
           "service.view", "service.cookbook", "service.cookbook.spec", "service.cookbook.params",
           "service.cookbook.binding", "service.prefixes", "service.routers.resources",
           "service.jsonld.context", "service.jsonld.compact", "service.deps", "service.scoped"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"inburgering.{name}")
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize(("query", "uses_service"), [
    ("SELECT * { ?s ?p ?o } # SERVICE in a comment", False),
    ('SELECT * { ?s ?p """multi\nline SERVICE""" }', False),
    ("SELECT * { ?service ?p ?o }", False),
    ("PREFIX ex: <http://ex/> SELECT * { ?s ex:SERVICE ?o }", False),
    ("SELECT * { service <http://evil/> { ?s ?p ?o } }", True),
    ("SELECT * { SERVICE SILENT ?endpoint { ?s ?p ?o } }", True),
])
def test_service_detection(query: str, uses_service: bool) -> None:
    assert inspect_query(query).uses_service is uses_service


@pytest.mark.parametrize(("query", "form"), [
    ("PREFIX a: <http://a/> BASE <http://b/> ask {}", "ASK"),
    ("# comment\nDESCRIBE <http://x>", "DESCRIBE"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"),
    ("LOAD <http://evil/data.ttl>", "UPDATE"),
    ("INSERT DATA { <a:a> <a:b> 1 }", "UPDATE"),
])
def test_query_form(query: str, form: str) -> None:
    assert inspect_query(query).form == form


def test_dataset_clauses_resolve_prefixes_and_base() -> None:
    info = inspect_query("BASE <http://ex.org/data/> PREFIX g: <http://ex.org/g/> "
                         "SELECT * FROM <one> FROM g:two FROM NAMED <http://abs/three> { ?s ?p ?o }")
    assert info.default_graphs == ("http://ex.org/data/one", "http://ex.org/g/two")
    assert info.named_graphs == ("http://abs/three",)
    assert info.relative_iris is True


def test_dataset_is_always_within_the_readable_graphs() -> None:
    readable = ["g:public"]
    assert fix_dataset(inspect_query("SELECT * FROM <g:secret> {}"), ProtocolDataset(), readable) == ((), ())
    assert fix_dataset(inspect_query("SELECT * {}"), ProtocolDataset((), ("g:secret",)), readable) == ((), ())
    assert fix_dataset(inspect_query("SELECT * {}"), ProtocolDataset(), readable) == (("g:public",), ("g:public",))


@pytest.mark.parametrize(("header", "expected"), [
    (None, "application/sparql-results+json"),
    ("", "application/sparql-results+json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
    ("text/*", "text/csv"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
    ("application/json", "application/json"),
])
def test_results_negotiation(header: str | None, expected: str) -> None:
    assert choose(header, RESULT_TYPES) == expected


def test_accept_order_and_rdf_default() -> None:
    assert parse_accept("a/b;q=0.5, c/d") == [("c/d", 1.0), ("a/b", 0.5)]
    assert choose("application/ld+json;q=0.9, text/turtle", RDF_TYPES) == "text/turtle"
    assert choose("application/octet-stream", RDF_TYPES) is None


def test_rewriter_round_trip_and_text() -> None:
    r = Rewriter(local="http://localhost:8000", base="https://data.example.nl")
    for iri in ("https://data.example.nl/id/persoon/x", "https://w3id.org/inburgering/def/PIP",
                "https://w3id.org/inburgering/id/scheme/niveau", "https://w3id.org/inburgering/shapes/PipShape"):
        assert r.to_production(r.to_local(iri)) == iri
    assert r.to_local("http://example.org/other") == "http://example.org/other"
    query = ("PREFIX l: <http://localhost:8000/id/> SELECT * { <http://localhost:8000/id/concept/niveau/A2> ?p "
             'l:pip\\/y FILTER(?p != "<http://localhost:8000/id/x>") }')
    info = inspect_query(query, map_iri=r.to_production, dialect="virtuoso")  # the guard maps what it resolved
    assert info.text == ('SELECT * { <https://w3id.org/inburgering/id/concept/niveau/A2> ?p '
                         '<https://data.example.nl/id/pip/y> FILTER(?p != "<http://localhost:8000/id/x>") }')
    same = Rewriter(local="https://data.example.nl", base="https://data.example.nl")
    assert not same.active and same.to_local("https://w3id.org/inburgering/def/PIP").startswith("https://w3id")


def test_union_fast_path_only_when_the_scope_covers_the_whole_store() -> None:
    from pyoxigraph import RdfFormat

    from inburgering.service.execute import QueryJob, execute_job
    from inburgering.service.sparql import covers_store
    from inburgering.store import open_store

    store = open_store("memory:")
    store.load(b"<http://s> <http://p> \"1\" <http://g/a> .\n<http://s> <http://p> \"2\" <http://g/b> .\n",
               format=RdfFormat.N_QUADS)
    assert covers_store(store, ["http://g/a", "http://g/b", "http://g/unused"])
    assert not covers_store(store, ["http://g/a"])  # g/b is not readable: never the union of everything
    store.load(b"<http://s> <http://p> \"3\" .\n", format=RdfFormat.N_TRIPLES)
    assert not covers_store(store, ["http://g/a", "http://g/b"])  # the default graph is not in any scope
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graphs = ("http://g/a", "http://g/b")
    explicit = execute_job(store, QueryJob(query, graphs, graphs, "text/csv", 10))
    store.update("DELETE WHERE { ?s ?p \"3\" }")
    union = execute_job(store, QueryJob(query, graphs, graphs, "text/csv", 10, union_all=True))
    assert explicit.body == union.body == b"n\r\n2\r\n"
