"""Generate the plain per-class shapes (``shapes/classes.ttl``) from the ontology and ``shapes/source/constraints.yaml``.

Per class of the ontology one node shape ``shapes:{Class}Shape`` (instances are IRIs, as the IRI policy says),
and per property whose domain is that class one property shape ``shapes:{Class}Shape-{property}``: the datatype
(GGM length types become ``xsd:string`` with ``sh:maxLength``), ``sh:maxCount 1`` for functional properties,
``sh:class`` for relations, ``sh:in`` the concepts of the scheme for concept-valued properties, plus the
patterns, ranges and required properties of ``constraints.yaml``. The law rules are hand-written (``rules-*.ttl``).

Run ``python -m inburgering.validation.build`` after changing the ontology; ``--check`` fails when the
committed file is stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from inburgering.namespaces import SHAPES, VOCAB
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR

SCHEMA_DOMAIN = URIRef("https://schema.org/domainIncludes")
CLASSES_FILE = SHAPES_DIR / "classes.ttl"
CONSTRAINTS_FILE = SHAPES_DIR / "source" / "constraints.yaml"
FACETS = {"maxLength": SH.maxLength, "minLength": SH.minLength, "pattern": SH.pattern,
          "minInclusive": SH.minInclusive, "maxInclusive": SH.maxInclusive}


@dataclass
class PropertySpec:
    """What one property shape checks, gathered from the ontology and the constraints file."""

    prop: URIRef
    datatype: URIRef | None = None
    klass: URIRef | None = None
    concepts: list[URIRef] | None = None
    scheme: URIRef | None = None
    iri: bool = False
    functional: bool = False
    required: bool = False
    facets: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def local(iri: Node) -> str:
    return str(iri).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _label(g: Graph, node: Node, lang: str) -> str:
    for label in g.objects(node, RDFS.label):
        if isinstance(label, Literal) and label.language == lang:
            return str(label)
    return local(node)


def _datatype(ont: Graph, rng: URIRef, spec: PropertySpec) -> None:
    """An XSD range as is; a GGM length type (``inb:AN200``) as its base datatype with its facets."""
    if str(rng).startswith(str(XSD)) or str(rng) == str(RDF.langString):
        spec.datatype = rng
        return
    for eq in ont.objects(rng, OWL.equivalentClass):
        base = ont.value(eq, OWL.onDatatype)
        spec.datatype = base if isinstance(base, URIRef) else XSD.string
        restrictions = ont.value(eq, OWL.withRestrictions)
        for restriction in Collection(ont, restrictions if isinstance(restrictions, BNode) else RDF.nil):
            for facet, value in ont.predicate_objects(restriction):
                if isinstance(value, Literal):
                    spec.facets.setdefault(local(facet), value.toPython())


def _range(ont: Graph, concepts: Graph, prop: URIRef, spec: PropertySpec) -> None:
    rng = ont.value(prop, RDFS.range)
    if isinstance(rng, BNode) and ont.value(rng, OWL.onProperty) == SKOS.inScheme:
        scheme = ont.value(rng, OWL.hasValue)
        spec.scheme = scheme if isinstance(scheme, URIRef) else None
        spec.concepts = sorted(c for c in concepts.subjects(SKOS.inScheme, spec.scheme) if isinstance(c, URIRef))
        spec.iri = True
    elif isinstance(rng, URIRef) and (rng, RDF.type, RDFS.Datatype) in ont:
        _datatype(ont, rng, spec)
    elif isinstance(rng, URIRef) and str(rng).startswith(str(XSD)):
        spec.datatype = rng
    elif isinstance(rng, URIRef) and str(rng).startswith(VOCAB) and (rng, RDF.type, OWL.Class) in ont:
        spec.klass = rng
    elif isinstance(rng, URIRef) or (prop, RDF.type, OWL.ObjectProperty) in ont:
        spec.iri = True  # an external class (TOOI, schema.org): the data does not type those nodes


def property_specs(ont: Graph, concepts: Graph, extra: dict[str, Any]) -> dict[URIRef, list[PropertySpec]]:
    """Per class IRI, the property specs of the properties whose domain (or schema:domainIncludes) it is."""
    by_class: dict[URIRef, list[PropertySpec]] = {}
    required = {cls: set(props) for cls, props in (extra.get("required") or {}).items()}
    props = set(ont.subjects(RDF.type, OWL.DatatypeProperty)) | set(ont.subjects(RDF.type, OWL.ObjectProperty))
    for prop in sorted(p for p in props if isinstance(p, URIRef) and str(p).startswith(VOCAB)):
        domains = {d for d in (*ont.objects(prop, RDFS.domain), *ont.objects(prop, SCHEMA_DOMAIN))
                   if isinstance(d, URIRef) and str(d).startswith(VOCAB)}
        for cls in sorted(domains):
            spec = PropertySpec(prop, functional=(prop, RDF.type, OWL.FunctionalProperty) in ont)
            _range(ont, concepts, prop, spec)
            more = (extra.get("properties") or {}).get(local(prop), {})
            spec.facets.update({k: v for k, v in more.items() if k in FACETS})
            spec.sources += [more["source"]] if "source" in more else []
            spec.required = local(prop) in required.get(local(cls), set())
            by_class.setdefault(cls, []).append(spec)
    return by_class


def _expectations(spec: PropertySpec, ont: Graph) -> tuple[list[str], list[str]]:
    """What the property shape expects, in Dutch and in English."""
    nl: list[str] = []
    en: list[str] = []
    if spec.required:
        nl.append("verplicht")
        en.append("required")
    if spec.functional:
        nl.append("hoogstens één waarde")
        en.append("at most one value")
    if spec.datatype is not None:
        nl.append(f"een waarde van type xsd:{local(spec.datatype)}")
        en.append(f"a value of type xsd:{local(spec.datatype)}")
    if spec.klass is not None:
        nl.append(f"een {_label(ont, spec.klass, 'nl')} (inb:{local(spec.klass)})")
        en.append(f"a {_label(ont, spec.klass, 'en')} (inb:{local(spec.klass)})")
    if spec.scheme is not None:
        nl.append(f"een begrip uit het begrippenkader {local(spec.scheme)}")
        en.append(f"a concept of the scheme {local(spec.scheme)}")
    elif spec.iri:
        nl.append("een IRI")
        en.append("an IRI")
    facet_text = {"maxLength": ("hoogstens {} tekens", "at most {} characters"),
                  "minLength": ("minstens {} tekens", "at least {} characters"),
                  "pattern": ("volgens het patroon {}", "matching the pattern {}"),
                  "minInclusive": ("minstens {}", "at least {}"), "maxInclusive": ("hoogstens {}", "at most {}")}
    for name, value in sorted(spec.facets.items()):
        nl.append(facet_text[name][0].format(value))
        en.append(facet_text[name][1].format(value))
    return nl, en


def _add_property_shape(g: Graph, ont: Graph, node_shape: URIRef, cls: URIRef, spec: PropertySpec) -> None:
    shape = URIRef(f"{node_shape}-{local(spec.prop)}")
    g.add((node_shape, SH.property, shape))
    g.add((shape, RDF.type, SH.PropertyShape))
    g.add((shape, SH.path, spec.prop))
    g.add((shape, SH.severity, SH.Violation))
    for lang in ("nl", "en"):
        g.add((shape, SH.name, Literal(_label(ont, spec.prop, lang), lang=lang)))
    nl, en = _expectations(spec, ont)
    sources_nl = "; bron: " + "; ".join(spec.sources) if spec.sources else ""
    sources_en = "; source: " + "; ".join(spec.sources) if spec.sources else ""
    g.add((shape, SH.description, Literal(
        f"Uit de ontologie (inb:{local(spec.prop)} bij inb:{local(cls)}){sources_nl}: {'; '.join(nl)}.", lang="nl")))
    g.add((shape, SH.description, Literal(
        f"From the ontology (inb:{local(spec.prop)} on inb:{local(cls)}){sources_en}: {'; '.join(en)}.", lang="en")))
    g.add((shape, SH.message, Literal(
        f"{_label(ont, spec.prop, 'nl')} van {_label(ont, cls, 'nl')}: verwacht {'; '.join(nl)}.", lang="nl")))
    g.add((shape, SH.message, Literal(
        f"{_label(ont, spec.prop, 'en')} of {_label(ont, cls, 'en')}: expected {'; '.join(en)}.", lang="en")))
    _add_constraints(g, shape, spec)


def _add_constraints(g: Graph, shape: URIRef, spec: PropertySpec) -> None:
    if spec.required:
        g.add((shape, SH.minCount, Literal(1)))
    if spec.functional:
        g.add((shape, SH.maxCount, Literal(1)))
    if spec.datatype is not None:
        g.add((shape, SH.datatype, spec.datatype))
    if spec.klass is not None:
        g.add((shape, SH["class"], spec.klass))
        g.add((shape, SH.nodeKind, SH.IRI))
    if spec.concepts:
        g.add((shape, SH["in"], _list(g, spec.concepts)))
    elif spec.iri:
        g.add((shape, SH.nodeKind, SH.IRI))
    for name, value in sorted(spec.facets.items()):
        g.add((shape, FACETS[name], Literal(value)))


def _list(g: Graph, items: Sequence[Node]) -> BNode:
    head = BNode()
    Collection(g, head, list(items))
    return head


def _add_node_shape(g: Graph, ont: Graph, cls: URIRef, specs: list[PropertySpec]) -> None:
    shape = URIRef(f"{SHAPES}{local(cls)}Shape")
    g.add((shape, RDF.type, SH.NodeShape))
    g.add((shape, SH.targetClass, cls))
    g.add((shape, SH.nodeKind, SH.IRI))
    g.add((shape, SH.severity, SH.Violation))
    nl, en = _label(ont, cls, "nl"), _label(ont, cls, "en")
    g.add((shape, SH.name, Literal(nl, lang="nl")))
    g.add((shape, SH.name, Literal(en, lang="en")))
    g.add((shape, SH.description, Literal(
        f"De vorm van inb:{local(cls)} volgens de ontologie: datatypes, kardinaliteit, begrippen en relaties van "
        f"zijn eigenschappen; elke instantie heeft een IRI (IRI-beleid: elk ding dat de lader schrijft heeft een "
        f"IRI).", lang="nl")))
    g.add((shape, SH.description, Literal(
        f"The shape of inb:{local(cls)} from the ontology: datatypes, cardinality, concepts and relations of its "
        f"properties; every instance has an IRI (IRI policy: everything the loader writes has an IRI).",
        lang="en")))
    g.add((shape, SH.message, Literal(f"Een instantie van {nl} moet een IRI hebben, geen blanke knoop.", lang="nl")))
    g.add((shape, SH.message, Literal(f"An instance of {en} must have an IRI, not a blank node.", lang="en")))
    for spec in specs:
        _add_property_shape(g, ont, shape, cls, spec)


def build_class_shapes(ont: Graph, concepts: Graph, extra: dict[str, Any]) -> Graph:
    """The per-class shapes graph for the classes of ``ont`` (only classes in the vocabulary namespace)."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("inb", VOCAB)
    g.bind("shapes", SHAPES)
    g.bind("xsd", XSD)
    g.bind("concept", "https://w3id.org/inburgering/id/concept/")
    specs = property_specs(ont, concepts, extra)
    classes = sorted(c for c in ont.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef) and str(c).startswith(VOCAB))
    for cls in classes:
        _add_node_shape(g, ont, cls, specs.get(cls, []))
    return g


