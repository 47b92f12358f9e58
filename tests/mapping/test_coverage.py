"""Nothing lost from DUO bundles: every field of DUO's schemas is read by the mapping or deliberately not published."""

from __future__ import annotations

from pathlib import Path

import pytest

from inburgering.errors import MappingError
from inburgering.mapping import MAPPINGS_DIR, builtin_mapping, load_mapping
from inburgering.mapping.coverage import Guard, duo_guard, unaccounted, unknown
from inburgering.mapping.spec import Mapping
from inburgering.sources.openapi import RESOURCES, field_paths

#: The DUO resources the bundle format carries (issue 4, "Sources").
ISSUE_RESOURCES = ["inburgeringsplicht", "inburgeringsplichtHistorie", "doelgroep", "doelgroepHistorie", "pip",
                   "inburgeringstermijn", "inburgeringstermijnHistorie", "examenresultaten", "gratisPogingen",
                   "leerbaarheidstoetsResultaten", "ontheffingen", "vrijstellingen", "uren", "map", "pvt", "zroute",
                   "inburgeringsaanbod"]
ALL_FIELDS = [f for key in RESOURCES for f in field_paths(key)]


def _edited(tmp_path: Path, old: str, new: str = "") -> Mapping:
    """The packaged DUO mapping with one piece of text replaced (a data steward's edit)."""
    text = (MAPPINGS_DIR / "duo.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "duo.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_mapping(path)


def test_the_bundle_carries_exactly_the_issues_resources() -> None:
    assert sorted(RESOURCES) == sorted(ISSUE_RESOURCES)


def test_the_schemas_give_fields_for_every_resource() -> None:
    assert all(field_paths(key) for key in ISSUE_RESOURCES)
    assert "doelgroepHistorie.einddatum" in ALL_FIELDS and "uren.TaallesEnKnmBredeIntake.uren" in ALL_FIELDS
    assert len(ALL_FIELDS) == len(set(ALL_FIELDS)) >= 75


@pytest.mark.parametrize("key", ISSUE_RESOURCES)
def test_every_field_is_read_or_deliberately_not_published(key: str) -> None:
    assert unaccounted(builtin_mapping("duo"), field_paths(key)) == []


def test_the_mapping_reads_and_lists_only_fields_duo_defines() -> None:
    assert unknown(builtin_mapping("duo"), ALL_FIELDS) == []


def test_a_misspelt_field_in_the_mapping_is_found(tmp_path: Path) -> None:
    mapping = _edited(tmp_path, "field: datumAfname,", "field: datumAfnamen,")
    assert unknown(mapping, ALL_FIELDS) == ["leerbaarheidstoetsResultaten.datumAfnamen"]


def test_every_deliberately_unpublished_field_has_a_reason() -> None:
    listed = builtin_mapping("duo").not_published
    assert {n.field for n in listed} >= {"inburgeringstermijn.verlengingsgrondomschrijving"}
    assert all(len(n.reason) > 20 for n in listed)


def test_a_not_published_entry_without_a_reason_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="not_published map.verwijtbaar, field reason: missing key 'reason'"):
        _edited(tmp_path, "not_published:\n", "not_published:\n  - field: map.verwijtbaar\n")


def test_a_field_neither_read_nor_listed_fails_the_check_and_its_value_is_reported(tmp_path: Path) -> None:
    mapping = _edited(tmp_path, "      - {property: datumAfname, field: datumAfname, as: date}\n")
    assert unaccounted(mapping, field_paths("leerbaarheidstoetsResultaten")) == [
        "leerbaarheidstoetsResultaten.datumAfname"]
    record = {"leerbaarheidstoetsResultaten": [
        {"resultaat": "Onbekend", "behaaldeScore": "1,00", "benodigdeScore": "2,00"},
        {"resultaat": "Onbekend", "behaaldeScore": "1,00", "benodigdeScore": "2,00", "datumAfname": "2024-01-05"}]}
    [problem] = duo_guard(mapping).unpublished(record, file="b.jsonl", record="line 7")
    assert (problem.file, problem.record, problem.field, problem.value) == (
        "b.jsonl", "line 7", "leerbaarheidstoetsResultaten[1].datumAfname", "2024-01-05")
    assert "does not read this field" in problem.reason
    assert duo_guard(builtin_mapping("duo")).unpublished(record, file="b.jsonl", record="line 7") == []


def test_a_value_read_only_under_a_condition_that_does_not_hold_is_reported() -> None:
    guard = duo_guard(builtin_mapping("duo"))
    # The Z-route completion date goes on the learning route of the PIP: without a PIP it has nowhere to go.
    zroute = {"zroute": {"datumAfrondingZroute": "2025-01-01"}}
    [problem] = guard.unpublished(zroute, file="b.jsonl", record="line 1")
    assert problem.field == "zroute.datumAfrondingZroute" and "entity leerroute" in problem.reason
    with_pip = {**zroute, "pip": {"gemeentecode": "0363", "pip": {"leerroute": "Z"}}}
    assert guard.unpublished(with_pip, file="b.jsonl", record="line 1") == []


def test_an_unless_entry_covers_only_the_items_without_that_field(tmp_path: Path) -> None:
    history = {"inburgeringstermijnHistorie": [
        {"einddatum": "2026-01-01", "wijzigingsdatum": "2023-01-02"},
        {"einddatum": "2026-07-01", "wijzigingsdatum": "2025-12-01", "verlengingsgrondcode": "ZIEKTE"}]}
    assert duo_guard(builtin_mapping("duo")).unpublished(history, file="b", record="line 1") == []
    # When the history's extensions are mapped only for another ground, this extension's fields are lost: reported;
    # the entry without a ground stays excused by the not_published list.
    mapping = _edited(tmp_path, "for_each: inburgeringstermijnHistorie\n    when: verlengingsgrondcode\n",
                      "for_each: inburgeringstermijnHistorie\n    when: {field: verlengingsgrondcode, in: [ALFA]}\n")
    found = Guard(mapping, field_paths("inburgeringstermijnHistorie")).unpublished(history, file="b", record="line 1")
    assert sorted(p.field for p in found) == ["inburgeringstermijnHistorie[1].einddatum",
                                             "inburgeringstermijnHistorie[1].verlengingsgrondcode",
                                             "inburgeringstermijnHistorie[1].wijzigingsdatum"]
