"""The predicates a query can read, when they are all it can read: a copy of its dataset holding only the quads
with those predicates gives the same answer as the whole dataset.

A triple pattern with an IRI as predicate matches only quads with that predicate, and a property path built of
IRIs (sequences, alternatives, inverses, ``*``, ``+``, ``?``) walks only quads with the IRIs it names. Everything
else a query does (joins, OPTIONAL, MINUS, EXISTS, aggregates, BIND, VALUES, subqueries, GRAPH over the
dataset's graphs) works on the solutions of those patterns. Three things read more than the quads of named
predicates, and a query holding any of them reads everything (``None``):

- a variable as predicate (``?s ?p ?o``), or a negated property set (``!rdf:type``);
- a path that can be of length zero as a whole (``p*``, ``p?``, ``(p|q*)``): it matches a node with itself when
  the node is in the graph, whatever quad it is in (Oxigraph matches ``<c> <p>* ?x`` only when ``<c>`` is in some
  quad of the graph). A step of length zero inside a longer path (``rdf:type/rdfs:subClassOf*``) meets a node of
  a quad of the path's other steps, which the copy holds;
- ``GRAPH`` around a pattern without any triple: it matches each named graph, even one left empty by the copy.

DESCRIBE and SERVICE read everything too. The structure is read by rdflib's SPARQL parser; the predicates must
also be IRIs the project's own lexer (``sparqllex``, which reads the text as Oxigraph does) finds in the text, or
nothing is projected. A text either parser cannot read reads everything.

>>> sorted(read_predicates('SELECT ?s WHERE { ?s <http://e/p>/<http://e/q>+ <http://e/o> }'))
['http://e/p', 'http://e/q']
>>> read_predicates('SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }') is None
True
>>> read_predicates('ASK { <http://e/a> <http://e/p>* ?b }') is None
True
"""

from __future__ import annotations

from functools import lru_cache

from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from inburgering.namespaces import RDF
from inburgering.store.sparqllex import lex

#: Query forms whose answer is made of their patterns' solutions alone.
_FORMS = frozenset({"SelectQuery", "AskQuery", "ConstructQuery"})


class _ReadsAll(Exception):
    """The query reads quads of any predicate."""


@lru_cache(maxsize=256)
def read_predicates(text: str) -> frozenset[str] | None:
    """The IRIs of the predicates ``text`` can read, or ``None`` when it can read quads of any predicate (or
    cannot be read here). Cached: a worker is asked the same text for one municipality after another."""
    try:
        tokens = lex(text)
        iris = {t.value for t in tokens if t.kind == "iri"}
        if any(t.kind == "pname" for t in tokens):
            return None  # the service's texts name absolute IRIs only (``querytext.rewrite``)
        # rdflib reads no \u escape in an IRI: give it each IRI as the lexer read it
        plain, at = [], 0
        for t in tokens:
            if t.kind == "iri":
                plain += [text[at:t.start], f"<{t.value}>"]
                at = t.end
        plain.append(text[at:])
        query = translateQuery(parseQuery("".join(plain)))
        if query.algebra.name not in _FORMS:
            return None
        found: set[str] = set()
        _walk(query.algebra, found)
    except _ReadsAll:
        return None
    except Exception:  # noqa: BLE001 - a text rdflib cannot read (or reads differently) is not projected
        return None
    iris.add(RDF + "type")  # the keyword ``a``
    return frozenset(found) if found <= iris else None


def _walk(node: object, found: set[str]) -> None:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            raise _ReadsAll
        if "triples" in node:  # a BGP; rdflib leaves an EXISTS's patterns as a TriplesBlock
            for _, p, _ in node["triples"]:
                _predicate(p, found)
        if node.name == "Graph" and not _has_triples(node.get("p")):
            raise _ReadsAll
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, dict):
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            _walk(value, found)


def _predicate(p: object, found: set[str]) -> None:
    if isinstance(p, URIRef):
        found.add(str(p))
    elif isinstance(p, Path):
        if _zero_length(p):
            raise _ReadsAll
        _path(p, found)
    else:  # a variable (or anything else) as predicate
        raise _ReadsAll


def _path(p: object, found: set[str]) -> None:
    if isinstance(p, URIRef):
        found.add(str(p))
    elif isinstance(p, (SequencePath, AlternativePath)):
        for part in p.args:
            _path(part, found)
    elif isinstance(p, InvPath):
        _path(p.arg, found)
    elif isinstance(p, MulPath):
        _path(p.path, found)
    else:  # NegatedPath, or a kind of path not known here
        raise _ReadsAll


def _zero_length(p: object) -> bool:
    """Whether path ``p`` can match a node with itself (a path of length zero)."""
    if isinstance(p, MulPath):
        return p.mod in ("*", "?") or _zero_length(p.path)
    if isinstance(p, SequencePath):
        return all(_zero_length(part) for part in p.args)
    if isinstance(p, AlternativePath):
        return any(_zero_length(part) for part in p.args)
    if isinstance(p, InvPath):
        return _zero_length(p.arg)
    return isinstance(p, NegatedPath)


def _has_triples(node: object) -> bool:
    if isinstance(node, CompValue):
        if "triples" in node and node["triples"]:  # noqa: RUF019 - CompValue.get gives no None for a missing key
            return True
        return any(_has_triples(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_has_triples(v) for v in node)
    return False


__all__ = ["read_predicates"]
