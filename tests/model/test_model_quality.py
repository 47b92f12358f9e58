"""Quality of the model: texts in both languages, no markup, no subclass cycle, sound concept schemes, OWL RL.

Each check runs on the real model (must find nothing) and on a small broken graph (must find the fault), so a
check that silently finds nothing cannot pass.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from inburgering import namespaces as ns
from inburgering.model import check
from inburgering.model.vocab import INB

EX = "https://data.example.org/id/"


def _broken(turtle: str) -> Graph:
    return Graph().parse(data="@prefix inb: <https://w3id.org/inburgering/def/> .\n"
                              "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                              "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                              "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n" + turtle, format="turtle")


def test_every_class_and_property_has_nl_and_en_label_and_definition(model_graph: Graph) -> None:
    terms = check.own_terms(model_graph)
    assert len(terms) > 250
    assert check.missing_texts(model_graph) == []


def test_a_term_without_english_is_reported() -> None:
    g = _broken('inb:X a owl:Class ; rdfs:label "x"@nl ; skos:definition "x"@nl, "x"@en .')
    assert check.missing_texts(g) == [f"{ns.VOCAB}X: no rdfs:label in en"]


def test_no_text_contains_markup(model_graph: Graph) -> None:
    assert check.markup(model_graph) == []


@pytest.mark.parametrize("text", ["De <b>PIP</b>", "De *Z-route* is", "a &amp; b", "zie [DUO](https://duo.nl)",
                                  "<p>", "regel<br/>twee", "__vet__ woord"])
def test_markup_is_found(text: str) -> None:
    g = Graph()
    g.add((INB.X, SKOS.definition, Literal(text, lang="nl")))
    assert len(check.markup(g)) == 1


def test_plain_texts_with_symbols_are_not_markup() -> None:
    g = Graph()
    for text in ["B1-route haalbaar", "HBO / Bachelor", "1 < 2 en 3 > 2", "Gezinsvormer (met asielstatushouder)",
                 "score ^\\d{1,3},\\d{2}$", "rijbewijs_land"]:
        g.add((INB.X, SKOS.definition, Literal(text)))
    assert check.markup(g) == []


def test_no_class_is_its_own_subclass(model_graph: Graph) -> None:
    assert (INB.Inburgeraar, RDFS.subClassOf, INB.Vreemdeling) in model_graph
    assert check.subclass_cycles(model_graph) == []


def test_direct_and_indirect_subclass_cycles_are_found() -> None:
    g = _broken("inb:A rdfs:subClassOf inb:A . inb:B rdfs:subClassOf inb:C . inb:C rdfs:subClassOf inb:D . "
                "inb:D rdfs:subClassOf inb:B . inb:E rdfs:subClassOf inb:B .")
    assert sorted(check.subclass_cycles(g)) == [f"{ns.VOCAB}{c} is a subclass of itself" for c in "ABCD"]


def test_every_concept_is_in_exactly_one_scheme_with_a_unique_notation(model_graph: Graph) -> None:
    concepts = set(model_graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 200
    assert check.concept_problems(model_graph) == []


def test_concept_faults_are_found() -> None:
    g = _broken("""
        <s1> a skos:ConceptScheme . <s2> a skos:ConceptScheme .
        <c1> a skos:Concept ; skos:inScheme <s1>, <s2> ; skos:notation "A" .
        <c2> a skos:Concept ; skos:inScheme <s1> ; skos:notation "B" ; skos:topConceptOf <s1> ;
             skos:prefLabel "b"@nl, "b"@en .
        <c3> a skos:Concept ; skos:inScheme <s1> ; skos:notation "B" ; skos:topConceptOf <s1> ;
             skos:prefLabel "b"@nl .""")
    problems = check.concept_problems(g)
    assert any("c1: in 2 schemes" in p for p in problems)
    assert any("c3: needs skos:prefLabel" in p for p in problems)
    assert any("notation 'B' is used 2 times" in p for p in problems)


def test_schemes_follow_nl_sbb(model_graph: Graph) -> None:
    from rdflib.namespace import DCTERMS

    for scheme in model_graph.subjects(RDF.type, SKOS.ConceptScheme):
        assert {lit.language for lit in model_graph.objects(scheme, DCTERMS.title)} == {"nl", "en"}, scheme
        for concept in model_graph.subjects(SKOS.inScheme, scheme):
            assert (scheme, SKOS.hasTopConcept, concept) in model_graph
            assert str(concept).startswith(ns.CONCEPT + str(scheme).removeprefix(ns.SCHEME) + "/")


def _sample_instances() -> list[tuple[URIRef, URIRef, object]]:
    """A small, valid person record of the kind the loader writes, to reason over together with the model."""
    person, plicht, pip, route = (URIRef(EX + p) for p in ("persoon/ab12", "inburgeringsplicht/ab12-1",
                                                            "pip/ab12-1", "leerroute/ab12-1"))
    concept = lambda s, n: URIRef(ns.concept_iri(s, n))
    return [
        (person, RDF.type, INB.Asielstatushouder), (person, INB.pseudoniem, Literal("ab12")),
        (person, INB.doelgroep, concept("doelgroep", "Asielstatushouder")),
        (person, INB.gemeente, URIRef(ns.gemeente_iri("GM0363"))),
        (person, INB.heeftInburgeringsplicht, plicht), (plicht, RDF.type, INB.Inburgeringsplicht),
        (plicht, INB.begindatum, Literal("2023-01-05", datatype=URIRef(ns.XSD + "date"))),
        (plicht, INB.indicatorInburgeringsplicht, Literal(True)),
        (person, INB.heeftPip, pip), (pip, RDF.type, INB.PIP),
        (pip, INB.dagtekening, Literal("2023-03-01", datatype=URIRef(ns.XSD + "date"))),
        (route, RDF.type, INB.B1Route), (route, INB.afgesprokenIn, pip),
        (route, INB.leerrouteType, concept("leerroute", "B")), (route, INB.niveau, concept("niveau", "B1")),
        (route, INB.geschatteIntensiteitB1Route, Literal(600)),
    ]


@pytest.mark.xdist_group("owlrl")
def test_owl_rl_closure_of_the_model_with_sample_data_is_consistent(model_graph: Graph) -> None:
    assert check.owl_rl_inconsistencies(model_graph, _sample_instances()) == []


@pytest.mark.xdist_group("owlrl")
def test_owl_rl_finds_a_person_in_two_disjoint_target_groups(model_graph: Graph) -> None:
    person = URIRef(EX + "persoon/cd34")
    extra = [(person, RDF.type, INB.Asielstatushouder), (person, RDF.type, INB.GezinsmigrantEnOverigeMigrant)]
    problems = check.owl_rl_inconsistencies(model_graph, extra)
    assert any("disjoint" in p.lower() for p in problems), problems


def test_disjoint_routes_and_decisions_are_declared(model_graph: Graph) -> None:
    assert (INB.ZRoute, OWL.disjointWith, INB.B1Route) in model_graph
    assert (INB.GedeeltelijkeVrijstelling, OWL.disjointWith, INB.GeheleVrijstelling) in model_graph


def test_the_ontology_header_is_complete(model_graph: Graph) -> None:
    from rdflib.namespace import DCTERMS

    onto = URIRef(ns.ONTOLOGY_IRI)
    vann = "http://purl.org/vocab/vann/"
    for p in (OWL.versionIRI, OWL.versionInfo, DCTERMS.license, DCTERMS.creator, DCTERMS.created,
              DCTERMS.modified, URIRef(vann + "preferredNamespacePrefix"), URIRef(vann + "preferredNamespaceUri")):
        assert model_graph.value(onto, p) is not None, p
    assert {lit.language for lit in model_graph.objects(onto, DCTERMS.title)} == {"nl", "en"}
    assert {lit.language for lit in model_graph.objects(onto, DCTERMS.description)} == {"nl", "en"}
    assert str(model_graph.value(onto, URIRef(vann + "preferredNamespaceUri"))) == ns.VOCAB


def test_functional_properties_are_declared_where_at_most_one(model_graph: Graph) -> None:
    for p in (INB.dagtekening, INB.begindatum, INB.leerrouteType, INB.pseudoniem, INB.datumEindgesprekMap):
        assert (p, RDF.type, OWL.FunctionalProperty) in model_graph, p
    for p in (INB.heeftPip, INB.heeftExamenresultaat, INB.examenonderdeel):  # several per subject
        assert (p, RDF.type, OWL.FunctionalProperty) not in model_graph, p
