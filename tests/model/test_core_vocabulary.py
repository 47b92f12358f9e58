"""Every term and concept scheme that docs/core-vocabulary.md names exists in the ontology."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import RDF, SKOS, Graph, URIRef

from inburgering import namespaces as ns

CORE = Path(__file__).resolve().parents[2] / "docs" / "core-vocabulary.md"


def test_every_inb_term_of_the_contract_is_defined(model_graph: Graph) -> None:
    named = set(re.findall(r"inb:([A-Za-z0-9]+)", CORE.read_text(encoding="utf-8")))
    assert len(named) > 80
    missing = sorted(t for t in named if (URIRef(ns.VOCAB + t), None, None) not in model_graph)
    assert missing == []


def test_namespaces_inb_resolves_contract_terms_and_refuses_a_misspelling() -> None:
    assert ns.inb("heeftPip") == ns.VOCAB + "heeftPip"
    try:
        ns.inb("heeftPIPP")
    except KeyError as exc:
        assert "heeftPIPP" in str(exc)
    else:
        raise AssertionError("a misspelt term must fail")


def test_every_scheme_the_contract_names_exists(model_graph: Graph) -> None:
    text = CORE.read_text(encoding="utf-8")
    section = text[text.index("Concept scheme names"):]
    names = set(re.findall(r"`([a-z]+)`", section.split("and one per GGM")[0]))
    assert {"leerroute", "janee", "verlengingsgrond"} <= names
    schemes = {str(s) for s in model_graph.subjects(RDF.type, SKOS.ConceptScheme)}
    assert sorted(n for n in names if ns.scheme_iri(n) not in schemes) == []


def test_contract_concept_iris_exist(model_graph: Graph) -> None:
    for scheme, notation in [("leerroute", "B"), ("examenonderdeel", "KNM"), ("ontheffingsgrond", "MED"),
                             ("redenvrijstelling", "AVI"), ("examenresultaat", "Geslaagd"),
                             ("leerbaarheidstoetsresultaat", "B1-route haalbaar"), ("niveau", "A2")]:
        iri = URIRef(ns.concept_iri(scheme, notation))
        assert (iri, SKOS.inScheme, URIRef(ns.scheme_iri(scheme))) in model_graph, iri
