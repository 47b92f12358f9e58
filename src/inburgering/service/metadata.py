"""Dataset metadata: VoID and DCAT-AP-NL descriptions of what is published, and the SPARQL service description.

IRIs are written under the production base; the service rewrites them to its local address when it runs
locally, so the same graph is right in both places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from inburgering.namespaces import DCAT, DCT, ONTOLOGY_IRI, RDF, RDFS, VOID, XSD, public_graph

SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANG = "http://publications.europa.eu/resource/authority/language/"
LICENSE = "http://creativecommons.org/publicdomain/zero/1.0/deed.nl"
THEME = "http://standaarden.overheid.nl/owms/terms/Integratie"
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
    return f"{base.rstrip('/')}/id/catalogus/inburgering"


def _distribution(base: str, name: str, nl: str, en: str) -> list[Triple]:
    dist = _n(f"{base.rstrip('/')}/id/distributie/{name}")
    url = _n(f"{base.rstrip('/')}/downloads/{name}.ttl")
    return [
        _t(dist, RDF + "type", _n(DCAT + "Distribution")),
        *_text(dist, DCT + "title", nl, en),
        _t(dist, DCAT + "accessURL", url),
        _t(dist, DCAT + "downloadURL", url),
        _t(dist, DCAT + "mediaType", _n("https://www.iana.org/assignments/media-types/text/turtle")),
        _t(dist, DCT + "format", _n(EU_FILE_TYPE + "RDF_TURTLE")),
        _t(dist, DCT + "license", _n(LICENSE)),
    ]


def _public_dataset(base: str, counts: Mapping[str, int]) -> list[Triple]:
    root = base.rstrip("/")
    ds = _n(f"{root}/id/dataset/model")
    triples = [
        _t(ds, RDF + "type", _n(DCAT + "Dataset")), _t(ds, RDF + "type", _n(VOID + "Dataset")),
        *_text(ds, DCT + "title", "Model inburgering: ontologie, begrippen en regels",
               "Civic-integration model: ontology, concepts and rules"),
        *_text(ds, DCT + "description", "De ontologie, SKOS-begrippenkaders en SHACL-regels voor gegevens over "
               "inburgering (Wet inburgering 2021, GGM Model Inburgering, DUO M2M).",
               "The ontology, SKOS concept schemes and SHACL rules for civic-integration data."),
        _t(ds, DCT + "identifier", Literal(str(ds.value))),
        _t(ds, DCT + "accessRights", _n(ACCESS + "PUBLIC")),
        _t(ds, DCT + "license", _n(LICENSE)),
        _t(ds, DCT + "language", _n(EU_LANG + "NLD")),
        _t(ds, DCAT + "theme", _n(THEME)),
        _t(ds, VOID + "sparqlEndpoint", _n(f"{root}/sparql")),
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
        triples.append(_t(ds, DCAT + "distribution", _n(f"{root}/id/distributie/{name}")))
        triples += _distribution(base, name, nl, en)
    return triples


def _instance_dataset(base: str) -> list[Triple]:
    root = base.rstrip("/")
    ds = _n(f"{root}/id/dataset/inburgeraars")
    return [
        _t(ds, RDF + "type", _n(DCAT + "Dataset")), _t(ds, RDF + "type", _n(VOID + "Dataset")),
        *_text(ds, DCT + "title", "Gegevens over inburgeraars (gepseudonimiseerd)",
               "Data about persons under the integration duty (pseudonymised)"),
        *_text(ds, DCT + "description", "Per gemeente en per lading: inburgeringsplicht, PIP, leerroute, "
               "examens, ontheffingen en vrijstellingen. Persoonsgegevens: alleen met een token voor de eigen "
               "gemeente; bijzondere persoonsgegevens alleen met een extra bevoegdheid.",
               "Per municipality and load: duty, PIP, learning route, exams, dispensations and exemptions. "
               "Personal data: only with a token for one's own municipality."),
        _t(ds, DCT + "accessRights", _n(ACCESS + "NON_PUBLIC")),
        _t(ds, DCT + "language", _n(EU_LANG + "NLD")),
        _t(ds, DCAT + "theme", _n(THEME)),
        _t(ds, VOID + "sparqlEndpoint", _n(f"{root}/sparql")),
        _t(ds, VOID + "uriSpace", Literal(f"{root}/id/")),
        _t(ds, VOID + "vocabulary", _n(ONTOLOGY_IRI)),
    ]


def dataset_description(*, base: str, counts: Mapping[str, int] | None = None) -> list[Triple]:
    """VoID + DCAT-AP-NL for the catalogue, its public dataset and its non-public instance dataset."""
    root = base.rstrip("/")
    cat = _n(catalog_iri(base))
    public, protected = _n(f"{root}/id/dataset/model"), _n(f"{root}/id/dataset/inburgeraars")
    publisher = _n(f"{root}/id/organisatie/uitgever")
    contact = _n(f"{root}/id/contactpunt/uitgever")
    triples = [
        _t(cat, RDF + "type", _n(DCAT + "Catalog")),
        *_text(cat, DCT + "title", "Catalogus inburgering", "Civic-integration catalogue"),
        *_text(cat, DCT + "description", "Linked data over inburgering onder de Wet inburgering 2021.",
               "Linked data on civic integration under the Civic Integration Act 2021."),
        _t(cat, DCT + "publisher", publisher), _t(cat, DCAT + "dataset", public), _t(cat, DCAT + "dataset", protected),
        _t(cat, DCAT + "service", _n(f"{root}/sparql")),
        _t(_n(f"{root}/sparql"), RDF + "type", _n(DCAT + "DataService")),
        _t(_n(f"{root}/sparql"), DCAT + "endpointURL", _n(f"{root}/sparql")),
        _t(_n(f"{root}/sparql"), DCAT + "servesDataset", public),
        _t(_n(f"{root}/sparql"), DCAT + "servesDataset", protected),
        _t(publisher, RDF + "type", _n(FOAF + "Organization")),
        _t(publisher, FOAF + "name", Literal("Uitgever inburgeringsgegevens", language="nl")),
        _t(contact, RDF + "type", _n(VCARD + "Organization")),
        _t(contact, VCARD + "fn", Literal("Beheer inburgeringsgegevens", language="nl")),
    ]
    for ds in (public, protected):
        triples += [_t(ds, DCT + "publisher", publisher), _t(ds, DCAT + "contactPoint", contact)]
    return triples + _public_dataset(base, counts or {}) + _instance_dataset(base)
