"""``inburgering generate`` through ``main(argv)``: output and defects.json on success, one line and exit 2 on bad usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inburgering.cli import main


@pytest.mark.parametrize(("fmt", "name"), [("duo", "duo.jsonl"), ("ggm-sqlite", "ggm.sqlite"), ("ggm-csv", "ggm-csv")])
def test_generate_writes_the_output_and_defects_json_beside_it(tmp_path: Path, fmt: str, name: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / name
    code = main(["generate", "--persons", "40", "--seed", "2", "--defects", "0.25", "--format", fmt, "--out", str(out)])
    assert code == 0
    assert out.exists()
    defects = json.loads((tmp_path / "defects.json").read_text(encoding="utf-8"))
    assert len(defects) == 10
    printed = capsys.readouterr().out
    assert "40 persons" in printed and "10 defects" in printed
    if fmt == "ggm-csv":
        assert (out / "natuurlijk_persoon.csv").read_text(encoding="utf-8").count("\n") == 41


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persons", "10000"], "only 9,091 test BSNs exist"),
        (["--persons", "5", "--defects", "1.5"], "not a fraction between 0 and 1"),
        (["--persons", "5", "--reference-date", "2023-01-01"], "--reference-date must be 2024-10-01 or later"),
        (["--persons", "5", "--reference-date", "2023-02-30"], "not a date"),
        (["--persons", "-1"], "--persons must be 0 or more"),
    ],
)
def test_bad_usage_is_one_line_and_exit_code_2(tmp_path: Path, args: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--format", "duo", "--out", str(tmp_path / "x.jsonl"), *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_reuse_bsns_allows_more_persons_than_test_bsns(tmp_path: Path) -> None:
    from inburgering.generate import generate

    out = tmp_path / "many.jsonl"
    report = generate(persons=9100, seed=1, defects=0.0, format="duo", out=out, reuse_bsns=True)
    bsns = [json.loads(line)["bsn"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert report.persons == 9100 and len(set(bsns)) == 9091 and bsns[9091] == bsns[0]


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_parts_hold_distinct_persons_each_in_municipalities_of_their_own(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--persons", "100", "--parts", "3", "--seed", "4", "--defects", "0.1",
                 "--format", "duo", "--out", str(tmp_path / "duo.jsonl")])
    assert code == 0
    assert "100 persons in 3 parts" in capsys.readouterr().out
    parts = [_lines(tmp_path / f"part-{k:02d}" / "duo.jsonl") for k in (1, 2, 3)]
    assert [len(p) for p in parts] == [34, 33, 33]
    for lines in parts:
        assert len({line["bsn"] for line in lines}) == len(lines)  # distinct persons within a part
    gemeenten = [{line["gemeente"] for line in lines} for lines in parts]
    assert gemeenten[0] <= {"GM0363", "GM0599", "GM0518", "GM0344", "GM0772", "GM0855", "GM0014", "GM0034",
                            "GM0758", "GM0268", "GM0503", "GM0193", "GM0200", "GM0153", "GM0392", "GM0080",
                            "GM0307", "GM0796", "GM0935", "GM0202"}
    assert all(g.startswith("GM5") for g in gemeenten[1] | gemeenten[2])
    assert not gemeenten[0] & gemeenten[1] and not gemeenten[1] & gemeenten[2] and not gemeenten[0] & gemeenten[2]
    # the same persons and the same defects as one unsplit generation with this seed (BSNs and codes aside)
    whole = _lines(tmp_path / "whole" / "duo.jsonl") if main(
        ["generate", "--persons", "100", "--seed", "4", "--defects", "0.1", "--format", "duo",
         "--out", str(tmp_path / "whole" / "duo.jsonl")]) == 0 else []
    split = [line for lines in parts for line in lines]
    assert [line["inburgeringsplicht"] for line in split] == [line["inburgeringsplicht"] for line in whole]
    kinds = [d["kind"] for k in (1, 2, 3) for d in json.loads((tmp_path / f"part-{k:02d}" / "defects.json").read_text())]
    assert sorted(kinds) == sorted(d["kind"] for d in json.loads((tmp_path / "whole" / "defects.json").read_text()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persons", "20000", "--parts", "2"], "10,000 per part; use at least --parts 3"),
        (["--persons", "20", "--parts", "0"], "--parts must be between 1 and 250"),
        (["--persons", "20", "--parts", "2", "--reuse-bsns"], "--parts and --reuse-bsns exclude each other"),
    ],
)
def test_bad_parts_are_usage_errors(tmp_path: Path, args: list[str], message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "--format", "duo", "--out", str(tmp_path / "x.jsonl"), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_doctests_of_the_generator_run() -> None:
    import doctest

    from inburgering.generate import run

    result = doctest.testmod(run)
    assert result.attempted >= 2 and result.failed == 0
