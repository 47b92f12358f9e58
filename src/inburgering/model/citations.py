"""How a term cites the source fields it carries: one ``dct:source`` IRI per DUO field and per GGM attribute.

- **DUO**: DUO's OpenAPI file upstream, at the commit our copies are taken from, with the JSON Pointer of the
  property as fragment (the form of an OpenAPI ``$ref``; :mod:`inburgering.sources.openapi_fields`).
- **GGM**: the GGM's IRI of the object type (its own pattern ``https://lod.gemeentelijkgegevensmodel.nl/{model}/
  {object type}``) with the attribute's name as fragment; GGM 2.5.1 gives attributes no identifier of their own.

In ``properties.yaml`` a DUO field is written ``Spec:Schema.property`` (or ``Spec:#/json/pointer``), a GGM
attribute ``Object type.attribute`` (as for ``inb:ggmKenmerk``). docs/ontology-decisions.md §14 explains the scheme.

>>> str(duo_citation("GevolgdeUren:TaallesEnKnmBredeIntake.uren")).rsplit("#", 1)[1]
'/components/schemas/TaallesEnKnmBredeIntake/properties/uren'
>>> str(ggm_citation("Brede Intake.DatumTot(Peildatum)"))
'https://lod.gemeentelijkgegevensmodel.nl/inburgering/brede-intake#DatumTot(Peildatum)'
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from rdflib import URIRef

from inburgering import namespaces as ns
from inburgering.sources.openapi_fields import FieldDeclaration, resolve_pointer


def ggm_iri(name: str) -> URIRef:
    """The GGM IRI of an object type: ``Verblijfplaats AZC`` → ``…/inburgering/verblijfplaats-azc``."""
    return URIRef(ns.GGM + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))


def duo_pointer(ref: str) -> tuple[str, str]:
    """``(spec, JSON Pointer)`` of a DUO field written ``Spec:Schema.property`` or ``Spec:#/pointer``."""
    spec, sep, rest = ref.partition(":")
    if not sep or not rest:
        raise ValueError(f"expected Spec:Schema.property or Spec:#/pointer, got {ref!r}")
    if rest.startswith("#/"):
        return spec, rest[1:]
    schema, dot, prop = rest.partition(".")
    if not dot:
        raise ValueError(f"expected Spec:Schema.property, got {ref!r}")
    return spec, f"/components/schemas/{schema}/properties/{prop}"


def duo_citation(ref: str) -> URIRef:
    """The ``dct:source`` IRI of a DUO field; ``KeyError`` when our copy of DUO's file has no such property."""
    spec, pointer = duo_pointer(ref)
    resolve_pointer(spec, pointer)
    return URIRef(FieldDeclaration(spec, pointer, "").iri)


def ggm_citation(ref: str) -> URIRef:
    """The ``dct:source`` IRI of a GGM attribute written ``Object type.attribute``."""
    object_type, dot, attribute = ref.partition(".")
    if not dot or not attribute:
        raise ValueError(f"expected 'Object type.attribute', got {ref!r}")
    return URIRef(f"{ggm_iri(object_type)}#{quote(attribute, safe='()-_')}")


def parse_ggm_citation(iri: str) -> tuple[str, str] | None:
    """``(object type slug, attribute)`` of a GGM citation; ``None`` for another IRI."""
    if not iri.startswith(ns.GGM) or "#" not in iri:
        return None
    slug, _, attribute = iri[len(ns.GGM):].partition("#")
    return slug, unquote(attribute)
