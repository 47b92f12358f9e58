"""Dataset metadata: VoID and DCAT-AP-NL descriptions of what is published, and the SPARQL service description.

The DCAT parts (catalogue, data service, agents, distributions) are in :mod:`inburgering.service.dcat`.

IRIs are written under the production base; the service rewrites them to its local address when it runs
locally, so the same graph is right in both places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from inburgering.namespaces import DCAT, DCT, ONTOLOGY_IRI, RDF, RDFS, VOID, XSD, public_graph
from inburgering.service.dcat import (
    EU_LANG,
    FOAF,
    LICENSE,
    NETHERLANDS,
    STANDARDS,
    Iris,
    agents,
    catalogue,
    common,
    data_service,
    distribution,
    reference_values,
)

SD = "http://www.w3.org/ns/sparql-service-description#"
#: The Wet inburgering 2021 applies to duties that began on or after 1 January 2022.
WI2021_START = "2022-01-01"
#: The public graphs and what each download holds (graph name, Dutch title, English title).
DOWNLOADS = (
    ("ontology", "Ontologie inburgering", "Civic-integration ontology"),
    ("concepts", "Begrippenkaders (SKOS)", "Concept schemes (SKOS)"),
    ("shapes", "SHACL-shapes en regels van de Wet inburgering 2021", "SHACL shapes and rules of the law"),
    ("dataset", "Metadata van de dataset", "Dataset metadata"),
)


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _t(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> Triple:
    return Triple(s, NamedNode(p), o)


def _text(s: NamedNode, p: str, nl: str, en: str) -> list[Triple]:
    return [_t(s, p, Literal(nl, language="nl")), _t(s, p, Literal(en, language="en"))]


def service_description(endpoint: str, *, base: str, named_graphs: Sequence[str] | None = None) -> list[Triple]:
    """The SPARQL 1.1 service description of ``endpoint`` (``sd:Service``) as one caller sees it: its dataset
    lists ``named_graphs`` (the caller's readable graphs; default: the public graphs)."""
    svc = _n(endpoint)
    triples = [
        _t(svc, RDF + "type", _n(SD + "Service")),
        _t(svc, SD + "endpoint", svc),
        _t(svc, SD + "supportedLanguage", _n(SD + "SPARQL11Query")),
        _t(svc, SD + "defaultEntailmentRegime", _n("http://www.w3.org/ns/entailment/Simple")),
        # True for every caller: without FROM / default-graph-uri the default graph is the union of the named
        # graphs that caller may read, and those are its named graphs (service/sparql.py:fix_dataset). The
        # store's own unnamed graph is never part of any caller's dataset.
        _t(svc, SD + "feature", _n(SD + "UnionDefaultGraph")),
        _t(svc, DCT + "title", Literal("SPARQL-endpoint inburgering", language="nl")),
        _t(svc, RDFS + "comment", Literal("Read-only. Without a token only the public graphs (ontology, "
                                          "concept schemes, shapes, metadata) are in the dataset; SERVICE is "
                                          "refused; queries have a time limit and a result cap.", language="en")),
    ]
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
                  "application/rdf+xml"):
        triples.append(_t(svc, SD + "resultFormat", _n("http://www.w3.org/ns/formats/" + _FORMATS[media])))
    dataset = BlankNode()
    triples.append(_t(svc, SD + "defaultDataset", dataset))
    triples.append(_t(dataset, RDF + "type", _n(SD + "Dataset")))
    default_graph = BlankNode()
    triples.append(_t(dataset, SD + "defaultGraph", default_graph))
    triples.append(_t(default_graph, RDFS + "comment", Literal(
        "the union of the named graphs the caller may read (sd:UnionDefaultGraph): without a token the public "
        "graphs listed here; with a token also its municipalities' published instance graphs", language="en")))
    graphs = named_graphs if named_graphs is not None else [public_graph(base, name) for name, _, _ in DOWNLOADS]
    for graph in graphs:
        named = BlankNode()
        triples += [_t(dataset, SD + "namedGraph", named), _t(named, SD + "name", _n(graph))]
    return triples


_FORMATS = {
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV", "text/turtle": "Turtle",
    "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD", "application/rdf+xml": "RDF_XML",
}


def catalog_iri(base: str) -> str:
    return Iris(base).catalog.value


