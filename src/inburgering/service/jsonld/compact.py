"""Write triples as compact JSON-LD under the published context (``context.py``), not pyoxigraph's expanded form.

The writer follows the context it names: a value goes under a term only when it fits the term's definition (an
IRI under an ``@id`` term, a date under a date term, language-tagged texts under a language map); anything
else is written out in full (a value object under the ``prefix:name`` key), so the document always expands to
exactly the triples it was made from (``tests/service/test_jsonld.py`` checks that with pyld).

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> from inburgering.namespaces import VOCAB
>>> pip = NamedNode("https://d.nl/id/pip/1")
>>> doc = compact_document([
...     Triple(pip, NamedNode(RDF + "type"), NamedNode(VOCAB + "PIP")),
...     Triple(pip, NamedNode(VOCAB + "dagtekening"), Literal("2023-03-01", datatype=NamedNode(XSD + "date")))])
>>> doc["@graph"][0]
{'@id': 'https://d.nl/id/pip/1', '@type': 'PIP', 'dagtekening': '2023-03-01'}
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from inburgering.namespaces import RDF, XSD
from inburgering.service.jsonld.context import CONTEXT_VERSION, context_iri, published_context

_STRING, _INTEGER, _BOOLEAN = XSD + "string", XSD + "integer", XSD + "boolean"


@dataclass(frozen=True)
class Term:
    """One term of the context: its name, IRI, type coercion (``@id``, a datatype IRI or None), container."""

    name: str
    iri: str
    coerce: str | None = None
    language_map: bool = False


class Context:
    """A context document read back into what the writer needs: terms by IRI, and the prefixes."""

    def __init__(self, document: dict[str, Any], iri: str) -> None:
        self.iri = iri
        definitions: dict[str, Any] = document["@context"]
        self.prefixes = {name: value for name, value in definitions.items()
                         if isinstance(value, str) and value.endswith(("/", "#"))}
        self._ordered = sorted(self.prefixes.items(), key=lambda item: len(item[1]), reverse=True)
        self.terms: dict[str, Term] = {}
        self._compacted: dict[str, str] = {}
        for name, value in definitions.items():
            if name in self.prefixes:
                continue
            spec = {"@id": value} if isinstance(value, str) else value
            coerce = spec.get("@type")
            term = Term(name, self.expand(spec["@id"]), self.expand(coerce) if coerce not in (None, "@id") else coerce,
                        spec.get("@container") == "@language")
            self.terms.setdefault(term.iri, term)

    def expand(self, value: str) -> str:
        """``inb:PIP`` → the full IRI (the context's own compact IRIs)."""
        prefix, colon, rest = value.partition(":")
        if colon and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value

    def compact_iri(self, iri: str) -> str:
        """``prefix:name`` under the longest prefix that fits, else the IRI itself (remembered: a document
        repeats its predicates and datatypes)."""
        known = self._compacted.get(iri)
        if known is None:
            known = iri
            for prefix, namespace in self._ordered:
                rest = iri[len(namespace):]
                if iri.startswith(namespace) and rest and not rest.startswith("//"):
                    known = f"{prefix}:{rest}"
                    break
            if len(self._compacted) < 100_000:
                self._compacted[iri] = known
        return known

    def type_name(self, iri: str) -> str:
        """How a class is written in ``@type``: its term, else a compact IRI."""
        term = self.terms.get(iri)
        return term.name if term is not None else self.compact_iri(iri)


@lru_cache(maxsize=4)
def published(version: int = CONTEXT_VERSION) -> Context:
    """The writer's view of a published context version."""
    return Context(published_context(version), context_iri(version))


def _node_id(term: NamedNode | BlankNode) -> str:
    return term.value if isinstance(term, NamedNode) else "_:" + term.value


def _native(literal: Literal) -> Any:
    """A literal as JSON when JSON has an exact form for it (expansion gives the same literal back)."""
    datatype, value = literal.datatype.value, literal.value
    if datatype == _STRING:
        return value
    if datatype == _INTEGER and value.lstrip("-").isdigit() and value == str(int(value)):
        return int(value)
    if datatype == _BOOLEAN and value in ("true", "false"):
        return value == "true"
    return None


def _value(obj: object, term: Term | None, context: Context) -> Any:
    """One object as it is written under ``term`` (``None``: under a ``prefix:name`` or IRI key)."""
    if isinstance(obj, (NamedNode, BlankNode)):
        return _node_id(obj) if term is not None and term.coerce == "@id" else {"@id": _node_id(obj)}
    assert isinstance(obj, Literal)
    if obj.language:
        return {"@value": obj.value, "@language": obj.language}
    datatype = obj.datatype.value
    if term is not None and term.coerce not in (None, "@id"):
        if datatype == term.coerce:
            return obj.value
    elif term is None or term.coerce is None:
        native = _native(obj)
        if native is not None:
            return native
    if datatype == _STRING:
        return {"@value": obj.value}
    return {"@value": obj.value, "@type": context.compact_iri(datatype)}


def _language_map(values: list[object]) -> dict[str, Any] | None:
    """``{"nl": …, "en": …}`` when every value is a language-tagged literal, else None."""
    languages: dict[str, list[str]] = defaultdict(list)
    for obj in values:
        if not isinstance(obj, Literal) or not obj.language:
            return None
        languages[obj.language].append(obj.value)
    return {lang: texts[0] if len(texts) == 1 else sorted(texts) for lang, texts in sorted(languages.items())}


def _single(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _node(subject: NamedNode | BlankNode, pairs: dict[str, list[object]], context: Context) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": _node_id(subject)}
    all_types = pairs.pop(RDF + "type", [])
    types = sorted(o.value for o in all_types if isinstance(o, NamedNode))
    if types:
        node["@type"] = _single([context.type_name(t) for t in types])
    odd = [o for o in all_types if not isinstance(o, NamedNode)]  # a literal "type" has no @type form
    if odd:
        pairs[RDF + "type"] = odd
    entries: dict[str, Any] = {}
    for predicate, values in pairs.items():
        values = sorted(values, key=_sort_key)
        term = None if predicate == RDF + "type" else context.terms.get(predicate)
        if term is not None and term.language_map:
            mapped = _language_map(values)
            if mapped is not None:
                entries[term.name] = mapped
                continue
            term = None  # mixed values: written in full under the compact IRI
        key = term.name if term is not None else context.compact_iri(predicate)
        entries[key] = _single([_value(v, term, context) for v in values])
    node.update(sorted(entries.items()))
    return node


def _sort_key(term: object) -> tuple[str, str]:
    return (type(term).__name__, str(term))


def compact_document(triples: Iterable[Triple], *, main: str | None = None,
                     context: Context | None = None) -> dict[str, Any]:
    """``{"@context": <published context IRI>, "@graph": [nodes]}``; the node of ``main`` comes first."""
    context = context or published()
    subjects: dict[NamedNode | BlankNode, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        subject = t.subject
        assert isinstance(subject, (NamedNode, BlankNode)), "RDF-star triples have no JSON-LD form"
        subjects[subject][t.predicate.value].append(t.object)
    order = sorted(subjects, key=lambda s: (s.value != main, isinstance(s, BlankNode), s.value))
    graph = [_node(s, dict(subjects[s]), context) for s in order]
    return {"@context": context.iri, "@graph": graph}


def compact_jsonld(triples: Iterable[Triple], *, main: str | None = None) -> bytes:
    """The compact document as UTF-8 JSON (not indented: Python's JSON encoder is 4x slower with an indent)."""
    return json.dumps(compact_document(triples, main=main), ensure_ascii=False).encode("utf-8")


__all__ = ["Context", "Term", "compact_document", "compact_jsonld", "published"]
