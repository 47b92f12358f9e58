"""``validate()``: the same answer whatever form the data comes in, an explicit reference date, the caller's data
left alone, messages in the chosen language, clear errors for bad arguments."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef

from inburgering.errors import UsageError
from inburgering.validation import CONTEXT, validate

FIXTURES = Path(__file__).resolve().parents[1] / "shapes"
REFERENCE_DATE = "2026-01-01"
PIP_CASE = FIXTURES / "PipNietVoorBeginPlicht" / "violating.ttl"
FUTURE_CASE = FIXTURES / "MapDatumNietInToekomst"
EXPECTED = {("https://data.example.org/id/pip/p1-1", "https://w3id.org/inburgering/shapes/PipNietVoorBeginPlicht")}


def keys(report: object) -> set[tuple[str, str]]:
    return {(r.focus_node, r.shape) for r in report.results}  # type: ignore[attr-defined]


def oxigraph_store(path: Path, graph: str | None = None) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph) if graph else None)
    return store


def test_a_file_path_an_rdflib_graph_and_a_dataset_give_the_same_results() -> None:
    graph = Graph().parse(PIP_CASE, format="turtle")
    dataset = Dataset()
    dataset.graph(URIRef("https://example.org/g")).parse(PIP_CASE, format="turtle")
    for data in (PIP_CASE, str(PIP_CASE), [PIP_CASE], graph, dataset):
        assert keys(validate(data, reference_date=REFERENCE_DATE)) == EXPECTED, type(data)


def test_a_pyoxigraph_store_its_quads_and_one_named_graph_give_the_same_results() -> None:
    store = oxigraph_store(PIP_CASE, "https://example.org/new-load")
    assert keys(validate(store, reference_date=REFERENCE_DATE)) == EXPECTED
    assert keys(validate(list(store), reference_date=REFERENCE_DATE)) == EXPECTED
    assert keys(validate(store, graphs=["https://example.org/new-load"], reference_date=REFERENCE_DATE)) == EXPECTED
    assert validate(store, graphs=["https://example.org/other"], reference_date=REFERENCE_DATE).results == []


def test_a_project_store_is_read_through_its_graphs(store) -> None:  # type: ignore[no-untyped-def]
    store.load(PIP_CASE.read_bytes(), format=ox.RdfFormat.TURTLE, graph="https://example.org/load-1")
    report = validate(store, graphs=["https://example.org/load-1"], reference_date=REFERENCE_DATE)
    assert keys(report) == EXPECTED


def test_the_reference_date_decides_what_lies_in_the_future() -> None:
    violating = FUTURE_CASE / "violating.ttl"  # a MAP date of 2026-01-02
    assert keys(validate(violating, reference_date="2026-01-01")) == {
        ("https://data.example.org/id/map/p1-actueel", "https://w3id.org/inburgering/shapes/MapDatumNietInToekomst")}
    assert validate(violating, reference_date="2026-01-02").results == []
    assert validate(violating, reference_date="2026-01-02").reference_date == "2026-01-02"


def test_the_callers_graph_is_not_changed() -> None:
    graph = Graph().parse(PIP_CASE, format="turtle")
    before = len(graph)
    validate(graph, reference_date=REFERENCE_DATE)
    assert len(graph) == before and (CONTEXT, None, None) not in graph


def test_messages_come_in_the_chosen_language_and_the_report_groups_by_rule() -> None:
    report = validate(PIP_CASE, reference_date=REFERENCE_DATE, lang="en")
    [result] = report.results
    assert result.message("en").startswith("The PIP date (2023-02-28)")
    assert result.message("nl").startswith("De dagtekening van het PIP (2023-02-28)")
    assert not report.conforms and report.violations == [result] and report.warnings == []
    assert list(report.by_shape()) == ["https://w3id.org/inburgering/shapes/PipNietVoorBeginPlicht"]
    assert report.summary()["results"][0]["message"].startswith("The PIP date")


def test_warnings_alone_conform() -> None:
    report = validate(FIXTURES / "TermijnNaVerlenging" / "violating.ttl", reference_date=REFERENCE_DATE)
    assert report.conforms and len(report.warnings) == 1 and report.violations == []


@pytest.mark.parametrize("kwargs", [{"reference_date": "25-11-2026"}, {"lang": "de"}])
def test_bad_arguments_are_usage_errors(kwargs: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        validate(Graph(), **kwargs)  # type: ignore[arg-type]