def _public_dataset(iris: Iris, base: str, counts: Mapping[str, int]) -> list[Triple]:
    root = iris.root
    ds = iris.public
    triples = [
        _t(ds, RDF + "type", _n(DCAT + "Dataset")), _t(ds, RDF + "type", _n(VOID + "Dataset")),
        *_text(ds, DCT + "title", "Model inburgering: ontologie, begrippen en regels",
               "Civic-integration model: ontology, concepts and rules"),
        *_text(ds, DCT + "description", "De ontologie, SKOS-begrippenkaders en SHACL-regels voor gegevens over "
               "inburgering (Wet inburgering 2021, GGM Model Inburgering, DUO M2M).",
               "The ontology, SKOS concept schemes and SHACL rules for civic-integration data."),
        *common(ds, iris, access="PUBLIC", creator=iris.creator),
        _t(ds, DCT + "license", _n(LICENSE)),
        _t(ds, DCT + "language", _n(EU_LANG + "NLD")), _t(ds, DCT + "language", _n(EU_LANG + "ENG")),
        _t(ds, DCAT + "landingPage", _n(f"{root}/def")), _t(_n(f"{root}/def"), RDF + "type", _n(FOAF + "Document")),
        _t(ds, FOAF + "page", _n(f"{root}/def")), _t(ds, FOAF + "page", _n(f"{root}/schemes")),
        _t(_n(f"{root}/schemes"), RDF + "type", _n(FOAF + "Document")), _t(ds, DCT + "spatial", _n(NETHERLANDS)),
        *[_t(ds, DCT + "conformsTo", _n(STANDARDS[name])) for name in ("ontology", "concepts", "shapes")],
        _t(ds, VOID + "sparqlEndpoint", iris.endpoint),
        _t(ds, VOID + "uriSpace", Literal("https://w3id.org/inburgering/")),
        _t(ds, VOID + "vocabulary", _n(ONTOLOGY_IRI)),
        _t(ds, VOID + "rootResource", _n(ONTOLOGY_IRI)),
    ]
    for name, nl, en in DOWNLOADS:
        graph = public_graph(base, name)
        subset = _n(graph)
        triples += [_t(ds, VOID + "subset", subset), _t(subset, RDF + "type", _n(VOID + "Dataset")),
                    _t(subset, VOID + "dataDump", _n(f"{root}/downloads/{name}.ttl")),
                    *_text(subset, DCT + "title", nl, en)]
        if graph in counts:
            triples.append(_t(subset, VOID + "triples", Literal(str(counts[graph]), datatype=_n(XSD + "integer"))))
        triples.append(_t(ds, DCAT + "distribution", iris.distribution(name)))
        triples += distribution(iris, name, nl, en)
    return triples


def _instance_dataset(iris: Iris) -> list[Triple]:
    """Data about persons: not public, so no distribution and no licence; it conforms to the ontology."""
    root = iris.root
    ds = iris.protected
    period = BlankNode()  # the data starts with the Act: no duty under it before its entry into force
    return [
        _t(ds, RDF + "type", _n(DCAT + "Dataset")), _t(ds, RDF + "type", _n(VOID + "Dataset")),
        *_text(ds, DCT + "title", "Gegevens over inburgeraars (gepseudonimiseerd)",
               "Data about persons under the integration duty (pseudonymised)"),
        *_text(ds, DCT + "description", "Per gemeente en per lading: inburgeringsplicht, PIP, leerroute, "
               "examens, ontheffingen en vrijstellingen. Persoonsgegevens: alleen met een token voor de eigen "
               "gemeente; bijzondere persoonsgegevens alleen met een extra bevoegdheid.",
               "Per municipality and load: duty, PIP, learning route, exams, dispensations and exemptions. "
               "Personal data: only with a token for one's own municipality."),
        # The loader, run by the publisher, creates this data from DUO's messages and the GGM databases.
        *common(ds, iris, access="NON_PUBLIC", creator=iris.publisher),
        _t(ds, DCT + "language", _n(EU_LANG + "NLD")),
        _t(ds, DCT + "conformsTo", _n(ONTOLOGY_IRI)),
        _t(ds, DCAT + "landingPage", _n(f"{root}/query")), _t(_n(f"{root}/query"), RDF + "type", _n(FOAF + "Document")),
        _t(ds, FOAF + "page", _n(f"{root}/def")), _t(_n(f"{root}/def"), RDF + "type", _n(FOAF + "Document")),
        _t(ds, DCT + "spatial", _n(NETHERLANDS)), _t(ds, DCT + "temporal", period),
        _t(period, RDF + "type", _n(DCT + "PeriodOfTime")),
        _t(period, DCAT + "startDate", Literal(WI2021_START, datatype=_n(XSD + "date"))),
        _t(ds, VOID + "sparqlEndpoint", iris.endpoint),
        _t(ds, VOID + "uriSpace", Literal(f"{root}/id/")),
        _t(ds, VOID + "vocabulary", _n(ONTOLOGY_IRI)),
    ]


def dataset_description(*, base: str, counts: Mapping[str, int] | None = None) -> list[Triple]:
    """VoID + DCAT-AP-NL 3.0 for the catalogue, its SPARQL data service, its public dataset (with one
    distribution per public graph) and its non-public instance dataset. A function of its arguments only."""
    iris = Iris(base)
    return (catalogue(iris) + data_service(iris) + agents(iris) + _public_dataset(iris, base, counts or {})
            + _instance_dataset(iris) + reference_values())
