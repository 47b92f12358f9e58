"""The DUO bundle reader: good lines become records, bad lines come back with problems naming file, line, field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inburgering.sources import DuoRecord, DuoReject, read_duo_bundle
from inburgering.sources.openapi import RESOURCES

GOOD: dict[str, Any] = {
    "bsn": "999990019",
    "gemeente": "GM0363",
    "inburgeringsplicht": {"indicatorInburgeringsplicht": True, "begindatum": "2023-03-01",
                           "datumKennisgevingInburgeringsplicht": "2023-03-05"},
    "doelgroep": {"indeling": "Asielstatushouder", "begindatum": "2023-03-01",
                  "gedetailleerdeDoelgroep": "Asielstatushouder"},
    "pip": {"gemeentecode": "0363", "pip": {"dagtekeningPip": "2023-04-20", "leerroute": "B", "niveau": "B1",
                                            "geschatteIntensiteitB1Route": 600,
                                            "indicatorAlfabetiseringsonderwijs": "NVT"}},
    "inburgeringstermijn": {"startdatum": "2023-04-21", "einddatum": "2026-04-21"},
    "examenresultaten": [{"examendatum": "2024-01-10", "resultaat": "Geen", "redenGeenResultaat": "Absent",
                          "onderdeel": "KNM", "niveau": "B1"}],
    "leerbaarheidstoetsResultaten": [{"resultaat": "B1-route haalbaar", "behaaldeScore": "7,50",
                                      "benodigdeScore": "5,00", "datumAfname": "2023-04-01"}],
    "inburgeringsaanbod": {"1234567890": {"indicatorAlfabetiseringsonderwijs": "NVT",
                                          "datumInburgeringsaanbod": "2023-05-01"}},
    "map": {"datumEindgesprekMap": "2024-06-01", "verwijtbaar": "Nee"},
    "zroute": {},
}


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "bundle.jsonl"
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def only(path: Path) -> DuoRecord | DuoReject:
    (result,) = list(read_duo_bundle(path))
    return result


def test_a_good_line_becomes_a_record_with_its_resources(tmp_path: Path) -> None:
    record = only(write(tmp_path, GOOD))
    assert isinstance(record, DuoRecord)
    assert (record.line, record.bsn, record.gemeente) == (1, "999990019", "GM0363")
    assert set(record.resources) == set(GOOD) - {"bsn", "gemeente"}
    assert record.resources["pip"]["pip"]["leerroute"] == "B"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"bsn": "999990018"}, "bsn", "elfproef"),
        ({"bsn": "12345"}, "bsn", "not 9 digits"),
        ({"gemeente": "0363"}, "gemeente", "expected GM followed by 4 digits"),
        ({"pipje": {}}, "pipje", "unknown resource (see docs/sources.md)"),
        ({"map": {"datumEindgesprekMap": "2023-02-30"}}, "map.datumEindgesprekMap", "not a valid date (YYYY-MM-DD)"),
        ({"map": {"datumEindgesprekMap": "20230201"}}, "map.datumEindgesprekMap", "not a valid date (YYYY-MM-DD)"),
        ({"pip": {"gemeentecode": "0363", "pip": {"dagtekeningPip": "2023-04-20", "leerroute": "X"}}},
         "pip.pip.leerroute", "not one of B, O, Z"),
        ({"leerbaarheidstoetsResultaten": [{"resultaat": "Onbekend", "behaaldeScore": "7.5", "benodigdeScore": "5,00",
                                            "datumAfname": "2023-04-01"}]},
         "leerbaarheidstoetsResultaten[0].behaaldeScore",
         "does not match DUO's pattern ^(\\d{1,3}\\,\\d{2})$ (the whole value, ASCII digits)"),
        ({"inburgeringstermijn": {"startdatum": "2023-04-21"}}, "inburgeringstermijn.einddatum",
         "required field missing"),
        ({"map": {"datumEindgesprekMap": "2024-06-01", "datumEindgesprekMAP": "2024-06-01"}},
         "map.datumEindgesprekMAP", "unknown field"),
        ({"examenresultaten": [{"examendatum": "2024-01-10", "resultaat": "Geen", "onderdeel": "KNM",
                                "niveau": "C1"}]}, "examenresultaten[0].niveau", "not one of A2, B1, B2"),
        ({"inburgeringsaanbod": {"12": {"indicatorAlfabetiseringsonderwijs": "NVT"}}}, "inburgeringsaanbod.12",
         "key: length must be at least 10"),
    ],
)
def test_each_problem_names_file_line_field_and_reason(tmp_path: Path, change: dict[str, Any], field: str,
                                                       reason: str) -> None:
    path = write(tmp_path, GOOD, {**GOOD, **change})
    first, second = read_duo_bundle(path)
    assert isinstance(first, DuoRecord)
    assert isinstance(second, DuoReject)
    assert [(p.file, p.record, p.field, p.reason) for p in second.problems] == [(str(path), "line 2", field, reason)]
    assert str(second.problems[0].to_error()).startswith(f"{path}, line 2, field {field}: {reason}")


@pytest.mark.parametrize("change", [
    {"examennummer": {"examennummer": "LBT123456789"}},
    {"leerbaarheidstoetsResultaten": [{**GOOD["leerbaarheidstoetsResultaten"][0], "examennummer": "LBT123456789"}]},
])
def test_duos_lbt_examennummer_is_refused_and_its_value_kept_out_of_the_report(tmp_path: Path,
                                                                             change: dict[str, Any]) -> None:
    reject = only(write(tmp_path, {**GOOD, **change}))
    assert isinstance(reject, DuoReject)
    [problem] = reject.problems
    assert problem.field in ("examennummer", "leerbaarheidstoetsResultaten[0].examennummer")
    assert problem.value is None and "identifies the person's exam registration" in problem.reason


def test_bad_json_and_non_objects_are_rejected_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"bsn": "999990019",', "[1, 2]", "", GOOD)
    results = list(read_duo_bundle(path))
    assert [(type(r).__name__, r.line) for r in results] == [("DuoReject", 1), ("DuoReject", 2), ("DuoRecord", 4)]
    assert results[0].problems[0].reason.startswith("invalid JSON")  # type: ignore[union-attr]
    assert results[1].problems[0].reason == "expected a JSON object (one person per line)"  # type: ignore[union-attr]


def test_a_line_keeps_all_its_problems(tmp_path: Path) -> None:
    reject = only(write(tmp_path, {**GOOD, "bsn": "999990018", "map": {"datumEindgesprekMap": "2023-13-01"}}))
    assert isinstance(reject, DuoReject)
    assert reject.bsn == "999990018"
    assert {p.field for p in reject.problems} == {"bsn", "map.datumEindgesprekMap"}


def test_a_byte_order_mark_is_accepted_and_non_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n" + b'{"bsn": "\xe9"}\n')
    first, second = read_duo_bundle(path)
    assert isinstance(first, DuoRecord)
    assert isinstance(second, DuoReject) and second.problems[0].reason.startswith("not UTF-8")


def test_every_resource_key_has_a_schema_that_accepts_an_empty_array_or_a_minimal_body() -> None:
    from inburgering.sources.openapi import resource_schema

    assert len(RESOURCES) == 17
    for key in RESOURCES:
        assert resource_schema(key)["type"] in ("object", "array"), key


def test_a_missing_file_is_a_source_error(tmp_path: Path) -> None:
    from inburgering.errors import SourceError

    with pytest.raises(SourceError, match="cannot open DUO bundle"):
        list(read_duo_bundle(tmp_path / "absent.jsonl"))


def test_the_fast_check_and_the_detailed_validator_agree_on_generated_bodies(tmp_path: Path) -> None:
    """Good bodies pass only the compiled check; it must refuse exactly what the detailed validator refuses."""
    import fastjsonschema

    from inburgering.generate import generate
    from inburgering.sources.duo import fast_check, validator

    out = tmp_path / "g.jsonl"
    generate(persons=300, seed=4, defects=0.3, format="duo", out=out)
    verdicts = set()
    for text in out.read_text(encoding="utf-8").splitlines():
        for key, body in json.loads(text).items():
            if key in RESOURCES:
                try:
                    fast_check(key)(body)
                    fast_ok = True
                except fastjsonschema.JsonSchemaException:
                    fast_ok = False
                assert fast_ok == validator(key).is_valid(body), (key, body)
                verdicts.add(fast_ok)
    assert verdicts == {True, False}


# Regression tests for what fuzzing the loader found (tests/loader/test_fuzz_duo.py); each failed before the fix.
def _reject(tmp_path: Path, raw: bytes) -> DuoReject:
    path = tmp_path / "bundle.jsonl"
    path.write_bytes(raw + b"\n")
    result = only(path)
    assert isinstance(result, DuoReject), result
    return result


def test_a_number_too_long_for_python_is_a_reject_not_a_value_error(tmp_path: Path) -> None:
    reject = _reject(tmp_path, json.dumps(GOOD).encode()[:-1] + b', "uren": ' + b"9" * 5000 + b"}")
    [problem] = reject.problems
    assert (problem.record, problem.field) == ("line 1", None)
    assert problem.reason.startswith("invalid JSON: Exceeds the limit (4300 digits)")


@pytest.mark.parametrize("depth", [13, 990, 100_000])
def test_deep_nesting_is_a_reject_not_a_recursion_error(tmp_path: Path, depth: int) -> None:
    raw = json.dumps(GOOD).encode()[:-1] + b', "uren": ' + b"[" * depth + b"]" * depth + b"}"
    [problem] = _reject(tmp_path, raw).problems
    assert problem.reason.startswith("nested deeper than 12 levels")
    assert problem.field == (None if depth > 900 else "uren" + "[0]" * 12)


def test_a_key_given_twice_is_a_reject_not_the_last_value(tmp_path: Path) -> None:
    """``{"bsn": A, …, "bsn": B}`` was loaded as person B: which person the line is about cannot be told."""
    raw = b'{"bsn": "999900031", ' + json.dumps(GOOD).encode()[1:]
    [problem] = _reject(tmp_path, raw).problems
    assert (problem.field, problem.reason) == ("bsn", "the key 'bsn' appears twice in one object")


def test_a_lone_surrogate_is_a_reject_naming_its_field(tmp_path: Path) -> None:
    """A ``\\ud800`` escape decoded to a string no RDF literal (and no UTF-8 file) can hold."""
    body = {**GOOD, "inburgeringsaanbod": {"12345\\ud800789": {"datumInburgeringsaanbod": "2023-05-01"}}}
    raw = json.dumps(body).encode().replace(b"\\\\ud800", b"\\ud800")
    [problem] = _reject(tmp_path, raw).problems
    assert problem.field == "inburgeringsaanbod.12345\\ud800789"
    assert problem.reason.startswith("not valid Unicode: a lone surrogate")
    value = {**GOOD, "pip": {"gemeentecode": "0363", "pip": {"leerroute": "\ud800"}}}
    [problem] = _reject(tmp_path, json.dumps(value).encode()).problems
    assert problem.field == "pip.pip.leerroute"


@pytest.mark.parametrize("gemeente", ["GM0363\n", "GM\u0660\u0663\u0666\u0663"])
def test_a_gemeente_with_a_final_newline_or_arabic_digits_is_refused(tmp_path: Path, gemeente: str) -> None:
    [problem] = _reject(tmp_path, json.dumps({**GOOD, "gemeente": gemeente}).encode()).problems
    assert (problem.field, problem.reason) == ("gemeente", "expected GM followed by 4 digits")


@pytest.mark.parametrize(("field", "value", "pattern"), [
    ("gemeentecode", "\u0660\u0663\u0666\u0663", "\\d{4}"),
    ("behaaldeScore", "7,50\n", "^(\\d{1,3}\\,\\d{2})$"),
    ("behaaldeScore", "\u0667,\u0665\u0660", "^(\\d{1,3}\\,\\d{2})$"),
])
def test_duo_patterns_match_the_whole_value_in_ascii_digits(tmp_path: Path, field: str, value: str,
                                                            pattern: str) -> None:
    """Python's ``\\d`` took Arabic-Indic digits (JSON Schema's ``\\d`` is ASCII) and ``$`` a final newline."""
    body = json.loads(json.dumps(GOOD))
    if field == "gemeentecode":
        body["pip"]["gemeentecode"] = value
    else:
        body["leerbaarheidstoetsResultaten"][0]["behaaldeScore"] = value
    [problem] = _reject(tmp_path, json.dumps(body).encode()).problems
    assert problem.field.endswith(field)
    assert problem.reason == f"does not match DUO's pattern {pattern} (the whole value, ASCII digits)"


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path: Path, constant: bytes) -> None:
    uren = b'[{"bekendTot": "2024-01-01", "ParticipatieactiviteitenBredeIntake": {"uren": ' + constant + b"}}]"
    raw = json.dumps(GOOD).encode()[:-1] + b', "uren": ' + uren + b"}"
    [problem] = _reject(tmp_path, raw).problems
    assert problem.reason == f"invalid JSON: {constant.decode()} is not a JSON number"


def test_a_byte_order_mark_on_any_line_is_ignored_and_a_bom_alone_is_blank(tmp_path: Path) -> None:
    """Bundles joined with ``cat`` carry a BOM inside; a BOM on a line of its own is no record."""
    path = tmp_path / "joined.jsonl"
    good2 = {**GOOD, "bsn": "999900031"}
    path.write_bytes(b"\xef\xbb\xbf\r\n" + b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\r\n"
                     + b"\xef\xbb\xbf" + json.dumps(good2).encode() + b"\n")
    assert [(type(r).__name__, r.line) for r in read_duo_bundle(path)] == [("DuoRecord", 2), ("DuoRecord", 3)]
