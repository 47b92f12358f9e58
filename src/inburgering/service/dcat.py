"""The DCAT-AP-NL 3.0 parts of the dataset metadata: catalogue, data service, agents and reference values.

Every mandatory property of DCAT-AP 3.0.1 and DCAT-AP-NL 3.0 is here; the profiles run on what ``/dataset``
serves in ``tests/profiles/`` (docs/service.md, "Conformance to the profiles", lists what is checked and the
warnings that remain). Values of controlled properties come from the lists the profiles name: the EU data-theme,
access-right, language and file-type lists, IANA media types and a Creative Commons licence.
"""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from inburgering.namespaces import DCAT, DCT, ONTOLOGY_IRI, RDF, RDFS

FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
_EU = "http://publications.europa.eu/resource/authority/"
ACCESS = _EU + "access-right/"
EU_FILE_TYPE = _EU + "file-type/"
EU_LANG = _EU + "language/"
#: Spatial coverage: the Netherlands, from the EU country list.
NETHERLANDS = _EU + "country/NLD"
DATA_THEME = _EU + "data-theme"
#: The licence of everything the project publishes openly (ontology, concepts, shapes, metadata): CC0 1.0, as
#: DCAT-AP-NL's licence list spells it. The software is EUPL 1.2 (pyproject.toml); docs/ontology-decisions.md.
LICENSE = "http://creativecommons.org/publicdomain/zero/1.0/deed.nl"
#: EU data themes: civic integration is population and society; the learning routes and exams are education.
THEMES = (DATA_THEME + "/SOCI", DATA_THEME + "/EDUC")
#: The standards the service and the distributions follow (``dct:conformsTo``, typed ``dct:Standard``).
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
STANDARDS = {
    "ontology": "https://www.w3.org/TR/owl2-overview/",
    "concepts": "http://nlbegrip.nl/def/skosapnl#",
    "shapes": "https://www.w3.org/TR/shacl/",
    "dataset": "https://docs.geostandaarden.nl/dcat/dcat-ap-nl30/",
}
KEYWORDS = (("inburgering", "civic integration"), ("Wet inburgering 2021", "Civic Integration Act 2021"),
            ("leerroute", "learning route"), ("linked data", "linked data"))


def n(iri: str) -> NamedNode:
    return NamedNode(iri)


