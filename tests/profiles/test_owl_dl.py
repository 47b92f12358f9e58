"""OWL 2 DL: the model's DL variant loads in HermiT (through owlready2, on the machine's Java), is consistent,
classifies as the ontology says, and stays consistent with a person record of the loader's kind; a person in two
disjoint target groups is found. A regression test records that HermiT refuses ``xsd:date`` itself, which is why
the variant exists (docs/ontology-decisions.md §12): if a HermiT upgrade accepts it, that test says so.

The reasoner runs in a Java subprocess (several seconds each); the tests share one xdist group so that two of them
do not start Java at once on the shared machine.
"""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from inburgering import namespaces as ns
from inburgering.model import owl_dl
from inburgering.model.owl_dl import owl_dl_variant, write_owl_dl
from inburgering.model.vocab import INB
from inburgering.paths import ONTOLOGY_DIR

pytestmark = pytest.mark.xdist_group("hermit")
EX = "https://data.example.org/id/"


def _model() -> Graph:
    g = Graph()
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def _hermit(graph: Graph, folder: Path) -> owlready2.World:
    """Load ``graph`` into a fresh owlready2 world and run HermiT; raises what owlready2 raises."""
    if shutil.which("java") is None:
        pytest.fail("java not found: HermiT needs a Java runtime (Debian: default-jre-headless)")
    path = folder / "model.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
    with ontology:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return world


def _person(person: str, *classes: URIRef) -> list[tuple[URIRef, URIRef, object]]:
    p, plicht = URIRef(EX + "persoon/" + person), URIRef(EX + "inburgeringsplicht/" + person)
    return [*((p, RDF.type, c) for c in classes), (p, INB.pseudoniem, Literal(person)),
            (p, INB.doelgroep, URIRef(ns.concept_iri("doelgroep", "Asielstatushouder"))),
            (p, INB.heeftInburgeringsplicht, plicht), (plicht, RDF.type, INB.Inburgeringsplicht),
            (plicht, INB.begindatum, Literal("2023-01-05", datatype=XSD.date)),
            (plicht, INB.indicatorInburgeringsplicht, Literal(True))]


def test_hermit_refuses_xsd_date_in_the_published_model(tmp_path: Path) -> None:
    with pytest.raises(owlready2.OwlReadyJavaError) as caught:
        _hermit(_model(), tmp_path)
    assert "XMLSchema#date" in str(caught.value) and "OWL 2 datatype map" in str(caught.value)


def test_the_owl_dl_variant_is_consistent_and_classifies(tmp_path: Path) -> None:
    world = _hermit(owl_dl_variant(_model()), tmp_path)
    assert list(world.inconsistent_classes()) == []
    b1 = world[str(INB.B1Route)]
    assert world[str(INB.Leerroute)] in b1.ancestors()
    assert world[str(INB.NatuurlijkPersoon)] in world[str(INB.Asielstatushouder)].ancestors()


def test_the_variant_with_a_person_record_is_consistent_and_reasoned_over(tmp_path: Path) -> None:
    """The person is typed only as a natural person; HermiT infers Inburgeraar from the domain of
    inb:heeftInburgeringsplicht (something the asserted types alone do not give)."""
    graph = _model()
    for triple in _person("ab12", INB.NatuurlijkPersoon):
        graph.add(triple)  # type: ignore[arg-type]
    world = _hermit(owl_dl_variant(graph), tmp_path)
    person = world[EX + "persoon/ab12"]
    assert world[str(INB.Inburgeraar)] in person.INDIRECT_is_a


def test_hermit_finds_a_person_in_two_disjoint_target_groups(tmp_path: Path) -> None:
    graph = _model()
    for triple in _person("cd34", INB.Asielstatushouder, INB.GezinsmigrantEnOverigeMigrant):
        graph.add(triple)  # type: ignore[arg-type]
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _hermit(owl_dl_variant(graph), tmp_path)


def test_the_variant_maps_dates_only(tmp_path: Path) -> None:
    model = _model()
    variant = Graph().parse(write_owl_dl(ONTOLOGY_DIR, tmp_path / "dl.ttl"), format="turtle")
    assert len(variant) == len(model)
    assert not any(o == XSD.date or getattr(o, "datatype", None) == XSD.date for o in variant.objects())
    changed = {(s, p) for s, p, o in model if o == XSD.date}
    assert changed and all(variant.value(s, p) == XSD.dateTime for s, p in changed)
    assert doctest.testmod(owl_dl).failed == 0
