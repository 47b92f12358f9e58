"""The committed sample (data/sample): reproducible from its README's commands, and free of real-looking BSNs."""

from __future__ import annotations

import filecmp
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from inburgering.generate import generate
from inburgering.sources import is_valid_bsn

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def committed_files() -> Iterator[Path]:
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            yield path


def texts(path: Path) -> Iterator[str]:
    if path.suffix in (".sqlite", ".db"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                for row in db.execute(f'SELECT * FROM "{table}"'):
                    yield " ".join("" if v is None else str(v) for v in row)
        db.close()
    else:
        yield path.read_text(encoding="utf-8")


def test_no_nine_digit_number_outside_the_test_range_passes_the_elfproef() -> None:
    checked = 0
    for path in committed_files():
        for text in texts(path):
            for number in NINE_DIGITS.findall(text):
                checked += 1
                assert number.startswith("9999") or not is_valid_bsn(number), f"{path}: {number}"
    assert checked >= 3 * 200  # every person's BSN, in each of the three forms


@pytest.mark.parametrize(("fmt", "name"), [("duo", "duo.jsonl"), ("ggm-sqlite", "ggm.sqlite"), ("ggm-csv", "ggm-csv")])
def test_the_sample_is_exactly_what_its_readme_commands_make(tmp_path: Path, fmt: str, name: str) -> None:
    out = tmp_path / name
    generate(persons=200, seed=1, defects=0.07, format=fmt, out=out)
    assert (tmp_path / "defects.json").read_bytes() == (SAMPLE / "defects.json").read_bytes()
    if fmt == "ggm-csv":
        match, mismatch, errors = filecmp.cmpfiles(SAMPLE / name, out, [p.name for p in out.iterdir()], shallow=False)
        assert (mismatch, errors) == ([], []) and len(match) == len(list((SAMPLE / name).iterdir()))
    elif fmt == "ggm-sqlite":  # by content: the file's bytes may differ between SQLite versions
        assert list(texts(out)) == list(texts(SAMPLE / name))
    else:
        assert out.read_bytes() == (SAMPLE / name).read_bytes()
