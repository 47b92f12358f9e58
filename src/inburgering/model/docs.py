"""Human-readable HTML documentation of the ontology and the concept schemes (our own jinja2 templates).

Writes ``index.html`` (ontology: classes and properties), ``concepts.html`` (all schemes) and ``style.css``;
every term has an anchor with its local name (``index.html#PIP``), every scheme its name (``concepts.html#niveau``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from inburgering import namespaces as ns
from inburgering.model.citations import parse_ggm_citation
from inburgering.model.vocab import BINDINGS, INB, SDO
from inburgering.sources.openapi_fields import parse_source_iri


@dataclass
class Link:
    """A reference to a term: a label and where it points (an anchor in our docs or an external IRI)."""

    text: str
    href: str


@dataclass
class Term:
    name: str
    iri: str
    label_nl: str
    label_en: str
    definition_nl: str
    definition_en: str
    kind: str = ""
    alt_labels: list[str] = field(default_factory=list)
    supers: list[Link] = field(default_factory=list)
    subs: list[Link] = field(default_factory=list)
    domains: list[Link] = field(default_factory=list)
    ranges: list[Link] = field(default_factory=list)
    functional: bool = False
    ggm: list[str] = field(default_factory=list)
    matches: list[Link] = field(default_factory=list)
    properties: list[Link] = field(default_factory=list)
    used_by: list[Link] = field(default_factory=list)
    sources: list[Link] = field(default_factory=list)
    replaced_by: list[Link] = field(default_factory=list)


@dataclass
class Scheme:
    name: str
    iri: str
    title_nl: str
    title_en: str
    definition_nl: str
    definition_en: str
    source: str
    concepts: list[Term] = field(default_factory=list)


def _text(g: Graph, s: URIRef, p: URIRef, lang: str) -> str:
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language == lang:
            return str(o)
    return ""


def _curie(iri: str) -> str:
    for prefix, namespace in BINDINGS.items():
        if iri.startswith(str(namespace)) and prefix not in ("concept",):
            return f"{prefix}:{iri[len(str(namespace)):]}"
    return iri


def _link(g: Graph, node: Node) -> Link:
    if isinstance(node, URIRef) and str(node).startswith(ns.VOCAB):
        return Link(str(node)[len(ns.VOCAB):], "#" + str(node)[len(ns.VOCAB):])
    if isinstance(node, URIRef):
        return Link(_curie(str(node)), str(node))
    scheme = g.value(node, OWL.hasValue)
    if scheme is not None:
        name = str(scheme).removeprefix(ns.SCHEME)
        return Link(f"concept of {name}", f"concepts.html#{name}")
    return Link("(anonymous)", "#")


def _term(g: Graph, s: URIRef, kind: str) -> Term:
    t = Term(name=str(s)[len(ns.VOCAB):], iri=str(s), kind=kind,
             label_nl=_text(g, s, RDFS.label, "nl"), label_en=_text(g, s, RDFS.label, "en"),
             definition_nl=_text(g, s, SKOS.definition, "nl"), definition_en=_text(g, s, SKOS.definition, "en"))
    t.alt_labels = sorted(f"{o} ({o.language})" for o in g.objects(s, SKOS.altLabel) if isinstance(o, Literal))
    t.supers = [_link(g, o) for o in g.objects(s, RDFS.subClassOf)] + \
        [_link(g, o) for o in g.objects(s, RDFS.subPropertyOf)]
    t.subs = sorted((_link(g, o) for o in g.subjects(RDFS.subClassOf, s)), key=lambda x: x.text)
    t.domains = [_link(g, o) for p in (RDFS.domain, SDO.domainIncludes) for o in g.objects(s, p)]
    t.ranges = [_link(g, o) for o in g.objects(s, RDFS.range)]
    t.functional = (s, RDF.type, OWL.FunctionalProperty) in g
    t.ggm = sorted(str(o) for p in (INB.ggmObjecttype, INB.ggmKenmerk, INB.ggmRelatie) for o in g.objects(s, p))
    t.matches = [Link(f"{p.split('#')[-1]} {_curie(str(o))}", str(o))
                 for p in (OWL.equivalentClass, OWL.equivalentProperty, RDFS.seeAlso, SKOS.exactMatch, SKOS.closeMatch,
                           SKOS.broadMatch, SKOS.relatedMatch, OWL.inverseOf)
                 for o in g.objects(s, p) if isinstance(o, URIRef)]
    t.sources = sorted((_source_link(str(o)) for o in g.objects(s, DCTERMS.source) if isinstance(o, URIRef)),
                       key=lambda link: link.text)
    t.replaced_by = [_link(g, o) for o in g.objects(s, DCTERMS.isReplacedBy)]
    return t


def _source_link(iri: str) -> Link:
    """A cited source field, named as its source names it: ``DUO GevolgdeUren: …/TaallesEnKnmBredeIntake/…``."""
    duo, ggm = parse_source_iri(iri), parse_ggm_citation(iri)
    if duo is not None:
        return Link(f"DUO {duo[0]} {duo[1].removeprefix('/components/schemas/').replace('/properties/', '.')}", iri)
    if ggm is not None:
        return Link(f"GGM {ggm[0]}.{ggm[1]}", iri)
    return Link(_curie(iri), iri)


def _own(g: Graph, rdf_type: URIRef) -> list[URIRef]:
    return sorted(s for s in set(g.subjects(RDF.type, rdf_type))
                  if isinstance(s, URIRef) and str(s).startswith(ns.VOCAB))


def _schemes(g: Graph) -> list[Scheme]:
    out = []
    for s in sorted(set(g.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        assert isinstance(s, URIRef)
        source = " ".join(f"{label} {o}" for label, p in (("GGM", INB.ggmEnumeratie), ("DUO", INB.duoCodelijst))
                          for o in g.objects(s, p))
        scheme = Scheme(name=str(s).removeprefix(ns.SCHEME), iri=str(s), source=source,
                        title_nl=_text(g, s, DCTERMS.title, "nl"), title_en=_text(g, s, DCTERMS.title, "en"),
                        definition_nl=_text(g, s, SKOS.definition, "nl"),
                        definition_en=_text(g, s, SKOS.definition, "en"))
        for c in g.subjects(SKOS.inScheme, s):
            assert isinstance(c, URIRef)
            scheme.concepts.append(Term(
                name=str(g.value(c, SKOS.notation)), iri=str(c),
                label_nl=_text(g, c, SKOS.prefLabel, "nl"), label_en=_text(g, c, SKOS.prefLabel, "en"),
                definition_nl=_text(g, c, SKOS.definition, "nl"), definition_en=_text(g, c, SKOS.definition, "en")))
        scheme.concepts.sort(key=lambda c: c.name.lower())
        out.append(scheme)
    return out


def write_docs(g: Graph, out_dir: Path) -> list[Path]:
    """Render the documentation of the model graph ``g`` into ``out_dir``; returns the files written."""
    env = Environment(loader=PackageLoader("inburgering.model", "templates"), autoescape=select_autoescape())
    onto = URIRef(ns.ONTOLOGY_IRI)
    classes = [_term(g, s, "class") for s in _own(g, OWL.Class)]
    kinds = ((OWL.ObjectProperty, "object property"), (OWL.DatatypeProperty, "datatype property"),
             (OWL.AnnotationProperty, "annotation property"))
    properties = sorted((_term(g, s, kind) for t, kind in kinds for s in _own(g, t)), key=lambda t: t.name.lower())
    by_domain: dict[str, list[Link]] = {}
    by_range: dict[str, list[Link]] = {}
    for p in properties:
        for d in p.domains:
            by_domain.setdefault(d.text, []).append(Link(p.name, "#" + p.name))
        for r in p.ranges:
            by_range.setdefault(r.text, []).append(Link(p.name, "#" + p.name))
    for c in classes:
        c.properties = by_domain.get(c.name, [])
        c.used_by = by_range.get(c.name, [])
    header = {key: _text(g, onto, p, lang) for key, p, lang in (
        ("title_nl", DCTERMS.title, "nl"), ("title_en", DCTERMS.title, "en"),
        ("description_nl", DCTERMS.description, "nl"), ("description_en", DCTERMS.description, "en"))}
    header |= {"iri": ns.ONTOLOGY_IRI, "namespace": ns.VOCAB, "version": str(g.value(onto, OWL.versionInfo)),
               "version_iri": str(g.value(onto, OWL.versionIRI)), "license": str(g.value(onto, DCTERMS.license)),
               "modified": str(g.value(onto, DCTERMS.modified))}
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {"index.html": env.get_template("ontology.html").render(
                 header=header, classes=classes, properties=properties),
             "concepts.html": env.get_template("concepts.html").render(header=header, schemes=_schemes(g)),
             "style.css": env.get_template("style.css").render()}
    written = []
    for name, text in pages.items():
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    return written
