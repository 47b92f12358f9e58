"""Nothing lost from a GGM source: every column is published or deliberately, visibly not published.

The check is computed from the mapping (``Mapping.columns_read``) and the DDL model, never from a hand-kept list
of columns; the only hand-kept list is the mapping's own ``not_published`` section, each entry with its reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from loader_helpers import BASE, KEY
from pyoxigraph import QuerySolutions

from inburgering.loader import load
from inburgering.loader.ggm_inputs import column_check, ggm_person_inputs
from inburgering.loader.rejects import read_rejects
from inburgering.mapping import MAPPINGS_DIR, builtin_mapping, load_mapping
from inburgering.namespaces import inb
from inburgering.settings import Settings
from inburgering.sources.ggm_model import Column, GgmModel, Table, ggm_model
from inburgering.store import open_store
from inburgering.store.publication import published_graphs

CASES = Path(__file__).resolve().parents[1] / "cases"
SETTINGS = Settings(base_iri=BASE)


def test_every_column_of_every_ggm_table_is_read_or_listed_as_not_published() -> None:
    check = column_check(builtin_mapping("ggm"), ggm_model())
    assert check.unread == {}
    # The list holds only the documented deliberate omissions (docs/mapping.md), each with a reason.
    assert {entry.field for entry in builtin_mapping("ggm").not_published} == {
        f"{t}.{c}" for t, cols in check.listed.items() for c in cols}


def test_the_not_published_list_names_real_columns_the_mapping_does_not_read() -> None:
    mapping, model = builtin_mapping("ggm"), ggm_model()
    for entry in mapping.not_published:
        table, column = entry.field.split(".")
        assert column in model.tables[table].columns, entry.field
        assert (table, column) not in mapping.columns_read(), f"{entry.field} is read and listed as not published"
        assert len(entry.reason) > 20 and entry.unless is None, entry.field


def test_a_column_or_table_added_to_the_ddl_without_a_mapping_fails_the_check() -> None:
    model = ggm_model()
    werk = model.tables["werk"]
    wider = Table(werk.name, werk.ggm_name, {**werk.columns, "hobby": Column("hobby", "text")})
    extra = Table("sport", "Sport", {"id": Column("id", "integer", pk=True), "soort": Column("soort", "text"),
                                     "inburgeraar_id": Column("inburgeraar_id", "integer", references="inburgeraar")})
    changed = GgmModel({**model.tables, "werk": wider, "sport": extra})
    assert column_check(builtin_mapping("ggm"), changed).unread == {"werk": ("hobby",), "sport": ("soort",)}


def _mapping_without(tmp_path: Path, line: str) -> Path:
    text = (MAPPINGS_DIR / "ggm.yaml").read_text(encoding="utf-8")
    assert line in text
    path = tmp_path / "ggm.yaml"
    path.write_text(text.replace(line, ""), encoding="utf-8")
    return path


def test_a_value_in_a_column_the_mapping_does_not_read_is_reported_with_file_row_field_and_value(
        tmp_path: Path) -> None:
    mapping = load_mapping(_mapping_without(tmp_path, "      - {property: ambitie, field: ambitie}\n"))
    assert column_check(mapping, ggm_model()).unread == {"werk": ("ambitie",)}
    folder = tmp_path / "csv"
    shutil.copytree(CASES / "ggm-asielstatushouder-gegevens" / "input", folder)
    [person] = list(ggm_person_inputs(str(folder), "ggm-csv", mapping=mapping))
    assert not person.orphan and not person.problems
    [problem] = person.unpublished
    assert Path(problem.file).name == "werk.csv" and problem.record == "line 2"
    assert (problem.field, problem.value) == ("werk.ambitie", "Kok worden")
    assert "not read by the GGM mapping" in problem.reason


def test_listed_columns_are_counted_in_the_load_report_and_never_written(tmp_path: Path) -> None:
    store = open_store("memory:")
    report = load([CASES / "ggm-asielstatushouder-gegevens" / "input"], settings=SETTINGS, key=KEY,
                  rejects_path=tmp_path / "r.jsonl", store=store)
    assert (report.persons_published, report.values_not_published, report.exit_code) == (1, 0, 0)
    assert report.deliberately_not_published == {
        "natuurlijk_persoon.geslachtsaanduiding": 1, "asielstatushouder.telefoonnummer_verblijf_azc": 1,
        "asielstatushouder.emailadres_verblijf_azc": 1, "vreemdeling.sociaal_referent": 1,
        "inburgeraar.doelgroep": 1, "educatie.educatie_land": 1}
    assert report.to_dict()["deliberately_not_published"]["natuurlijk_persoon.geslachtsaanduiding"] == 1
    assert "not published by design" in report.format_text()
    assert read_rejects(tmp_path / "r.jsonl") == []
    result = store.query("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert isinstance(result, QuerySolutions)
    values = {row["o"].value for row in result}
    assert "Kok worden" in values  # the published values are there; the listed ones are not
    assert not values & {"0612345678", "a.b@example.org", "REF1234", "V", "3"}


@pytest.mark.parametrize("case", ["ggm-asielstatushouder-gegevens", "ggm-doelen-subdoelen", "ggm-traject-details"])
def test_the_shapes_accept_what_the_ggm_mapping_writes_for_every_table(case: str, tmp_path: Path) -> None:
    store = open_store("memory:")
    report = load([CASES / case / "input"], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl",
                  store=store)
    assert (report.persons_published, report.violations) == (1, 0), (tmp_path / "r.jsonl").read_text()
    graphs = published_graphs(store, base=BASE, special=True)
    result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{inb('Inburgeraar')}> }}", default_graph=graphs)
    assert isinstance(result, QuerySolutions) and int(next(result)["n"].value) == 1


def test_the_load_writes_a_lost_value_to_the_rejects_and_still_publishes_the_person(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inburgering.loader import ggm_inputs

    mapping = load_mapping(_mapping_without(tmp_path, "      - {property: ambitie, field: ambitie}\n"))
    monkeypatch.setattr(ggm_inputs, "builtin_mapping", lambda kind: mapping)  # a steward's edited mapping
    report = load([CASES / "ggm-asielstatushouder-gegevens" / "input"], settings=SETTINGS, key=KEY,
                  rejects_path=tmp_path / "r.jsonl", store=open_store("memory:"))
    assert (report.persons_published, report.values_not_published, report.exit_code) == (1, 1, 1)
    [reject] = read_rejects(tmp_path / "r.jsonl")
    assert (reject["field"], reject["value"], reject["stage"], reject["record"]) == (
        "werk.ambitie", "Kok worden", "mapping", "line 2")
    assert reject["source"].endswith("werk.csv")
