"""Turn the curated source tables into the ontology and concept-scheme Turtle files.

>>> from inburgering.paths import ONTOLOGY_DIR
>>> model = load_model(ONTOLOGY_DIR / "source")
>>> len(ontology_graph(model)) > 0
True
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from inburgering import namespaces as ns
from inburgering.errors import SourceError
from inburgering.model.citations import duo_citation, ggm_citation, ggm_iri
from inburgering.model.source import AN_LENGTHS, ClassDef, Model, PropertyDef, SchemeDef, Text, load_model
from inburgering.model.vocab import BINDINGS, INB, SDO, VANN, XSD_TYPES

__all__ = ["GENERATED", "concepts_graph", "ggm_iri", "load_model", "ontology_graph", "write_model"]

#: The generated files, relative to ``ontology/``; every other ``*.ttl`` there is written by hand.
GENERATED = {"inburgering.ttl": "ontology", "concepts.ttl": "concepts"}


def _graph() -> Graph:
    g = Graph(bind_namespaces="none")
    for prefix, namespace in BINDINGS.items():
        g.bind(prefix, namespace)
    return g


def _texts(g: Graph, subject: URIRef, predicate: URIRef, text: Text) -> None:
    g.add((subject, predicate, Literal(text.nl, lang="nl")))
    g.add((subject, predicate, Literal(text.en, lang="en")))


def _curie(value: str) -> URIRef:
    prefix, _, local = value.partition(":")
    if prefix not in BINDINGS:
        raise SourceError(f"unknown prefix in {value!r}", file="ontology/source", field="range")
    return BINDINGS[prefix][local]


def _header(g: Graph, model: Model) -> None:
    h = model.header
    onto = URIRef(ns.ONTOLOGY_IRI)
    g.add((onto, RDF.type, OWL.Ontology))
    g.add((onto, OWL.versionIRI, URIRef(f"{ns.ONTOLOGY_IRI}/{h['version']}")))
    g.add((onto, OWL.versionInfo, Literal(str(h["version"]))))
    _texts(g, onto, DCTERMS.title, Text(*h["title"]))
    _texts(g, onto, DCTERMS.description, Text(*h["description"]))
    _texts(g, onto, RDFS.label, Text(*h["title"]))
    g.add((onto, DCTERMS.license, URIRef(h["license"])))
    g.add((onto, DCTERMS.creator, Literal(h["creator"])))
    for key in ("created", "modified"):
        g.add((onto, DCTERMS[key], Literal(date.fromisoformat(str(h[key])))))
    g.add((onto, DCTERMS.source, Literal(h["source"])))
    for annotation in (DCTERMS.source, DCTERMS.isReplacedBy):  # used on terms: declared for OWL 2 DL tools
        g.add((annotation, RDF.type, OWL.AnnotationProperty))
    g.add((onto, VANN.preferredNamespacePrefix, Literal("inb")))
    g.add((onto, VANN.preferredNamespaceUri, Literal(ns.VOCAB, datatype=XSD.anyURI)))


def _string_datatype(g: Graph, dt: URIRef, facet: URIRef, value: Literal) -> None:
    """``dt`` as ``xsd:string`` restricted by one facet (an OWL 2 datatype definition)."""
    g.add((dt, RDF.type, RDFS.Datatype))
    restriction = BNode()
    g.add((dt, OWL.equivalentClass, restriction))
    g.add((restriction, RDF.type, RDFS.Datatype))
    g.add((restriction, OWL.onDatatype, XSD.string))
    node = BNode()
    g.add((node, facet, value))
    g.add((restriction, OWL.withRestrictions, Collection(g, BNode(), [node]).uri))


def _datatypes(g: Graph) -> None:
    """``inb:AN10`` etc. (the GGM's alphanumeric types) and ``inb:Gemeentecode`` (a municipality's GM code)."""
    for name, length in AN_LENGTHS.items():
        dt = INB[name]
        _string_datatype(g, dt, XSD.maxLength, Literal(length))
        _texts(g, dt, RDFS.label, Text(f"alfanumeriek {length}", f"alphanumeric {length}"))
        _texts(g, dt, SKOS.definition, Text(f"Tekst van ten hoogste {length} tekens (GGM-type {name}).",
                                             f"Text of at most {length} characters (GGM type {name})."))
    _string_datatype(g, INB.Gemeentecode, XSD.pattern, Literal("^GM[0-9]{4}$"))
    _texts(g, INB.Gemeentecode, RDFS.label, Text("gemeentecode", "municipality code"))
    _texts(g, INB.Gemeentecode, SKOS.definition, Text(
        "De code van een gemeente zoals CBS en TOOI hem geven, GM gevolgd door de vier cijfers van de gemeentecode "
        "(GM0363 voor Amsterdam); het datatype van de notatie van een gemeente in de gepubliceerde gemeentelijst.",
        "The code of a municipality as CBS and TOOI give it, GM followed by the four digits of the municipality "
        "code (GM0363 for Amsterdam); the datatype of a municipality's notation in the published list."))


def _class(g: Graph, c: ClassDef, known: set[str]) -> None:
    iri = INB[c.name]
    g.add((iri, RDF.type, OWL.Class))
    _texts(g, iri, RDFS.label, c.label)
    _texts(g, iri, SKOS.definition, c.definition)
    for alt in c.alt_nl:
        g.add((iri, SKOS.altLabel, Literal(alt, lang="nl")))
    for alt in c.alt_en:
        g.add((iri, SKOS.altLabel, Literal(alt, lang="en")))
    for sup in c.sub:
        if ":" not in sup and sup not in known:
            raise SourceError(f"unknown superclass {sup!r}", file="classes.yaml", record=c.name, field="sub")
        g.add((iri, RDFS.subClassOf, _curie(sup) if ":" in sup else INB[sup]))
    for other in c.disjoint:
        if other not in known:
            raise SourceError(f"unknown class {other!r}", file="classes.yaml", record=c.name, field="disjoint")
        g.add((iri, OWL.disjointWith, INB[other]))
    if c.ggm:
        g.add((iri, INB.ggmObjecttype, Literal(c.ggm)))
        # OWL, not SKOS: a class is not a skos:Concept (NL-SBB); the GGM object type is the same class.
        g.add((iri, OWL.equivalentClass, ggm_iri(c.ggm)))
    g.add((iri, RDFS.isDefinedBy, URIRef(ns.ONTOLOGY_IRI)))


def _range(g: Graph, p: PropertyDef, classes: set[str], schemes: set[str]) -> tuple[URIRef, URIRef | BNode | None]:
    """(property type, range) for the range shorthand of the source table."""
    r = p.range
    if r == "annotation":
        return OWL.AnnotationProperty, None
    if r in XSD_TYPES:
        return OWL.DatatypeProperty, XSD_TYPES[r]
    if r in AN_LENGTHS:
        return OWL.DatatypeProperty, INB[r]
    if r.startswith("scheme:"):
        name = r.removeprefix("scheme:")
        if name not in schemes:
            raise SourceError(f"unknown concept scheme {name!r}", file="properties.yaml", record=p.name,
                              field="range")
        restriction = BNode(f"range_{p.name}")
        g.add((restriction, RDF.type, OWL.Restriction))
        g.add((restriction, OWL.onProperty, SKOS.inScheme))
        g.add((restriction, OWL.hasValue, URIRef(ns.scheme_iri(name))))
        return OWL.ObjectProperty, restriction
    if r == "concept":
        return OWL.ObjectProperty, SKOS.Concept
    if ":" in r:
        return OWL.ObjectProperty, _curie(r)
    if r not in classes:
        raise SourceError(f"unknown range {r!r}", file="properties.yaml", record=p.name, field="range")
    return OWL.ObjectProperty, INB[r]


def _property(g: Graph, p: PropertyDef, classes: set[str], schemes: set[str]) -> None:
    iri = INB[p.name]
    kind, rng = _range(g, p, classes, schemes)
    g.add((iri, RDF.type, kind))
    if rng is not None:
        g.add((iri, RDFS.range, rng))
    if p.functional:
        g.add((iri, RDF.type, OWL.FunctionalProperty))
    for d in p.domain:
        if d not in classes:
            raise SourceError(f"unknown domain class {d!r}", file="properties.yaml", record=p.name, field="domain")
    if len(p.domain) == 1:
        g.add((iri, RDFS.domain, INB[p.domain[0]]))
    for d in p.domain if len(p.domain) > 1 else ():
        g.add((iri, SDO.domainIncludes, INB[d]))  # several domains: documented, not inferred
    if p.inverse:
        g.add((iri, OWL.inverseOf, INB[p.inverse]))
    for sup in p.sub:
        g.add((iri, RDFS.subPropertyOf, _curie(sup) if ":" in sup else INB[sup]))
    for ref in p.ggm:
        g.add((iri, INB.ggmKenmerk, Literal(ref)))
    for ref in p.ggm_relation:
        g.add((iri, INB.ggmRelatie, Literal(ref)))
    _citations(g, iri, p)
    _texts(g, iri, RDFS.label, p.label)
    _texts(g, iri, SKOS.definition, p.definition)
    g.add((iri, RDFS.isDefinedBy, URIRef(ns.ONTOLOGY_IRI)))


def _citations(g: Graph, iri: URIRef, p: PropertyDef) -> None:
    """``dct:source`` per GGM attribute and DUO field the property carries; a deprecated term's replacement."""
    for ref in p.ggm:
        try:
            g.add((iri, DCTERMS.source, ggm_citation(ref)))
        except ValueError as exc:
            raise SourceError(str(exc), file="properties.yaml", record=p.name, field="ggm") from exc
    for ref in p.duo:
        try:
            g.add((iri, DCTERMS.source, duo_citation(ref)))
        except (ValueError, KeyError) as exc:
            raise SourceError(f"{ref}: {exc}", file="properties.yaml", record=p.name, field="duo") from exc
    for ref in p.cites:
        if not ref.startswith("https://"):
            raise SourceError(f"expected an https IRI, got {ref!r}", file="properties.yaml", record=p.name,
                              field="cites")
        g.add((iri, DCTERMS.source, URIRef(ref)))
    for term in p.derived_from:
        g.add((iri, INB.afgeleidVan, INB[term]))
    if p.replaced_by:
        g.add((iri, OWL.deprecated, Literal(True)))
        g.add((iri, DCTERMS.isReplacedBy, INB[p.replaced_by]))


