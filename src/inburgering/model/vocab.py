"""Namespaces the model files use beyond those of :mod:`inburgering.namespaces` (alignments, metadata)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from inburgering import namespaces as ns

INB = Namespace(ns.VOCAB)
CONCEPT = Namespace(ns.CONCEPT)
SCHEME = Namespace(ns.SCHEME)
GGM = Namespace(ns.GGM)
SDO = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VANN = Namespace("http://purl.org/vocab/vann/")
PERSON = Namespace("http://www.w3.org/ns/person#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
TOOI = Namespace("https://identifier.overheid.nl/tooi/def/ont/")
ESCO = Namespace("http://data.europa.eu/esco/model#")
PROV = Namespace(ns.PROV)

#: Prefixes bound in every file the generator writes (stable output, readable Turtle).
BINDINGS: dict[str, Namespace] = {
    "inb": INB, "concept": CONCEPT, "scheme": SCHEME, "ggm": GGM, "schema": SDO, "foaf": FOAF,
    "vann": VANN, "person": PERSON, "eli": ELI, "tooiont": TOOI, "esco": ESCO, "prov": PROV,
    "owl": Namespace(str(OWL)), "rdf": Namespace(str(RDF)), "rdfs": Namespace(str(RDFS)),
    "xsd": Namespace(str(XSD)), "skos": Namespace(str(SKOS)), "dct": Namespace(str(DCTERMS)),
}

#: Shorthands for datatypes in the source tables.
XSD_TYPES = {"date": XSD.date, "integer": XSD.integer, "boolean": XSD.boolean, "string": XSD.string,
             "decimal": XSD.decimal, "dateTime": XSD.dateTime, "anyURI": XSD.anyURI}
