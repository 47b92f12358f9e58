"""Reuse parsed SPARQL in rdflib: pySHACL hands rdflib each rule's query text once per shape and focus batch, and
rdflib parses it again every time (about 0.1 s per rule with pyparsing), which dominated validation time.

``install()`` makes rdflib's SPARQL processor keep the translated algebra of each query text it has seen, which
is exactly what rdflib's own ``prepareQuery`` returns and documents as reusable. Results do not change; the
cache is keyed on the query text, base IRI and initial namespaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.sparql import Query

_ORIGINAL = SPARQLProcessor.query


@lru_cache(maxsize=2048)
def _prepared(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(namespaces) if namespaces else None)


def _query(self: SPARQLProcessor, strOrQuery: str | Query, initBindings: Mapping[str, Any] | None = None,
           initNs: Mapping[str, Any] | None = None, base: str | None = None, DEBUG: bool = False) -> Any:
    if isinstance(strOrQuery, str):
        namespaces = tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items()))
        strOrQuery = _prepared(strOrQuery, base, namespaces)
    return _ORIGINAL(self, strOrQuery, initBindings, initNs, base, DEBUG)


def install() -> None:
    """Route rdflib's SPARQL queries through the cache (idempotent)."""
    SPARQLProcessor.query = _query  # type: ignore[method-assign]