def ontology_graph(model: Model) -> Graph:
    """The ontology: header, datatypes, classes and properties."""
    g = _graph()
    _header(g, model)
    _datatypes(g)
    classes = {c.name for c in model.classes}
    schemes = {s.name for s in model.schemes}
    for c in model.classes:
        _class(g, c, classes)
    names = {p.name for p in model.properties}
    for p in model.properties:
        if p.replaced_by and p.replaced_by not in names:
            raise SourceError(f"unknown property {p.replaced_by!r}", file="properties.yaml", record=p.name,
                              field="replaced_by")
        unknown = [t for t in p.derived_from if t not in names and t not in classes]
        if unknown:
            raise SourceError(f"unknown term(s) {', '.join(unknown)}", file="properties.yaml", record=p.name,
                              field="derived_from")
        _property(g, p, classes, schemes)
    return g


def _scheme(g: Graph, s: SchemeDef, creator: str) -> None:
    scheme = URIRef(ns.scheme_iri(s.name))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    _texts(g, scheme, DCTERMS.title, s.title)
    _texts(g, scheme, SKOS.prefLabel, s.title)
    _texts(g, scheme, SKOS.definition, s.definition)
    g.add((scheme, DCTERMS.creator, Literal(creator)))
    for name in s.ggm:
        g.add((scheme, INB.ggmEnumeratie, Literal(name)))
    if s.duo:
        g.add((scheme, INB.duoCodelijst, Literal(s.duo)))
    seen: set[str] = set()
    for c in s.concepts:
        iri = URIRef(ns.concept_iri(s.name, c.notation))
        if str(iri) in seen:
            raise SourceError("two concepts get the same IRI", file="schemes.yaml", record=f"{s.name}/{c.notation}")
        seen.add(str(iri))
        g.add((iri, RDF.type, SKOS.Concept))
        g.add((iri, SKOS.notation, Literal(c.notation)))
        _texts(g, iri, SKOS.prefLabel, c.label)
        _texts(g, iri, SKOS.definition, c.definition)
        for alt in c.alt_nl:
            g.add((iri, SKOS.altLabel, Literal(alt, lang="nl")))
        g.add((iri, SKOS.inScheme, scheme))
        g.add((iri, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, iri))


def concepts_graph(model: Model) -> Graph:
    """All concept schemes with their concepts (NL-SBB: notation, nl/en prefLabel, inScheme, topConceptOf)."""
    g = _graph()
    for s in model.schemes:
        _scheme(g, s, str(model.header["creator"]))
    return g


def write_model(ontology_dir: Path) -> list[Path]:
    """Regenerate the generated Turtle files in ``ontology_dir`` from ``ontology_dir/source``."""
    model = load_model(ontology_dir / "source")
    graphs = {"ontology": ontology_graph(model), "concepts": concepts_graph(model)}
    written = []
    for filename, key in GENERATED.items():
        path = ontology_dir / filename
        text = graphs[key].serialize(format="turtle")
        path.write_text(f"# Generated by `inburgering model generate` from ontology/source/*.yaml: edit those.\n{text}",
                        encoding="utf-8")
        written.append(path)
    return written
