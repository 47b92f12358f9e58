"""PROV-O for one load, written in the same update that publishes the load into the provenance graph (read by
admins), and what it says about a ``/bijzonder`` graph into that municipality's special provenance graph
(``namespaces.provenance_graph``): that such a graph exists and how many facts it holds is as protected as the
facts.

The load is a ``prov:Activity`` that used its source files (with their SHA-256), the mapping files and the
ontology (with their versions), and generated the instance graphs and a ``sh:ValidationReport``. Counts use
VoID (``void:entities``, ``void:triples``) and are repeated in words in ``dct:description``, so no term of our
own is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from collections.abc import Mapping as Mapping_
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from inburgering import __version__
from inburgering.loader.report import LoadReport
from inburgering.mapping import Mapping
from inburgering.namespaces import (
    DCT,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    RDF,
    SH,
    VOID,
    XSD,
    provenance_graph_of,
    thing_iri,
)
from inburgering.paths import ONTOLOGY_DIR

#: SPDX checksums, as DCAT-AP uses them for file checksums.
SPDX = "http://spdx.org/rdf/terms#"
_SHA256 = NamedNode(SPDX + "checksumAlgorithm_sha256")


@dataclass
class GraphCounts:
    """What one load wrote into one graph."""

    triples: int = 0
    persons: int = 0


@dataclass(frozen=True)
class SourceFile:
    """A source the load read: where, which kind, and its SHA-256 (``None`` for a database URL)."""

    location: str
    kind: str
    sha256: str | None


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a file, or of a folder's files in name order (CSV exports); ``None`` for a URL."""
    p = Path(path)
    digest = hashlib.sha256()
    files = sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p] if p.is_file() else []
    if not files:
        return None
    for f in files:
        if p.is_dir():
            digest.update(f.name.encode() + b"\0")
        with f.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


@cache
def ontology_version() -> str:
    """``owl:versionInfo`` of the ontology in ``ontology/`` (``unknown`` when it has none)."""
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        with path.open("rb") as f:
            for t in parse(f, format=RdfFormat.TURTLE):
                if t.subject == NamedNode(ONTOLOGY_IRI) and t.predicate == NamedNode(OWL + "versionInfo"):
                    return str(t.object.value)
    return "unknown"


def _dt(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=NamedNode(XSD + "dateTime"))


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


Node = NamedNode | BlankNode
Spo = tuple[Node, NamedNode, Node | Literal]


def _checksum(node: NamedNode, sha256: str | None) -> list[Spo]:
    if not sha256:
        return []
    checksum = BlankNode()
    return [(node, NamedNode(SPDX + "checksum"), checksum),
            (checksum, NamedNode(SPDX + "algorithm"), _SHA256),
            (checksum, NamedNode(SPDX + "checksumValue"), Literal(sha256, datatype=NamedNode(XSD + "hexBinary")))]


def load_activity(base: str, load_id: str) -> str:
    """The IRI of a load: ``{base}/id/load/{loadId}``."""
    return thing_iri(base, "load", load_id)


def _summary(report: LoadReport) -> str:
    return (f"{report.persons_read} persons read, {report.persons_published} published, "
            f"{report.persons_rejected} rejected; {report.violations} SHACL violations, {report.warnings} warnings"
            + ("; refused (all or nothing)" if report.refused else ""))


def _sources(base: str, load: NamedNode, report: LoadReport, sources: Iterable[SourceFile]) -> list[Spo]:
    a, out = NamedNode(RDF + "type"), list[Spo]()
    for n, source in enumerate(sources, start=1):
        entity = NamedNode(thing_iri(base, "bron", f"{report.load_id}-{n}"))
        counts = report.sources[source.location]
        out += [(load, NamedNode(PROV + "used"), entity), (entity, a, NamedNode(PROV + "Entity")),
                (entity, a, NamedNode(VOID + "Dataset")),
                (entity, NamedNode(DCT + "title"), Literal(source.location)),
                (entity, NamedNode(DCT + "format"), Literal(source.kind)),
                (entity, NamedNode(VOID + "entities"), _int(counts.read)),
                (entity, NamedNode(DCT + "description"),
                 Literal(f"{counts.read} persons read, {counts.published} published, {counts.rejected} rejected"))]
        out += _checksum(entity, source.sha256)
    return out


