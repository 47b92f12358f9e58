"""What the loader writes fits the model: the golden outputs of the mapping tests (tests/cases/*/expected*.ttl)
use only defined terms, a literal only for a datatype property (of the range's datatype) and an IRI only for an
object property, and a concept of the right scheme where the range is a scheme."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from inburgering import namespaces as ns

CASES = Path(__file__).resolve().parents[1] / "cases"
STRING = URIRef(ns.XSD + "string")


def _golden() -> list[Path]:
    return sorted(CASES.glob("*/expected*.ttl"))


def _expected_datatype(model: Graph, rng: URIRef) -> URIRef:
    """The literal datatype a range asks for (``inb:AN200`` etc. are restricted strings)."""
    return STRING if (rng, OWL.equivalentClass, None) in model else rng


def _problems(model: Graph, data: Graph) -> list[str]:
    problems = []
    for s, p, o in sorted(data):
        if not str(p).startswith(ns.VOCAB):
            continue
        if (p, RDF.type, OWL.DatatypeProperty) in model:
            rng = model.value(p, RDFS.range)
            if not isinstance(o, Literal):
                problems.append(f"{p}: an IRI or node for a datatype property")
            elif isinstance(rng, URIRef) and (o.datatype or STRING) != _expected_datatype(model, rng):
                problems.append(f"{p}: {o.datatype} literal, range {rng}")
        elif (p, RDF.type, OWL.ObjectProperty) in model:
            if isinstance(o, Literal):
                problems.append(f"{p}: a literal for an object property")
            scheme = next((model.value(r, OWL.hasValue) for r in model.objects(p, RDFS.range)
                           if (r, OWL.onProperty, SKOS.inScheme) in model), None)
            if scheme is not None and (o, SKOS.inScheme, scheme) not in model:
                problems.append(f"{p}: {o} is not a concept of {scheme}")
        else:
            problems.append(f"{p}: not defined in the ontology")
    for cls in set(data.objects(None, RDF.type)):
        if str(cls).startswith(ns.VOCAB) and (cls, RDF.type, OWL.Class) not in model:
            problems.append(f"{cls}: not a class of the ontology")
    return problems


def test_there_are_golden_outputs_to_check() -> None:
    assert len(_golden()) >= 10, f"no golden mapping outputs under {CASES}"


@pytest.mark.parametrize("path", _golden(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_output_uses_the_model_as_defined(model_graph: Graph, path: Path) -> None:
    assert _problems(model_graph, Graph().parse(path, format="turtle")) == []