def t(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> Triple:
    return Triple(s, NamedNode(p), o)


def text(s: NamedNode, p: str, nl: str, en: str) -> list[Triple]:
    return [t(s, p, Literal(nl, language="nl")), t(s, p, Literal(en, language="en"))]


class Iris:
    """The metadata's own IRIs under one base (production IRIs; the service rewrites them when local)."""

    def __init__(self, base: str) -> None:
        self.root = root = base.rstrip("/")
        self.catalog = n(f"{root}/id/catalogus/inburgering")
        self.public = n(f"{root}/id/dataset/model")
        self.protected = n(f"{root}/id/dataset/inburgeraars")
        self.service = n(f"{root}/id/dienst/sparql")
        self.endpoint = n(f"{root}/sparql")
        self.publisher = n(f"{root}/id/organisatie/uitgever")
        self.creator = n(f"{root}/id/organisatie/project-inburgering")
        self.contact = n(f"{root}/id/contactpunt/uitgever")

    def distribution(self, name: str) -> NamedNode:
        return n(f"{self.root}/id/distributie/{name}")


def common(subject: NamedNode, iris: Iris, *, access: str, creator: NamedNode) -> list[Triple]:
    """What DCAT-AP-NL requires of every catalogue, dataset and data service: identifier (its IRI, the
    identification the owner gives), publisher, creator, contact point, access rights, EU themes, keywords."""
    triples = [t(subject, DCT + "identifier", Literal(subject.value)),
               t(subject, DCT + "publisher", iris.publisher), t(subject, DCT + "creator", creator),
               t(subject, DCAT + "contactPoint", iris.contact), t(subject, DCT + "accessRights", n(ACCESS + access))]
    triples += [t(subject, DCAT + "theme", n(theme)) for theme in THEMES]
    for nl, en in KEYWORDS:
        triples += text(subject, DCAT + "keyword", nl, en)
    return triples


def agents(iris: Iris) -> list[Triple]:
    """The publisher (who runs this service), the creator of the model and the contact point."""
    triples = []
    for agent, (nl, en) in ((iris.publisher, ("Uitgever inburgeringsgegevens", "Publisher of civic-integration data")),
                            (iris.creator, ("Project inburgering", "The inburgering project"))):
        triples += [t(agent, RDF + "type", n(FOAF + "Agent")), t(agent, RDF + "type", n(FOAF + "Organization")),
                    *text(agent, FOAF + "name", nl, en)]
    triples += [t(iris.contact, RDF + "type", n(VCARD + "Organization")),
                *text(iris.contact, VCARD + "fn", "Beheer inburgeringsgegevens", "Civic-integration data management"),
                t(iris.contact, VCARD + "hasURL", n(f"{iris.root}/"))]
    return triples


def catalogue(iris: Iris) -> list[Triple]:
    """The catalogue. DCAT 3 makes a catalogue a dataset, so it meets the dataset rules of DCAT-AP-NL too."""
    cat = iris.catalog
    home = n(f"{iris.root}/")
    return [
        t(cat, RDF + "type", n(DCAT + "Catalog")),
        *text(cat, DCT + "title", "Catalogus inburgering", "Civic-integration catalogue"),
        *text(cat, DCT + "description", "Linked data over inburgering onder de Wet inburgering 2021: het model "
              "(ontologie, begrippen, regels) en de gepseudonimiseerde gegevens per gemeente.",
              "Linked data on civic integration under the Civic Integration Act 2021: the model (ontology, "
              "concepts, rules) and the pseudonymised data per municipality."),
        *common(cat, iris, access="PUBLIC", creator=iris.creator),
        t(cat, DCT + "license", n(LICENSE)), t(cat, DCT + "language", n(EU_LANG + "NLD")),
        t(cat, DCT + "language", n(EU_LANG + "ENG")),
        t(cat, FOAF + "homepage", home), t(cat, DCAT + "landingPage", home), t(cat, FOAF + "page", home),
        t(home, RDF + "type", n(FOAF + "Document")), t(cat, DCT + "conformsTo", n(STANDARDS["dataset"])),
        t(cat, DCT + "spatial", n(NETHERLANDS)),
        t(cat, DCAT + "themeTaxonomy", n(DATA_THEME)),
        t(cat, DCAT + "dataset", iris.public), t(cat, DCAT + "dataset", iris.protected),
        t(cat, DCAT + "service", iris.service),
    ]


def data_service(iris: Iris) -> list[Triple]:
    """The SPARQL endpoint as a ``dcat:DataService``; its endpoint description is the SPARQL service
    description that ``GET /sparql`` without a query returns."""
    svc = iris.service
    query_page = n(f"{iris.root}/query")
    return [
        t(svc, RDF + "type", n(DCAT + "DataService")),
        *text(svc, DCT + "title", "SPARQL-endpoint inburgering", "Civic-integration SPARQL endpoint"),
        *text(svc, DCT + "description", "Alleen lezen. Zonder token alleen de openbare grafen (ontologie, "
              "begrippen, regels, metadata); gegevens over personen met een token voor de eigen gemeente, "
              "bijzondere persoonsgegevens alleen met een extra bevoegdheid.",
              "Read-only. Without a token only the public graphs (ontology, concepts, rules, metadata); data "
              "about persons with a token for one's own municipality, special-category data only with an "
              "extra permission."),
        *common(svc, iris, access="RESTRICTED", creator=iris.creator),
        t(svc, DCT + "license", n(LICENSE)), t(svc, DCT + "language", n(EU_LANG + "NLD")),
        t(svc, DCAT + "endpointURL", iris.endpoint), t(svc, DCAT + "endpointDescription", iris.endpoint),
        t(svc, DCT + "conformsTo", n(SPARQL_PROTOCOL)), t(svc, DCAT + "landingPage", query_page),
        t(query_page, RDF + "type", n(FOAF + "Document")),
        t(svc, DCAT + "servesDataset", iris.public), t(svc, DCAT + "servesDataset", iris.protected),
    ]


def distribution(iris: Iris, name: str, nl: str, en: str) -> list[Triple]:
    """A Turtle download of one public graph, also readable through the SPARQL service."""
    dist = iris.distribution(name)
    url = n(f"{iris.root}/downloads/{name}.ttl")
    return [
        t(dist, RDF + "type", n(DCAT + "Distribution")),
        *text(dist, DCT + "title", nl, en),
        *text(dist, DCT + "description", f"De graaf '{nl}' als Turtle-bestand.", f"The graph '{en}' as a Turtle file."),
        t(dist, DCAT + "accessURL", url), t(dist, DCAT + "downloadURL", url),
        t(dist, DCAT + "accessService", iris.service),
        t(dist, DCAT + "mediaType", n("https://www.iana.org/assignments/media-types/text/turtle")),
        t(dist, DCT + "format", n(EU_FILE_TYPE + "RDF_TURTLE")),
        t(dist, DCT + "license", n(LICENSE)), t(dist, DCT + "language", n(EU_LANG + "NLD")),
        t(dist, DCT + "conformsTo", n(STANDARDS[name])),
    ]


def reference_values() -> list[Triple]:
    """The classes DCAT-AP gives the values this metadata uses (its range rules), with a label each, so that
    a reader without the EU lists still sees what a value is."""
    typed = [
        (LICENSE, DCT + "LicenseDocument", "CC0 1.0 Universeel", "CC0 1.0 Universal"),
        (EU_LANG + "NLD", DCT + "LinguisticSystem", "Nederlands", "Dutch"),
        (EU_LANG + "ENG", DCT + "LinguisticSystem", "Engels", "English"),
        (NETHERLANDS, DCT + "Location", "Nederland", "Netherlands"),
        (ACCESS + "PUBLIC", DCT + "RightsStatement", "openbaar", "public"),
        (ACCESS + "RESTRICTED", DCT + "RightsStatement", "beperkt", "restricted"),
        (ACCESS + "NON_PUBLIC", DCT + "RightsStatement", "niet openbaar", "non-public"),
        (EU_FILE_TYPE + "RDF_TURTLE", DCT + "MediaTypeOrExtent", "RDF Turtle", "RDF Turtle"),
        ("https://www.iana.org/assignments/media-types/text/turtle", DCT + "MediaType", "text/turtle", "text/turtle"),
        (SPARQL_PROTOCOL, DCT + "Standard", "SPARQL 1.1-protocol", "SPARQL 1.1 Protocol"),
        (ONTOLOGY_IRI, DCT + "Standard", "Ontologie inburgering", "Civic-integration ontology"),
        (STANDARDS["ontology"], DCT + "Standard", "OWL 2", "OWL 2"),
        (STANDARDS["concepts"], DCT + "Standard", "NL-SBB (SKOS-AP-NL)", "NL-SBB (SKOS-AP-NL)"),
        (STANDARDS["shapes"], DCT + "Standard", "SHACL", "SHACL"),
        (STANDARDS["dataset"], DCT + "Standard", "DCAT-AP-NL 3.0", "DCAT-AP-NL 3.0"),
    ]
    triples = []
    for iri, cls, nl, en in typed:
        triples += [t(n(iri), RDF + "type", n(cls)), *text(n(iri), RDFS + "label", nl, en)]
    # The themes are skos:Concepts of the EU list (which says so); typing them here would put foreign concepts
    # among the project's own in every "?c a skos:Concept" over the public graphs. Labels only.
    triples += text(n(THEMES[0]), RDFS + "label", "Bevolking en samenleving", "Population and society")
    triples += text(n(THEMES[1]), RDFS + "label", "Onderwijs, cultuur en sport", "Education, culture and sport")
    return triples
