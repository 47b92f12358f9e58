"""The published JSON-LD context: compact keys for the vocabulary, built from the ontology, frozen per version.

``build_context(triples)`` makes a context from the ontology's triples: a term per class, datatype and property
of the vocabulary namespace (object properties coerce to ``@id``, date and decimal properties to their
datatype), the project's prefixes, and a few well-known terms (``label``, ``prefLabel``, ``inScheme``, …).
A version is written once (``python -m inburgering.service.jsonld.context > v2.jsonld``) and then never
changes: ``published_context()`` serves the committed file, and every JSON-LD answer names it. A term the
ontology gains later is written as ``inb:term`` (a compact IRI through the ``inb`` prefix) until a new
version is published, so an old context never gives a document another meaning.

>>> from pyoxigraph import NamedNode, Triple
>>> t = Triple(NamedNode(VOCAB + "PIP"), NamedNode(RDF + "type"), NamedNode(OWL + "Class"))
>>> build_context([t])["@context"]["PIP"]
'inb:PIP'
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from inburgering.namespaces import CONTEXTS, DCT, OWL, PREFIXES, RDF, RDFS, SKOS, VOCAB, XSD
from inburgering.paths import ONTOLOGY_DIR
from inburgering.service.dcat import FOAF, VCARD
from inburgering.service.metadata import SD

#: The version every JSON-LD answer uses; ``v{n}.jsonld`` beside this module is its frozen text.
CONTEXT_VERSION = 1
HERE = Path(__file__).parent

#: Datatype ranges a term coerces to: values that JSON has no native form for. Integers and booleans are
#: written as JSON numbers and booleans instead; strings (and the GGM's AN* string types) as JSON strings.
COERCED = frozenset(XSD + t for t in ("date", "dateTime", "time", "decimal", "double", "gYear", "gYearMonth",
                                      "duration", "dayTimeDuration", "anyURI"))
_KINDS = {OWL + "Class": "class", RDFS + "Datatype": "class", OWL + "ObjectProperty": "object",
          OWL + "DatatypeProperty": "data", OWL + "AnnotationProperty": "data", RDF + "Property": "data"}
#: The other vocabularies of the metadata (``/dataset``, the service description), as prefixes.
METADATA_PREFIXES = {"foaf": FOAF, "vcard": VCARD, "sd": SD}
_LANGUAGE = {"@container": "@language"}
_IRI = {"@type": "@id"}
#: Well-known terms of other vocabularies (name, prefix, local name, definition extras).
EXTERNAL: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("label", "rdfs", "label", _LANGUAGE), ("comment", "rdfs", "comment", _LANGUAGE),
    ("seeAlso", "rdfs", "seeAlso", _IRI), ("isDefinedBy", "rdfs", "isDefinedBy", _IRI),
    ("subClassOf", "rdfs", "subClassOf", _IRI), ("subPropertyOf", "rdfs", "subPropertyOf", _IRI),
    ("domain", "rdfs", "domain", _IRI), ("range", "rdfs", "range", _IRI),
    ("prefLabel", "skos", "prefLabel", _LANGUAGE), ("altLabel", "skos", "altLabel", _LANGUAGE),
    ("definition", "skos", "definition", _LANGUAGE), ("scopeNote", "skos", "scopeNote", _LANGUAGE),
    ("notation", "skos", "notation", {}), ("inScheme", "skos", "inScheme", _IRI),
    ("topConceptOf", "skos", "topConceptOf", _IRI), ("hasTopConcept", "skos", "hasTopConcept", _IRI),
    ("broader", "skos", "broader", _IRI), ("narrower", "skos", "narrower", _IRI),
    ("exactMatch", "skos", "exactMatch", _IRI), ("closeMatch", "skos", "closeMatch", _IRI),
    ("title", "dct", "title", _LANGUAGE), ("description", "dct", "description", _LANGUAGE),
    ("source", "dct", "source", _IRI), ("license", "dct", "license", _IRI),
    ("publisher", "dct", "publisher", _IRI), ("creator", "dct", "creator", _IRI),
)
assert all(PREFIXES[p] in (RDFS, SKOS, DCT) for _, p, _, _ in EXTERNAL)


def context_iri(version: int = CONTEXT_VERSION) -> str:
    """The IRI of a published context (rewritten to the local address like every production IRI).

    >>> context_iri(1)
    'https://w3id.org/inburgering/context/v1.jsonld'
    """
    return f"{CONTEXTS}v{version}.jsonld"


def _vocabulary(triples: Iterable[Triple]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(local name → kind, local name → ranges) of the vocabulary terms the triples define."""
    kinds: dict[str, str] = {}
    ranges: dict[str, set[str]] = defaultdict(set)
    for t in triples:
        subject = t.subject
        if not isinstance(subject, NamedNode) or not subject.value.startswith(VOCAB):
            continue
        local = subject.value[len(VOCAB):]
        if t.predicate.value == RDF + "type" and isinstance(t.object, NamedNode) and t.object.value in _KINDS:
            if kinds.get(local) != "object":  # an object property stays one whatever else it is typed as
                kinds[local] = _KINDS[t.object.value]
        elif t.predicate.value == RDFS + "range" and isinstance(t.object, NamedNode):
            ranges[local].add(t.object.value)
    return kinds, ranges


