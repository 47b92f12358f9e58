"""The committed Turtle agrees with the curated source tables it is generated from."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from inburgering.model.generate import GENERATED, concepts_graph, load_model, ontology_graph


@pytest.mark.parametrize("filename", sorted(GENERATED))
def test_committed_turtle_is_what_the_tables_generate(ontology_dir: Path, filename: str) -> None:
    model = load_model(ontology_dir / "source")
    expected = ontology_graph(model) if GENERATED[filename] == "ontology" else concepts_graph(model)
    committed = Graph().parse(ontology_dir / filename, format="turtle")
    if not isomorphic(expected, committed):
        _, only_expected, only_committed = graph_diff(to_isomorphic(expected), to_isomorphic(committed))
        pytest.fail(f"{filename} is stale; run `inburgering model generate`. "
                    f"{len(only_expected)} triples missing, {len(only_committed)} extra, e.g. "
                    f"{sorted(only_expected)[:2]} / {sorted(only_committed)[:2]}")