def generate(ontology_dir: Path = ONTOLOGY_DIR, constraints: Path = CONSTRAINTS_FILE) -> Graph:
    """The class shapes for the ontology files in ``ontology_dir`` (``*.ttl``)."""
    ont = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        ont.parse(path, format="turtle")
    extra = yaml.safe_load(constraints.read_text(encoding="utf-8")) or {}
    return build_class_shapes(ont, ont, extra)


HEADER = ("# GENERATED by `python -m inburgering.validation.build` from ontology/*.ttl and "
          "shapes/source/constraints.yaml.\n# Do not edit: change the ontology or the constraints file and "
          "regenerate. The law rules are in rules-*.ttl.\n")


def render(graph: Graph) -> str:
    """The file text: rdflib's Turtle writer sorts subjects and writes lists inline, so the text is stable."""
    return HEADER + graph.serialize(format="turtle")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inburgering.validation.build", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when shapes/classes.ttl is not up to date")
    parser.add_argument("--out", type=Path, default=CLASSES_FILE)
    args = parser.parse_args(argv)
    graph = generate()
    text = render(graph)
    if args.check:
        if not args.out.is_file() or args.out.read_text(encoding="utf-8") != text:
            print(f"{args.out} is stale: run python -m inburgering.validation.build", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(set(graph.subjects(RDF.type, SH.NodeShape)))} node shapes, "
          f"{len(set(graph.subjects(RDF.type, SH.PropertyShape)))} property shapes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