def _mappings(base: str, load: NamedNode, mappings: Iterable[Mapping]) -> list[Spo]:
    a, out = NamedNode(RDF + "type"), list[Spo]()
    for mapping in mappings:
        entity = NamedNode(thing_iri(base, "mapping", f"{mapping.kind}-{mapping.version}"))
        out += [(load, NamedNode(PROV + "used"), entity), (entity, a, NamedNode(PROV + "Entity")),
                (entity, NamedNode(DCT + "title"), Literal(mapping.path.name)),
                (entity, NamedNode(OWL + "versionInfo"), Literal(mapping.version))]
        out += _checksum(entity, mapping.sha256)
    return out


def _graphs(load: NamedNode, graphs: Mapping_[str, GraphCounts]) -> list[Spo]:
    out: list[Spo] = []
    for graph, counts in sorted(graphs.items()):
        node = NamedNode(graph)
        out += [(load, NamedNode(PROV + "generated"), node), (node, NamedNode(RDF + "type"), NamedNode(VOID + "Dataset")),
                (node, NamedNode(VOID + "triples"), _int(counts.triples)),
                (node, NamedNode(VOID + "entities"), _int(counts.persons))]
    return out


def provenance_quads(*, base: str, report: LoadReport, sources: Iterable[SourceFile],
                     mappings: Iterable[Mapping], graphs: Mapping_[str, GraphCounts]) -> list[Quad]:
    """The description of one load, in PROV-O, VoID and SHACL terms (:func:`provenance_in_graphs`).

    Counts: ``void:entities`` of a source is the persons read from it, of a graph the persons published in it;
    ``dct:description`` repeats every count of the load report in words.
    """
    load = NamedNode(load_activity(base, report.load_id))
    a = NamedNode(RDF + "type")
    triples: list[Spo] = [
        (load, a, NamedNode(PROV + "Activity")),
        (load, NamedNode(DCT + "identifier"), Literal(report.load_id)),
        (load, NamedNode(DCT + "description"), Literal(_summary(report))),
        (load, NamedNode(PROV + "startedAtTime"), _dt(report.started)),
        (load, NamedNode(PROV + "wasAssociatedWith"),
         NamedNode(thing_iri(base, "software", f"inburgering-{__version__}"))),
        (load, NamedNode(PROV + "used"), NamedNode(ONTOLOGY_IRI)),
        (NamedNode(ONTOLOGY_IRI), NamedNode(OWL + "versionInfo"), Literal(ontology_version())),
    ]
    if report.finished:
        triples.append((load, NamedNode(PROV + "endedAtTime"), _dt(report.finished)))
    triples += _sources(base, load, report, sources) + _mappings(base, load, mappings) + _graphs(load, graphs)
    outcome = BlankNode()
    triples += [(load, NamedNode(PROV + "generated"), outcome), (outcome, a, NamedNode(SH + "ValidationReport")),
                (outcome, NamedNode(SH + "conforms"), Literal(report.violations == 0)),
                (outcome, NamedNode(DCT + "description"),
                 Literal(f"{report.violations} violations, {report.warnings} warnings"))]
    return provenance_in_graphs(base, triples)


def provenance_in_graphs(base: str, triples: Iterable[Spo]) -> list[Quad]:
    """``triples`` as quads in the provenance graph, or in a municipality's special one for a triple about one of
    its ``/bijzonder`` graphs."""
    return [Quad(s, p, o, NamedNode(provenance_graph_of(base, s.value, o.value if isinstance(o, NamedNode) else "")))
            for s, p, o in triples]
