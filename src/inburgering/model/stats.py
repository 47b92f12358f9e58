"""Counts of the model: terms, schemes, concepts, GGM coverage and texts per language.

>>> from inburgering.paths import ONTOLOGY_DIR
>>> from inburgering.model.check import load_graph
>>> model_stats(load_graph(ONTOLOGY_DIR)).classes > 50
True
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from inburgering import namespaces as ns
from inburgering.model.vocab import INB


@dataclass(frozen=True)
class GgmCoverage:
    """How much of the GGM reference the model traces (``None`` totals when the reference is not at hand)."""

    object_types: int
    attributes: int
    relations: int
    enumerations: int
    relations_as_subclass: int = 0
    object_types_total: int | None = None
    attributes_total: int | None = None
    relations_total: int | None = None
    enumerations_total: int | None = None


@dataclass(frozen=True)
class ModelStats:
    triples: int
    classes: int
    object_properties: int
    datatype_properties: int
    annotation_properties: int
    datatypes: int
    functional_properties: int
    schemes: int
    concepts: int
    ggm: GgmCoverage
    labels: dict[str, int] = field(default_factory=dict)
    definitions: dict[str, int] = field(default_factory=dict)
    pref_labels: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _own(g: Graph, rdf_type: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, rdf_type) if isinstance(s, URIRef) and str(s).startswith(ns.VOCAB)}


def _by_language(g: Graph, predicate: URIRef) -> dict[str, int]:
    counts = Counter(o.language or "-" for o in g.objects(None, predicate) if isinstance(o, Literal))
    return dict(sorted(counts.items()))


def _coverage(g: Graph, reference: Path | None) -> GgmCoverage:
    found = GgmCoverage(
        object_types=len(set(g.objects(None, INB.ggmObjecttype))),
        attributes=len(set(g.objects(None, INB.ggmKenmerk))),
        relations=len(set(g.objects(None, INB.ggmRelatie))),
        enumerations=len(set(g.objects(None, INB.ggmEnumeratie))))
    if reference is None or not reference.is_file():
        return found
    ggm = json.loads(reference.read_text(encoding="utf-8"))
    classes = {str(o): s for s, o in g.subject_objects(INB.ggmObjecttype)}
    traced = {str(o) for o in g.objects(None, INB.ggmRelatie)}
    as_subclass = sum(1 for r in ggm["relations"] if f"{r['from']}|{r['label']}|{r['to']}" not in traced
                      and (classes.get(r["from"]), RDFS.subClassOf, classes.get(r["to"])) in g)
    return GgmCoverage(
        **{k: v for k, v in asdict(found).items() if not k.endswith("_total") and k != "relations_as_subclass"},
        relations_as_subclass=as_subclass,
        object_types_total=len(ggm["object_types"]),
        attributes_total=sum(len(o["attributes"]) for o in ggm["object_types"]),
        relations_total=len(ggm["relations"]),
        enumerations_total=len({e["name"] for e in ggm["enumerations"]}))


def model_stats(g: Graph, *, ggm_reference: Path | None = None) -> ModelStats:
    """Count what the model defines; with ``ggm_reference`` (the GGM JSON) the coverage gets its totals."""
    return ModelStats(
        triples=len(g),
        classes=len(_own(g, OWL.Class)),
        object_properties=len(_own(g, OWL.ObjectProperty)),
        datatype_properties=len(_own(g, OWL.DatatypeProperty)),
        annotation_properties=len(_own(g, OWL.AnnotationProperty)),
        datatypes=len(_own(g, RDFS.Datatype)),
        functional_properties=len(_own(g, OWL.FunctionalProperty)),
        schemes=len(set(g.subjects(RDF.type, SKOS.ConceptScheme))),
        concepts=len(set(g.subjects(RDF.type, SKOS.Concept))),
        ggm=_coverage(g, ggm_reference),
        labels=_by_language(g, RDFS.label),
        definitions=_by_language(g, SKOS.definition),
        pref_labels=_by_language(g, SKOS.prefLabel))


def format_stats(stats: ModelStats) -> str:
    """The counts as aligned text lines."""
    def of(n: int, total: int | None) -> str:
        return f"{n}/{total}" if total is not None else str(n)

    c = stats.ggm
    rows = [("triples", str(stats.triples)), ("classes", str(stats.classes)),
            ("object properties", str(stats.object_properties)),
            ("datatype properties", str(stats.datatype_properties)),
            ("annotation properties", str(stats.annotation_properties)), ("datatypes", str(stats.datatypes)),
            ("functional properties", str(stats.functional_properties)),
            ("concept schemes", str(stats.schemes)), ("concepts", str(stats.concepts)),
            ("GGM object types", of(c.object_types, c.object_types_total)),
            ("GGM attributes", of(c.attributes, c.attributes_total)),
            ("GGM relations", of(c.relations, c.relations_total)
             + (f" (+{c.relations_as_subclass} as rdfs:subClassOf)" if c.relations_as_subclass else "")),
            ("GGM enumerations", of(c.enumerations, c.enumerations_total))]
    for name, counts in (("labels", stats.labels), ("definitions", stats.definitions),
                         ("concept prefLabels", stats.pref_labels)):
        rows.append((name, ", ".join(f"{lang} {n}" for lang, n in counts.items())))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
