"""Making a remote store evaluate a query over exactly the dataset we ask for, whatever the server's habits.

The SPARQL 1.1 Protocol says ``default-graph-uri`` / ``named-graph-uri`` replace the query's own FROM / FROM NAMED.
Oxigraph server does that; Virtuoso does not: it *adds* the query's FROM graphs to the protocol's, lets ``GRAPH ?g``
range over every graph of the server when no ``named-graph-uri`` is given, and obeys its own ``DEFINE input:…``
pragmas over both. So for a restricted query we (1) drop the query's dataset clauses (the protocol wins, as the
spec says), (2) always send both lists, with a graph that never exists standing for "no graphs", and (3) refuse
what could reach data around the restriction (SERVICE, Virtuoso pragmas and built-ins).

>>> strip_dataset_clauses("SELECT * FROM <http://x/g> FROM NAMED <http://x/h> WHERE { ?s ?p ?o }")
'SELECT * WHERE { ?s ?p ?o }'
>>> strip_dataset_clauses('SELECT * { ?s ?p "FROM <http://x/g>" }')
'SELECT * { ?s ?p "FROM <http://x/g>" }'
>>> top_level_operations("DELETE { ?s ?p ?o } WHERE { ?s ?p ?o ; ?q ?r } ; INSERT DATA { <a:b> <a:c> 1 }")
2
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inburgering.errors import QueryError
from inburgering.store.iriref import resolve
from inburgering.store.querylex import UPDATE_KEYWORDS, inspect_query
from inburgering.store.sparqllex import lex  # one SPARQL lexer for the whole project

#: Stands for "no graphs" where a protocol parameter must be sent (Virtuoso reads an absent one as "all graphs").
EMPTY_GRAPH = "urn:inburgering:no-graph"
#: Virtuoso's built-in function namespaces: SQL procedures reachable from SPARQL, never allowed in a restricted query.
_VIRTUOSO_BUILTINS = ("bif:", "sql:")
_VALID_BNODE = re.compile(rb"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
_XML_BNODE = re.compile(rb"<bnode>([^<]*)</bnode>")


class RestrictionRefused(QueryError):
    """A query that could read around the dataset restriction on a remote store."""


@dataclass(frozen=True)
class Spans:
    """Significant tokens of a query with their positions: ``(kind, text, start, end)``."""

    items: tuple[tuple[str, str, int, int], ...]

    @classmethod
    def of(cls, text: str) -> Spans:
        """The tokens of ``text`` (``sparqllex``); punctuation is kind ``other``."""
        return cls(tuple(("other" if t.kind == "punct" else t.kind, t.text, t.start, t.end) for t in lex(text)))

    def words(self) -> list[str]:
        return [t.upper() for kind, t, _, _ in self.items if kind == "word"]


def strip_dataset_clauses(query: str) -> str:
    """``query`` without its ``FROM <g>`` / ``FROM NAMED <g>`` clauses (strings, IRIs and comments are kept)."""
    spans = Spans.of(query).items
    cuts: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        kind, text, start, _ = spans[i]
        if kind == "word" and text.upper() == "FROM":
            j = i + 1
            if j < len(spans) and spans[j][0] == "word" and spans[j][1].upper() == "NAMED":
                j += 1
            if j >= len(spans) or spans[j][0] not in ("iri", "pname"):
                raise RestrictionRefused("a FROM clause without a graph IRI")
            end = spans[j][3]
            if j + 1 < len(spans):
                end = spans[j + 1][2]  # also the whitespace up to the next token
            cuts.append((start, end))
            i = j + 1
            continue
        i += 1
    out, pos = [], 0
    for start, end in cuts:
        out.append(query[pos:start])
        pos = end
    out.append(query[pos:])
    return "".join(out)


def _join(base: str, reference: str) -> str:
    return resolve(base, reference) if base else reference


def retarget_outside_graphs(query: str, named: set[str]) -> str:
    """Point ``GRAPH <g>`` patterns whose graph is not in ``named`` at :data:`EMPTY_GRAPH` (sent as a named graph).

    Virtuoso answers ``ASK { GRAPH <g> {…} }`` with true and ``COUNT(*)`` with 1 for a graph outside the named
    graphs (it drops the pattern); for a graph it was given it answers right.

    >>> retarget_outside_graphs("PREFIX g: <http://x/> ASK { GRAPH g:a { ?s ?p ?o } GRAPH <http://x/b> {} }",
    ...                         {"http://x/b"})
    'PREFIX g: <http://x/> ASK { GRAPH <urn:inburgering:no-graph> { ?s ?p ?o } GRAPH <http://x/b> {} }'
    """
    spans = Spans.of(query).items
    prefixes: dict[str, str] = {}
    base = ""
    out, pos = [], 0
    for i, (kind, text, _, _) in enumerate(spans):
        upper = text.upper() if kind == "word" else ""
        if upper == "PREFIX" and i + 2 < len(spans) and spans[i + 2][0] == "iri":
            prefixes[spans[i + 1][1].rstrip(":")] = _join(base, spans[i + 2][1][1:-1])
        elif upper == "BASE" and i + 1 < len(spans) and spans[i + 1][0] == "iri":
            base = _join(base, spans[i + 1][1][1:-1])
        elif upper == "GRAPH" and i + 1 < len(spans) and spans[i + 1][0] in ("iri", "pname"):
            target_kind, target, start, end = spans[i + 1]
            if target_kind == "iri":
                iri: str | None = _join(base, target[1:-1])
            else:
                prefix, _, local = target.partition(":")
                iri = prefixes[prefix] + local.replace("\\", "") if prefix in prefixes else None
            if iri not in named:
                out.append(query[pos:start] + f"<{EMPTY_GRAPH}>")
                pos = end
    out.append(query[pos:])
    return "".join(out)


def check_restricted(query: str) -> None:
    """Refuse what a restricted query must not contain on a remote store (see the module docstring)."""
    spans = Spans.of(query)
    if any(word.startswith("DEFINE") for word in spans.words()):
        raise RestrictionRefused("store-specific pragmas (DEFINE) are not allowed in a query")
    for kind, text, _, _ in spans.items:
        value = text[1:] if kind == "iri" else text
        if kind in ("iri", "pname") and value.lower().startswith(_VIRTUOSO_BUILTINS):
            raise RestrictionRefused(f"store built-in functions ({text}) are not allowed in a query")
    info = inspect_query(query)
    if info.form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise RestrictionRefused("only SELECT, ASK, CONSTRUCT and DESCRIBE queries run on a restricted dataset")
    if info.uses_service:
        raise RestrictionRefused("SERVICE is not allowed in a query on a restricted dataset")


def top_level_operations(update: str) -> int:
    """How many operations an update request holds (``;`` outside braces separates them)."""
    depth, count, current = 0, 0, False
    for kind, text, _, _ in Spans.of(update).items:
        if kind == "other" and text in "{}":
            depth += 1 if text == "{" else -1
        elif kind == "other" and text == ";" and depth == 0:
            count, current = count + current, False
        elif kind == "word" and depth == 0 and text.upper() in UPDATE_KEYWORDS:
            current = True
    return count + current


def fix_xml_bnodes(body: bytes) -> bytes:
    """Rewrite blank node labels pyoxigraph does not accept (Virtuoso's ``nodeID://b10000``) into valid ones.

    >>> fix_xml_bnodes(b"<bnode>nodeID://b1</bnode><bnode>ok1</bnode>")
    b'<bnode>x6e6f646549443a2f2f6231</bnode><bnode>ok1</bnode>'
    """
    if b"<bnode>" not in body:
        return body

    def fix(match: re.Match[bytes]) -> bytes:
        label = match.group(1)
        return match.group(0) if _VALID_BNODE.match(label) else b"<bnode>x" + label.hex().encode() + b"</bnode>"

    return _XML_BNODE.sub(fix, body)


__all__ = ["EMPTY_GRAPH", "RestrictionRefused", "check_restricted", "fix_xml_bnodes", "retarget_outside_graphs",
           "strip_dataset_clauses", "top_level_operations"]
