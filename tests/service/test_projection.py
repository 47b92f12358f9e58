"""Issue 15: a municipality's copy for a new text holds only the quads of the predicates the text reads
(``projection.read_predicates``, ``scoped.unpack``), and answers as the whole copy does.

Each rule that makes a text read everything is shown to matter: on data built for it, a copy of the named
predicates alone answers differently, so the rule is what keeps the answer the disk's.
"""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from inburgering.namespaces import RDF
from inburgering.service.projection import read_predicates
from inburgering.service.scoped import pack, unpack
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.querylex import inspect_query

E = "http://example.org/"
G = E + "g"


def _rewritten(text: str) -> str:
    """The text a query worker is given (the guard's rewrite: absolute IRIs, the first character escaped)."""
    out = inspect_query(text).text
    assert "\\u" in out or "<" not in text
    return out


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT * WHERE { ?s <http://example.org/p> ?o }", {"p"}),
    ("SELECT * WHERE { ?s a <http://example.org/C> ; <http://example.org/p>/<http://example.org/q> ?o }",
     {"type", "p", "q"}),
    ("SELECT * WHERE { ?s (<http://example.org/p>|^<http://example.org/q>)+ ?o }", {"p", "q"}),
    ("SELECT * WHERE { ?s a/<http://example.org/sub>* <http://example.org/C> }", {"type", "sub"}),
    (("SELECT * WHERE { ?s <http://example.org/p> ?o OPTIONAL { ?o <http://example.org/q> ?x } "
      "MINUS { ?s <http://example.org/r> ?y } FILTER NOT EXISTS { ?s <http://example.org/t> ?z } }"),
     {"p", "q", "r", "t"}),
    (("SELECT ?s WHERE { { SELECT ?s (COUNT(?o) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/p> ?o } } "
      "GROUP BY ?s } BIND(EXISTS { ?s <http://example.org/q> 1 } AS ?b) }"), {"p", "q"}),
    ("SELECT * WHERE { ?a <http://example.org/z> ?b FILTER EXISTS { ?a <http://example.org/p>|<http://example.org/q> ?o } }",
     {"z", "p", "q"}),
    ("CONSTRUCT { ?s ?anything ?o } WHERE { ?s <http://example.org/p> ?o }", {"p"}),
    ("ASK { <http://example.org/s> <http://example.org/p> \"<http://example.org/q>\" }", {"p"}),
])
def test_the_predicates_of_a_text_that_reads_only_those(text: str, expected: set[str]) -> None:
    """Patterns, paths, OPTIONAL, MINUS, EXISTS, subqueries and GRAPH: every predicate named, each as an IRI; a
    CONSTRUCT template reads nothing; an IRI in a string is no predicate. The service's rewrite reads the same."""
    names = {(RDF + "type" if p == "type" else E + p) for p in expected}
    assert read_predicates(text) == names
    assert read_predicates(_rewritten(text)) == names


@pytest.mark.parametrize("text", [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s !<http://example.org/p> ?o }",
    "SELECT * WHERE { ?s <http://example.org/p>* ?o }",
    "SELECT * WHERE { <http://example.org/s> <http://example.org/p>? ?o }",
    "SELECT * WHERE { ?s (<http://example.org/p>|<http://example.org/q>*)/<http://example.org/r>? ?o }",
    "SELECT * WHERE { ?s <http://example.org/p> ?o FILTER EXISTS { ?o ?q ?x } }",
    "SELECT * WHERE { ?s <http://example.org/p> ?o FILTER EXISTS { ?o <http://example.org/q>* ?x } }",
    "SELECT ?g WHERE { GRAPH ?g { } }",
    "DESCRIBE <http://example.org/s>",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s <http://example.org/p> ?o } }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p ?o }",
    "SELECT * WHERE { ?s <http://example.org/p> ?o ",
])
def test_a_text_that_may_read_any_predicate_is_not_projected(text: str) -> None:
    """A variable predicate (also inside EXISTS), a negated property set, a path that may be of length zero as a
    whole (even from a constant), GRAPH around no triple, DESCRIBE, SERVICE, a prefixed name (never in the service's
    rewrite) and a text that does not parse: ``None``, so the copy holds every quad."""
    assert read_predicates(text) is None


def _copy_answer(store: EmbeddedStore, text: str, graphs: list[str],
                 predicates: frozenset[str] | None) -> list[tuple[str, ...]]:
    copy = unpack(copy_of=pack(store, graphs), known={}, predicates=predicates)
    result = copy.ox.query(text, use_default_graph_as_union=True)
    assert isinstance(result, QuerySolutions)
    return sorted(tuple(str(t) for t in row) for row in result)


def test_each_rule_is_what_keeps_the_answer() -> None:
    """On data made for it, a copy of the named predicates alone answers each refused text differently from the
    whole copy; an accepted text gets the same answer from both."""
    store = EmbeddedStore(None)
    s, c, p, q = (NamedNode(E + n) for n in ("s", "c", "p", "q"))
    store.ox.extend([Quad(s, p, Literal("1"), NamedNode(G)), Quad(c, q, Literal("2"), NamedNode(G)),
                     Quad(s, q, c, NamedNode(G + "2"))])
    graphs = [G, G + "2"]
    named_only = frozenset({E + "p"})
    for text in ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?x ?o }",  # a variable predicate
                 "SELECT ?o WHERE { <http://example.org/c> <http://example.org/p>* ?o }",  # c is in a q quad only
                 "SELECT * WHERE { ?s !<http://example.org/p> ?o }"]:
        assert read_predicates(text) is None
        assert _copy_answer(store, text, graphs, named_only) != _copy_answer(store, text, graphs, None), text
    text = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o FILTER NOT EXISTS { ?s <http://example.org/r> ?x } }"
    predicates = read_predicates(text)
    assert predicates == {E + "p", E + "r"}
    assert _copy_answer(store, text, graphs, predicates) == _copy_answer(store, text, graphs, None) != []


def test_packed_graphs_are_split_by_predicate() -> None:
    """``unpack`` with predicates takes those predicates' quads of every packed graph, nothing else, and the known
    graphs' quads as given; without, every quad."""
    store = EmbeddedStore(None)
    quads = [Quad(NamedNode(f"{E}s{i}"), NamedNode(f"{E}p{i % 3}"), Literal(f"line\nbreak {i}"),
                  NamedNode(f"{G}{i % 2}")) for i in range(30)]
    store.ox.extend(quads)
    known = [Quad(NamedNode(E + "c"), NamedNode(E + "p1"), Literal("x"), NamedNode(E + "public")),
             Quad(NamedNode(E + "c"), NamedNode(E + "label"), Literal("y"), NamedNode(E + "public"))]
    packed = pack(store, [G + "0", G + "1"])
    assert set(unpack(copy_of=packed, known={E + "public": known}).ox) == set(quads) | set(known)
    some = unpack(copy_of=packed, known={E + "public": known[:1]}, predicates=frozenset({E + "p1", E + "p2"}))
    assert set(some.ox) == {q for q in [*quads, *known] if q.predicate.value in {E + "p1", E + "p2"}}
