"""Dutch municipalities as reference data: each TOOI IRI with its GM code and its name (``ontology/reference``).

The instance data names a municipality only by its TOOI IRI (``tooi:gm0363``). ``ontology/reference/gemeenten.ttl``
says which municipality that is; it is made from a copy of the TOOI register "gemeenten compleet" (KOOP's JSON-LD,
``ontology/reference/source/``; provenance in ``ontology/reference/README.md``) by
``python -m inburgering.model.gemeenten`` and published with the public graphs (the concepts graph).

Municipalities that ended before the Wet inburgering 2021 took effect (2022-01-01) are left out; those that ended
later keep their end date, because data of 2022 can name them. Codes the test-data generator invents for the
national benchmark (GM5000 and up) are no municipalities and are not in the list (docs/ontology-decisions.md §15).

>>> register, found = read_register(SOURCE_FILE)
>>> register.version, len([g for g in found if g.einde is None])
(4, 342)
>>> next(g for g in found if g.code == "GM0518").naam
'Den Haag'
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from inburgering import namespaces as ns
from inburgering.errors import SourceError
from inburgering.model.vocab import BINDINGS, INB, TOOI
from inburgering.paths import ONTOLOGY_DIR

REFERENCE_DIR = ONTOLOGY_DIR / "reference"
SOURCE_FILE = REFERENCE_DIR / "source" / "rwc_gemeenten_compleet_4.json"
OUT_FILE = REFERENCE_DIR / "gemeenten.ttl"
#: The day the Wet inburgering 2021 took effect: a municipality that ended before it is left out.
SINCE = date(2022, 1, 1)
#: The datatype of a municipality's ``skos:notation`` (GM followed by four digits), defined in the ontology.
GEMEENTECODE = INB.Gemeentecode
_REGISTER_TYPE = "https://identifier.overheid.nl/tooi/def/wl/RegisterwaardelijstCompleet"


@dataclass(frozen=True)
class Register:
    """The TOOI register a list comes from: its IRI, version number, publication date and version note."""

    iri: str
    version: int
    published: date
    note: str


@dataclass(frozen=True)
class Gemeente:
    """One municipality: ``GM0363``, the preferred and the official name, province IRI, begin and end dates."""

    code: str
    naam: str
    officiele_naam: str
    provincie: str | None
    begin: date | None
    einde: date | None

    @property
    def iri(self) -> URIRef:
        return URIRef(ns.gemeente_iri(self.code))


def _value(item: dict[str, Any], key: str) -> str | None:
    values = item.get(key) or [{}]
    found = values[0].get("@value", values[0].get("@id"))
    return str(found) if found is not None else None


def _date(item: dict[str, Any], key: str) -> date | None:
    value = _value(item, key)
    return date.fromisoformat(value[:10]) if value else None


def _gemeente(item: dict[str, Any], where: str) -> Gemeente:
    code = _value(item, str(TOOI.gemeentecode))
    naam = _value(item, str(TOOI.voorkeursnaamExclSoort))
    if not code or not code.isdigit() or len(code) != 4 or not naam:
        raise SourceError("a municipality without a four-digit gemeentecode or a name", file=where,
                          record=str(item.get("@id")))
    return Gemeente(code=f"GM{code}", naam=naam, officiele_naam=_value(item, str(TOOI.officieleNaamExclSoort)) or naam,
                    provincie=_value(item, str(TOOI.ligtInProvincie)), begin=_date(item, str(TOOI.begindatum)),
                    einde=_date(item, str(TOOI.einddatum)))


def read_register(path: Path) -> tuple[Register, list[Gemeente]]:
    """The register's description and its municipalities that existed on or after :data:`SINCE`, by code."""
    try:
        items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read the TOOI register: {exc}", file=str(path)) from exc
    headers = [i for i in items if _REGISTER_TYPE in i.get("@type", [])]
    if len(headers) != 1:
        raise SourceError(f"expected one {_REGISTER_TYPE}, found {len(headers)}", file=str(path))
    h = headers[0]
    register = Register(iri=h["@id"], version=int(_value(h, "https://identifier.overheid.nl/tooi/def/wl/volgnummer")
                                                  or 0),
                        published=date.fromisoformat(_value(h, str(TOOI.publicatiedatum)) or "1900-01-01"),
                        note=_value(h, str(OWL.versionInfo)) or "")
    found = [_gemeente(i, str(path)) for i in items if str(TOOI.Gemeente) in i.get("@type", [])]
    return register, sorted((g for g in found if g.einde is None or g.einde >= SINCE), key=lambda g: g.code)


def gemeenten_graph(register: Register, gemeenten: list[Gemeente]) -> Graph:
    """The list as RDF: per municipality its TOOI type, name, GM code (typed notation and plain identifier)."""
    g = Graph(bind_namespaces="none")
    for prefix in ("tooiont", "inb", "rdf", "rdfs", "skos", "dct", "xsd", "owl"):
        g.bind(prefix, BINDINGS[prefix])
    g.bind("tooi", ns.TOOI_GEMEENTE)
    source = URIRef(register.iri)
    g.add((source, DCTERMS.title, Literal("Register gemeenten compleet", lang="nl")))  # NL-SBB asks a title
    g.add((source, OWL.versionInfo, Literal(f"{register.version}: {register.note}")))
    g.add((source, DCTERMS.issued, Literal(register.published)))
    for m in gemeenten:
        g.add((m.iri, RDF.type, TOOI.Gemeente))
        g.add((m.iri, RDFS.label, Literal(m.naam, lang="nl")))
        g.add((m.iri, SKOS.notation, Literal(m.code, datatype=GEMEENTECODE)))
        g.add((m.iri, DCTERMS.identifier, Literal(m.code)))
        g.add((m.iri, TOOI.gemeentecode, Literal(m.code[2:])))
        g.add((m.iri, TOOI.officieleNaamExclSoort, Literal(m.officiele_naam)))
        if m.provincie:
            g.add((m.iri, TOOI.ligtInProvincie, URIRef(m.provincie)))
        if m.begin:
            g.add((m.iri, TOOI.begindatum, Literal(m.begin, datatype=XSD.date)))
        if m.einde:
            g.add((m.iri, TOOI.einddatum, Literal(m.einde, datatype=XSD.date)))
        g.add((m.iri, DCTERMS.source, source))
    return g


def write_gemeenten(source: Path = SOURCE_FILE, out: Path = OUT_FILE) -> int:
    """Regenerate ``out`` from the TOOI register at ``source``; the number of municipalities written."""
    register, gemeenten = read_register(source)
    text = gemeenten_graph(register, gemeenten).serialize(format="turtle")
    out.write_text(f"# Generated by `python -m inburgering.model.gemeenten` from {source.name}: see README.md.\n"
                   f"{text}", encoding="utf-8")
    return len(gemeenten)


if __name__ == "__main__":
    count = write_gemeenten(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE_FILE)
    print(f"wrote {OUT_FILE}: {count} municipalities")
