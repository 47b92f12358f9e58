"""NL-SBB (SKOS-AP-NL) on the concept schemes: no result of any severity, on the generated ``concepts.ttl`` and on
the public graphs together (the ontology and the hand-written alignments hold the SKOS mappings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from profile_check import validate_profile
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from inburgering.errors import SourceError
from inburgering.model.source import load_model
from inburgering.paths import ONTOLOGY_DIR

MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch,
            SKOS.mappingRelation)
OWL_TERMS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)


def _graph(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.parse(ONTOLOGY_DIR / name, format="turtle")
    return g


@pytest.fixture(scope="module")
def public_model() -> Graph:
    return _graph("concepts.ttl", "inburgering.ttl", "alignments.ttl")


def test_concept_schemes_pass_nl_sbb() -> None:
    concepts = _graph("concepts.ttl")
    assert len(set(concepts.subjects(RDF.type, SKOS.Concept))) > 200
    assert validate_profile("NL-SBB", concepts) == []


def test_the_public_model_passes_nl_sbb(public_model: Graph) -> None:
    assert validate_profile("NL-SBB", public_model) == []


def test_every_concept_has_a_definition_in_dutch_and_english() -> None:
    concepts = _graph("concepts.ttl")
    for concept in set(concepts.subjects(RDF.type, SKOS.Concept)):
        languages = {lit.language for lit in concepts.objects(concept, SKOS.definition)}
        assert languages == {"nl", "en"}, concept


def test_no_skos_mapping_touches_an_owl_class_or_property(public_model: Graph) -> None:
    """SKOS mappings relate concepts; OWL terms are aligned with rdfs:subClassOf, owl:equivalentClass or
    rdfs:seeAlso (docs/ontology-decisions.md §10). The issue counted 49 such statements."""
    owl_terms = {s for t in OWL_TERMS for s in public_model.subjects(RDF.type, t)}
    concepts = set(public_model.subjects(RDF.type, SKOS.Concept))
    wrong = [(s, p, o) for p in MAPPINGS for s, o in public_model.subject_objects(p)
             if s in owl_terms or o in owl_terms or s not in concepts]
    assert wrong == []
    assert len([1 for p in MAPPINGS for _ in public_model.subject_objects(p)]) >= 10  # concept mappings remain


def test_a_class_with_a_skos_mapping_is_refused() -> None:
    g = _graph("concepts.ttl")
    g.add((URIRef("https://w3id.org/inburgering/def/Leerroute"), RDF.type, OWL.Class))
    g.add((URIRef("https://w3id.org/inburgering/def/Leerroute"), SKOS.closeMatch,
           URIRef("https://schema.org/EducationalOccupationalProgram")))
    assert any(r.severity == "Violation" for r in validate_profile("NL-SBB", g))


def test_a_concept_without_definition_is_a_violation() -> None:
    g = _graph("concepts.ttl")
    concept = URIRef("https://w3id.org/inburgering/id/concept/leerroute/Z")
    g.remove((concept, SKOS.definition, None))
    results = validate_profile("NL-SBB", g)
    assert [(r.severity, r.focus, r.path) for r in results] == [("Violation", str(concept), "definition")]


def test_the_source_table_refuses_a_concept_without_definition(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("ontology.yaml", "classes.yaml", "properties.yaml"):
        (source / name).write_text((ONTOLOGY_DIR / "source" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (source / "schemes.yaml").write_text("leerroute:\n  title: [Leerroute, Learning route]\n"
                                         "  def: [De leerroutes., The learning routes.]\n"
                                         "  concepts:\n    - [Z, Z-route, Z route]\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_model(source)
    assert "leerroute/Z" in str(caught.value) and "def" in str(caught.value)
