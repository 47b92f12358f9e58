"""Dataset metadata: VoID and DCAT-AP-NL descriptions of what is published, and the SPARQL service description.

The DCAT parts (catalogue, data service, agents, distributions) are in :mod:`inburgering.service.dcat`.

IRIs are written under the production base; the service rewrites them to its local address when it runs
locally, so the same graph is right in both places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from pyoxigraph import BlankNode, Literal, Triple

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
    n,
    reference_values,
    t,
    text,
)

SD = "http://www.w3.org/ns/sparql-service-description#"
#: The Wet inburgering 2021 applies to duties that began on or after 1 January 2022.
WI2021_START = "2022-01-01"
#: The public graphs and what each download holds (graph name, Dutch title, English title).
DOWNLOADS = (
    ("ontology", "Ontologie inburgering", "Civic-integration ontology"),
    ("concepts", "Begrippenkaders (SKOS) en gemeenten (TOOI)", "Concept schemes (SKOS) and municipalities (TOOI)"),
    ("shapes", "SHACL-shapes en regels van de Wet inburgering 2021", "SHACL shapes and rules of the law"),
    ("dataset", "Metadata van de dataset", "Dataset metadata"),
)


def service_description(endpoint: str, *, base: str, named_graphs: Sequence[str] | None = None) -> list[Triple]:
    """The SPARQL 1.1 service description of ``endpoint`` (``sd:Service``) as one caller sees it: its dataset
    lists ``named_graphs`` (the caller's readable graphs; default: the public graphs)."""
    svc = n(endpoint)
    triples = [
        t(svc, RDF + "type", n(SD + "Service")),
        t(svc, SD + "endpoint", svc),
        t(svc, SD + "supportedLanguage", n(SD + "SPARQL11Query")),
        t(svc, SD + "defaultEntailmentRegime", n("http://www.w3.org/ns/entailment/Simple")),
        # True for every caller: without FROM / default-graph-uri the default graph is the union of the named
        # graphs that caller may read, and those are its named graphs (service/sparql.py:fix_dataset). The
        # store's own unnamed graph is never part of any caller's dataset.
        t(svc, SD + "feature", n(SD + "UnionDefaultGraph")),
        t(svc, DCT + "title", Literal("SPARQL-endpoint inburgering", language="nl")),
        t(svc, RDFS + "comment", Literal("Read-only. Without a token only the public graphs (ontology, "
                                          "concept schemes, shapes, metadata) are in the dataset; SERVICE is "
                                          "refused; queries have a time limit and a result cap.", language="en")),
    ]
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
                  "application/rdf+xml"):
        triples.append(t(svc, SD + "resultFormat", n("http://www.w3.org/ns/formats/" + _FORMATS[media])))
    dataset = BlankNode()
    triples.append(t(svc, SD + "defaultDataset", dataset))
    triples.append(t(dataset, RDF + "type", n(SD + "Dataset")))
    default_graph = BlankNode()
    triples.append(t(dataset, SD + "defaultGraph", default_graph))
    triples.append(t(default_graph, RDFS + "comment", Literal(
        "the union of the named graphs the caller may read (sd:UnionDefaultGraph): without a token the public "
        "graphs listed here; with a token also its municipalities' published instance graphs", language="en")))
    graphs = named_graphs if named_graphs is not None else [public_graph(base, name) for name, _, _ in DOWNLOADS]
    for graph in graphs:
        named = BlankNode()
        triples += [t(dataset, SD + "namedGraph", named), t(named, SD + "name", n(graph))]
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
        t(ds, RDF + "type", n(DCAT + "Dataset")), t(ds, RDF + "type", n(VOID + "Dataset")),
        *text(ds, DCT + "title", "Model inburgering: ontologie, begrippen en regels",
               "Civic-integration model: ontology, concepts and rules"),
        *text(ds, DCT + "description", "De ontologie, SKOS-begrippenkaders en SHACL-regels voor gegevens over "
               "inburgering (Wet inburgering 2021, GGM Model Inburgering, DUO M2M).",
               "The ontology, SKOS concept schemes and SHACL rules for civic-integration data."),
        *common(ds, iris, access="PUBLIC", creator=iris.creator),
        t(ds, DCT + "license", n(LICENSE)),
        t(ds, DCT + "language", n(EU_LANG + "NLD")), t(ds, DCT + "language", n(EU_LANG + "ENG")),
        t(ds, DCAT + "landingPage", n(f"{root}/def")), t(n(f"{root}/def"), RDF + "type", n(FOAF + "Document")),
        t(ds, FOAF + "page", n(f"{root}/def")), t(ds, FOAF + "page", n(f"{root}/schemes")),
        t(n(f"{root}/schemes"), RDF + "type", n(FOAF + "Document")), t(ds, DCT + "spatial", n(NETHERLANDS)),
        *[t(ds, DCT + "conformsTo", n(STANDARDS[name])) for name in ("ontology", "concepts", "shapes")],
        t(ds, VOID + "sparqlEndpoint", iris.endpoint),
        t(ds, VOID + "uriSpace", Literal("https://w3id.org/inburgering/")),
        t(ds, VOID + "vocabulary", n(ONTOLOGY_IRI)),
        t(ds, VOID + "rootResource", n(ONTOLOGY_IRI)),
    ]
    for name, nl, en in DOWNLOADS:
        graph = public_graph(base, name)
        subset = n(graph)
        triples += [t(ds, VOID + "subset", subset), t(subset, RDF + "type", n(VOID + "Dataset")),
                    t(subset, VOID + "dataDump", n(f"{root}/downloads/{name}.ttl")),
                    *text(subset, DCT + "title", nl, en)]
        if graph in counts:
            triples.append(t(subset, VOID + "triples", Literal(str(counts[graph]), datatype=n(XSD + "integer"))))
        triples.append(t(ds, DCAT + "distribution", iris.distribution(name)))
        triples += distribution(iris, name, nl, en)
    return triples