def _definition(kind: str, ranges: set[str], curie: str) -> str | dict[str, str]:
    if kind == "object":
        return {"@id": curie, "@type": "@id"}
    if kind == "data" and len(ranges) == 1 and next(iter(ranges)) in COERCED:
        return {"@id": curie, "@type": "xsd:" + next(iter(ranges))[len(XSD):]}
    return curie


def build_context(triples: Iterable[Triple]) -> dict[str, Any]:
    """The context document for the vocabulary the ``triples`` (the ontology files) define."""
    terms: dict[str, Any] = dict(sorted({**PREFIXES, **METADATA_PREFIXES}.items()))
    kinds, ranges = _vocabulary(triples)
    for local in sorted(kinds):
        if not local.replace("_", "").isalnum():  # a version IRI (def/0.1.0) and the like are not terms
            continue
        if local in terms:
            raise ValueError(f"inb:{local} has the name of a prefix; rename the term or the prefix")
        terms[local] = _definition(kinds[local], ranges.get(local, set()), "inb:" + local)
    for name, prefix, local, extra in EXTERNAL:
        if name not in terms:  # the project's own vocabulary keeps the short name
            terms[name] = {"@id": f"{prefix}:{local}", **extra}
    return {"@context": terms}


def ontology_triples(folder: Path = ONTOLOGY_DIR) -> list[Triple]:
    """The triples of every Turtle file in the ontology folder (what ``build_context`` reads)."""
    triples: list[Triple] = []
    for path in sorted(folder.glob("*.ttl")):
        with path.open("rb") as f:
            triples.extend(parse(f, format=RdfFormat.TURTLE))
    return triples


def context_text(document: dict[str, Any]) -> str:
    """The context as the file holds it (one term a line, sorted, so versions diff cleanly)."""
    terms = document["@context"]
    lines = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in terms.items()]
    return '{\n  "@context": {\n' + ",\n".join(lines) + "\n  }\n}\n"


@lru_cache(maxsize=4)
def published_text(version: int = CONTEXT_VERSION) -> str:
    """The frozen text of a published context version."""
    return (HERE / f"v{version}.jsonld").read_text(encoding="utf-8")


def published_context(version: int = CONTEXT_VERSION) -> dict[str, Any]:
    """The parsed context document of a published version."""
    document: dict[str, Any] = json.loads(published_text(version))
    return document


def main() -> int:
    """Print the context the ontology gives now (the text of a new version)."""
    sys.stdout.write(context_text(build_context(ontology_triples())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
