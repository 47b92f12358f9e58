"""The committed sample (``data/sample``, made by ``inburgering generate``), mapped by the loader without validation,
gives exactly the defects the generator injected: each shacl-stage defect's rule fires on that person's nodes,
and nothing else fires, in every source form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inburgering.cli import main
from inburgering.loader.pseudonym import PSEUDONYM_HEX, Pseudonymiser
from inburgering.validation import validate

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
#: The generator's reference date for the sample (data/sample/README.md).
REFERENCE_DATE = "2026-11-01"
KEY = b"sample-validation-test-key"


def person_of(iri: str) -> str:
    """``{base}/id/{type}/{pseudonym}`` or ``…/{pseudonym}-{local key}``: every node names its person."""
    return iri.rstrip("/").rsplit("/", 1)[-1][:PSEUDONYM_HEX]


@pytest.mark.parametrize("source", ["duo.jsonl", "ggm.sqlite", "ggm-csv"])
def test_the_sample_gives_exactly_the_injected_defects(source: str, tmp_path: Path) -> None:
    if not (SAMPLE / "defects.json").is_file():
        pytest.fail(f"the sample data is missing at {SAMPLE}")
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY)
    mapped = tmp_path / "mapped.nt"
    code = main(["map", "--key-file", str(key_file), "--out", str(mapped), "--rejects", str(tmp_path / "rej.jsonl"),
                 str(SAMPLE / source)])
    assert code in (0, 1) and mapped.is_file()  # 1: the source-stage defects were rejected by the reader
    pseudonym = Pseudonymiser(KEY).bsn
    defects = json.loads((SAMPLE / "defects.json").read_text(encoding="utf-8"))
    expected = {(pseudonym(d["bsn"]), d["rule"]) for d in defects if d["stage"] == "shacl"}
    report = validate(mapped, reference_date=REFERENCE_DATE)
    found = {(person_of(r.focus_node), r.shape) for r in report.results}
    assert found == expected
    assert len(expected) == 10 and not report.conforms
