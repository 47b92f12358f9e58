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