def _instance_dataset(iris: Iris) -> list[Triple]:
    """Data about persons: not public, so no distribution and no licence; it conforms to the ontology."""
    root = iris.root
    ds = iris.protected
    period = BlankNode()  # the data starts with the Act: no duty under it before its entry into force
    return [
        t(ds, RDF + "type", n(DCAT + "Dataset")), t(ds, RDF + "type", n(VOID + "Dataset")),
        *text(ds, DCT + "title", "Gegevens over inburgeraars (gepseudonimiseerd)",
               "Data about persons under the integration duty (pseudonymised)"),
        *text(ds, DCT + "description", "Per gemeente en per lading: inburgeringsplicht, PIP, leerroute, "
               "examens, ontheffingen en vrijstellingen. Persoonsgegevens: alleen met een token voor de eigen "
               "gemeente; bijzondere persoonsgegevens alleen met een extra bevoegdheid.",
               "Per municipality and load: duty, PIP, learning route, exams, dispensations and exemptions. "
               "Personal data: only with a token for one's own municipality."),
        # The loader, run by the publisher, creates this data from DUO's messages and the GGM databases.
        *common(ds, iris, access="NON_PUBLIC", creator=iris.publisher),
        t(ds, DCT + "language", n(EU_LANG + "NLD")),
        t(ds, DCT + "conformsTo", n(ONTOLOGY_IRI)),
        t(ds, DCAT + "landingPage", n(f"{root}/query")), t(n(f"{root}/query"), RDF + "type", n(FOAF + "Document")),
        t(ds, FOAF + "page", n(f"{root}/def")), t(n(f"{root}/def"), RDF + "type", n(FOAF + "Document")),
        t(ds, DCT + "spatial", n(NETHERLANDS)), t(ds, DCT + "temporal", period),
        t(period, RDF + "type", n(DCT + "PeriodOfTime")),
        t(period, DCAT + "startDate", Literal(WI2021_START, datatype=n(XSD + "date"))),
        t(ds, VOID + "sparqlEndpoint", iris.endpoint),
        t(ds, VOID + "uriSpace", Literal(f"{root}/id/")),
        t(ds, VOID + "vocabulary", n(ONTOLOGY_IRI)),
    ]


def dataset_description(*, base: str, counts: Mapping[str, int] | None = None,
                        modified: datetime | None = None) -> list[Triple]:
    """VoID + DCAT-AP-NL 3.0 for the catalogue, its SPARQL data service, its public dataset (with one
    distribution per public graph) and its non-public instance dataset; ``modified``: the time of the
    publication it describes (``dct:modified`` of the catalogue and both datasets). A function of its arguments."""
    iris = Iris(base)
    triples = (catalogue(iris) + data_service(iris) + agents(iris) + _public_dataset(iris, base, counts or {})
               + _instance_dataset(iris) + reference_values())
    if modified is not None:
        when = Literal(modified.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                       datatype=n(XSD + "dateTime"))
        triples += [t(s, DCT + "modified", when) for s in (iris.catalog, iris.public, iris.protected)]
    return triples
