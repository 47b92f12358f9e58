"""The fixture suite, as in the W3C SHACL test suite: for every shape and rule, its conforming fixture raises
nothing, and its violating fixture raises exactly the expected results (focus node, shape, severity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from inburgering.validation import load_shapes, validate
from inburgering.validation.shapes import class_hierarchy

FIXTURES = Path(__file__).resolve().parents[1] / "shapes"
#: "Today" for every fixture (date rules compare with it); fixtures are written against this date.
REFERENCE_DATE = "2026-01-01"
SHAPES = "https://w3id.org/inburgering/shapes/"
#: Every fixture folder: ``tests/shapes/<rule or shape name>/{conforming,violating,expected}.ttl``.
CASES = sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def _focus(node: object) -> str:
    """A blank focus node is compared as ``_:`` (its label differs between runs)."""
    return "_:" if isinstance(node, BNode) or str(node).startswith("_:") else str(node)


def expected_results(case: Path) -> set[tuple[str, str, str]]:
    graph = Graph().parse(case / "expected.ttl", format="turtle")
    return {(_focus(graph.value(r, SH.focusNode)), str(graph.value(r, SH.sourceShape)),
             str(graph.value(r, SH.resultSeverity)))
            for r in graph.subjects(RDF.type, SH.ValidationResult)}


def belongs_to(shape: str, case: Path) -> bool:
    """A rule's folder is named after the rule; a class shape's folder also covers its property shapes."""
    name = shape.removeprefix(SHAPES)
    return name == case.name or name.startswith(case.name + "-")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conforming_fixture_raises_nothing(case: Path) -> None:
    report = validate(case / "conforming.ttl", reference_date=REFERENCE_DATE)
    assert [(r.shape, r.focus_node, r.message("en")) for r in report.results] == []


VIOLATING = [c for c in CASES if (c / "violating.ttl").is_file()]
CLASS_CASES = [c for c in CASES if c.name.endswith("Shape")]


@pytest.mark.parametrize("case", VIOLATING, ids=[c.name for c in VIOLATING])
def test_violating_fixture_raises_exactly_the_expected_results(case: Path) -> None:
    expected = expected_results(case)
    assert expected, f"{case.name}/expected.ttl lists no result"
    assert any(belongs_to(shape, case) for _, shape, _ in expected)
    report = validate(case / "violating.ttl", reference_date=REFERENCE_DATE)
    assert {(_focus(r.focus_node), r.shape, r.severity) for r in report.results} == expected


def node_shapes_for(instance_of: URIRef) -> set[str]:
    """The class shapes (``…Shape``, not the law rules) that target ``instance_of`` or a superclass of it."""
    shapes, hierarchy = load_shapes(), class_hierarchy()
    classes = set(hierarchy.transitive_objects(instance_of, RDFS.subClassOf))
    return {str(s) for c in classes for s in shapes.subjects(SH.targetClass, c)
            if isinstance(s, URIRef) and str(s).endswith("Shape")}


@pytest.mark.parametrize("case", CLASS_CASES, ids=[c.name for c in CLASS_CASES])
def test_a_blank_node_instance_is_rejected_by_its_class_shapes(case: Path) -> None:
    """Every node the loader writes has an IRI: the conforming instance, made a blank node, breaks exactly the
    node shapes of its class and superclasses (their ``sh:nodeKind sh:IRI``)."""
    graph = Graph().parse(case / "conforming.ttl", format="turtle")
    cls = URIRef(load_shapes().value(URIRef(SHAPES + case.name), SH.targetClass))
    focus = next(s for s in graph.subjects(RDF.type, cls) if str(s).endswith("/f1"))
    blank = BNode()
    for p, o in list(graph.predicate_objects(focus)):
        graph.remove((focus, p, o))
        graph.add((blank, p, o))
    report = validate(graph, reference_date=REFERENCE_DATE)
    assert {(_focus(r.focus_node), r.shape) for r in report.results} == {("_:", s) for s in node_shapes_for(cls)}


def named_shapes() -> set[str]:
    """Every rule and shape with an IRI in the shapes graph (node shapes and property shapes)."""
    shapes = load_shapes()
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    return {str(s) for s in found if isinstance(s, URIRef)}


def test_every_rule_and_shape_has_a_violating_fixture() -> None:
    covered = {shape for case in VIOLATING for _, shape, _ in expected_results(case)}
    covered |= {SHAPES + case.name for case in CLASS_CASES}  # by the blank-node test
    assert sorted(named_shapes() - covered) == []


def test_every_rule_and_node_shape_has_its_own_folder() -> None:
    shapes = load_shapes()
    node_shapes = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    assert sorted(s for s in node_shapes if not (FIXTURES / s.removeprefix(SHAPES)).is_dir()) == []
    assert sorted(c.name for c in CASES if SHAPES + c.name not in node_shapes) == []
