"""Turn a resource's triples into what a page shows: Dutch and English labels, types, links and back-links.

>>> from pyoxigraph import NamedNode, Literal, Triple
>>> r = NamedNode("https://w3id.org/inburgering/def/PIP")
>>> page = resource_view(r.value, [Triple(r, NamedNode(RDFS_LABEL), Literal("PIP", language="nl"))])
>>> page.labels
{'nl': 'PIP'}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from inburgering.namespaces import PREFIXES, RDF, RDFS, SKOS

RDFS_LABEL = RDFS + "label"
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS_LABEL)
LANGS = ("nl", "en")


@dataclass(frozen=True)
class Value:
    """One object value on a page: a link (``iri``) with its label, or a literal with its language/datatype."""

    text: str
    iri: str | None = None
    note: str = ""


@dataclass
class Row:
    predicate: str
    label: str
    values: list[Value] = field(default_factory=list)


@dataclass
class ResourceView:
    iri: str
    labels: dict[str, str]
    types: list[Value]
    rows: list[Row]
    inverse: list[Row]

    @property
    def title(self) -> str:
        """The Dutch label, else the English one, else the type's label and the IRI's reference."""
        label = self.labels.get("nl") or self.labels.get("en") or self.labels.get("")
        if label:
            return label
        if "/id/" in self.iri and self.types:
            return f"{self.types[0].text} {self.iri.rsplit('/', 1)[1]}"
        return curie(self.iri)


def curie(iri: str) -> str:
    """``inb:PIP`` for a known namespace, ``pip/4f2a…-1`` for a thing (``…/id/pip/4f2a…-1``), else the IRI."""
    best = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda x: len(x[1]),
               default=None)
    if best:
        return f"{best[0]}:{iri[len(best[1]):]}"
    head, sep, tail = iri.partition("/id/")
    return tail if sep and "/" in tail and head.startswith("http") else iri


def label_index(triples: list[Triple]) -> dict[str, dict[str, str]]:
    """``iri -> {lang: label}`` from rdfs:label / skos:prefLabel (prefLabel wins)."""
    index: dict[str, dict[str, str]] = defaultdict(dict)
    for pred in reversed(LABEL_PREDICATES):
        for t in triples:
            if t.predicate.value == pred and isinstance(t.object, Literal) and isinstance(t.subject, NamedNode):
                index[t.subject.value][t.object.language or ""] = t.object.value
    return index


def _label(iri: str, index: dict[str, dict[str, str]]) -> str:
    labels = index.get(iri, {})
    for lang in (*LANGS, ""):
        if labels.get(lang):
            return labels[lang]
    return curie(iri)


def _value(term: object, index: dict[str, dict[str, str]]) -> Value:
    if isinstance(term, NamedNode):
        return Value(_label(term.value, index), term.value, curie(term.value))
    if isinstance(term, Literal):
        note = f"@{term.language}" if term.language else curie(term.datatype.value)
        return Value(term.value, None, "" if note == "xsd:string" else note)
    if isinstance(term, BlankNode):
        return Value("[…]", None, "blank node")
    return Value(str(term))


def _rows(pairs: Sequence[tuple[str, object]], index: dict[str, dict[str, str]]) -> list[Row]:
    rows: dict[str, Row] = {}
    for predicate, obj in pairs:
        row = rows.setdefault(predicate, Row(predicate, _label(predicate, index)))
        row.values.append(_value(obj, index))
    for row in rows.values():
        row.values.sort(key=lambda v: v.text.lower())
    return sorted(rows.values(), key=lambda r: r.label.lower())


def resource_view(iri: str, triples: list[Triple]) -> ResourceView:
    """The page model of ``iri`` from its description (see ``describe.describe``)."""
    index = label_index(triples)
    subject = NamedNode(iri)
    own = [t for t in triples if t.subject == subject]
    types = [_value(t.object, index) for t in own if t.predicate.value == RDF + "type"]
    pairs = [(t.predicate.value, t.object) for t in own
             if t.predicate.value != RDF + "type"]
    inverse = [(t.predicate.value, t.subject) for t in triples if t.object == subject and t.subject != subject]
    labels = {lang: text for lang, text in index.get(iri, {}).items() if lang in LANGS or lang == ""}
    return ResourceView(iri, labels, sorted(types, key=lambda v: v.text), _rows(pairs, index),
                        _rows(inverse, index))
