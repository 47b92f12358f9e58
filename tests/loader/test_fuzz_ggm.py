"""Fuzzing the loader, GGM side (issue 13): a small generated GGM database, mutated cell by cell (wrong types,
BLOBs, huge numbers, odd Unicode, invalid UTF-8, very long text, invalid dates and BSNs, the same person twice,
rows whose parent is gone), loaded as SQLite and as a CSV export that is itself mutated (BOM, CRLF, ``;``,
Windows-1252, NUL bytes, huge cells, ragged rows), through the real loader on the embedded store.

What must hold: the load either refuses the source as a whole with a ``SourceError`` naming the file (a CSV
file that cannot be read as a table: docs/sources.md) and publishes nothing, or every person row is published
or rejected, the report's counts add up, every reject names file, record, field and reason, and the store
holds exactly the published persons. No other exception, ever.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loader_fuzz import BAD_BSNS, BAD_DATES, HUGE, ODD_CHARS, fuzz_settings, store_persons
from loader_helpers import BASE, KEY

from inburgering.errors import SourceError
from inburgering.generate import generate
from inburgering.loader import load
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.loader.rejects import read_rejects
from inburgering.namespaces import thing_iri
from inburgering.settings import Settings
from inburgering.sources.ggm_model import PERSON_TABLE, ggm_model
from inburgering.store import open_store

_MODEL = ggm_model()


@pytest.fixture(scope="module")
def ggm_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight generated persons without defects: what the mutations start from."""
    path = tmp_path_factory.mktemp("ggm-fuzz") / "ggm.sqlite"
    generate(persons=8, seed=13, defects=0.0, format="ggm-sqlite", out=path)
    return path


def _cells(db: sqlite3.Connection) -> list[tuple[str, int, str]]:
    """(table, id, column) of every cell that may be changed (``id`` is SQLite's rowid: integers only)."""
    out = []
    for name, table in _MODEL.tables.items():
        present = {r[1] for r in db.execute(f'PRAGMA table_info("{name}")')}
        ids = [r[0] for r in db.execute(f'SELECT id FROM "{name}" ORDER BY id')] if present else []
        out += [(name, i, c) for i in ids for c in table.columns if c != "id" and c in present]
    return out


def _value(draw: st.DrawFn, column: str) -> Any:
    kind = draw(st.sampled_from(("type", "huge", "odd", "long", "date", "bsn", "blob", "not-utf8", "null")))
    if kind == "type":
        return draw(st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.text(max_size=6),
                              st.booleans()))
    if kind == "huge":
        return draw(st.sampled_from([h for h in HUGE if not isinstance(h, int) or abs(h) < 2**63]))
    if kind == "odd":
        return "".join(draw(st.lists(st.sampled_from([c for c in ODD_CHARS if not "\ud800" <= c <= "\udfff"]),
                                     min_size=1, max_size=4)))
    if kind == "long":
        return "é" * draw(st.sampled_from((300, 200_000)))
    if kind == "date":
        return draw(st.sampled_from(BAD_DATES))
    if kind == "bsn":
        return draw(st.sampled_from([b for b in BAD_BSNS if b is not None]))
    if kind == "blob":
        return draw(st.binary(max_size=6))
    if kind == "not-utf8":
        return _NOT_UTF8
    return None


_NOT_UTF8 = object()


@st.composite
def ggm_mutations(draw: st.DrawFn, cells: list[tuple[str, int, str]], persons: list[tuple[int, str]]) -> list[Any]:
    """One to six changes: a cell set, a row deleted, a person copied under a new id (the same BSN twice)."""
    changes: list[Any] = []
    for _ in range(draw(st.integers(1, 6))):
        what = draw(st.sampled_from(("cell", "cell", "cell", "delete", "same-person")))
        if what == "cell":
            table, key, column = draw(st.sampled_from(cells))
            changes.append(("cell", table, key, column, _value(draw, column)))
        elif what == "delete":
            table, key, _ = draw(st.sampled_from(cells))
            changes.append(("delete", table, key))
        else:
            changes.append(("same-person", draw(st.sampled_from(persons))[1]))
    return changes


def _apply(db: sqlite3.Connection, changes: list[Any]) -> None:
    for change in changes:
        if change[0] == "cell":
            _, table, key, column, value = change
            if value is _NOT_UTF8:
                db.execute(f'UPDATE "{table}" SET "{column}" = CAST(X\'C3BDFF\' AS TEXT) WHERE id = ?', (key,))
            else:
                try:
                    db.execute(f'UPDATE "{table}" SET "{column}" = ? WHERE id = ?', (value, key))
                except sqlite3.IntegrityError:  # NOT NULL: a real GGM database cannot hold it either
                    pass
        elif change[0] == "delete":
            db.execute(f'DELETE FROM "{change[1]}" WHERE id = ?', (change[2],))
        else:
            _copy_person(db, change[1])


def _copy_person(db: sqlite3.Connection, bsn: str) -> None:
    """The person with ``bsn`` once more under a new id, with the rows that share the person's key."""
    new = db.execute(f"SELECT MAX(id) + 1 FROM {PERSON_TABLE}").fetchone()[0]
    old = db.execute(f"SELECT id FROM {PERSON_TABLE} WHERE bsn = ?", (bsn,)).fetchone()
    if old is None:  # changed meanwhile
        return
    for table in (PERSON_TABLE, "vreemdeling", "inburgeraar", "asielstatushouder", "gezinsmigrant_en_overige_migrant"):
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")') if r[1] != "id"]
        names = ", ".join(f'"{c}"' for c in columns)
        db.execute(f'INSERT INTO "{table}" (id{", " if columns else ""}{names}) '
                   f'SELECT ?{", " if columns else ""}{names} FROM "{table}" WHERE id = ?', (new, old[0]))


def _export_csv(db: sqlite3.Connection, folder: Path, style: dict[str, Any]) -> None:
    """Every table as ``<table>.csv``, written as ``style`` says (encoding, delimiter, line end, damage)."""
    folder.mkdir()
    for name in _MODEL.tables:
        present = [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]
        if not present:
            continue
        out = io.StringIO()
        writer = csv.writer(out, delimiter=style["delimiter"], lineterminator=style["end"])
        writer.writerow(present)
        for row in db.execute(f'SELECT {", ".join(present)} FROM "{name}"'):
            writer.writerow(["" if v is None else v.hex() if isinstance(v, bytes) else v for v in row])
        text = out.getvalue()
        if style["damage"] and name == style["damage_table"]:
            text = _damage(text, style["damage"])
        data = text.encode(style["encoding"], errors="replace")
        (folder / f"{name}.csv").write_bytes((b"\xef\xbb\xbf" if style["bom"] else b"") + data)


def _damage(text: str, how: str) -> str:
    if how == "nul":
        return text.replace(",", ",\x00", 1)
    if how == "huge-cell":
        lines = text.split("\n", 2)
        return lines[0] + "\n" + "9" * 200_000 + lines[1][lines[1].find(","):] + "\n" + "".join(lines[2:])
    if how == "ragged":
        return text + "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20\n"
    if how == "open-quote":
        return text + '"unterminated,'
    return text


csv_styles = st.fixed_dictionaries({
    "encoding": st.sampled_from(("utf-8", "cp1252")), "delimiter": st.sampled_from((",", ";")),
    "end": st.sampled_from(("\n", "\r\n")), "bom": st.booleans(),
    "damage": st.sampled_from((None, None, "nul", "huge-cell", "ragged", "open-quote")),
    "damage_table": st.sampled_from(("natuurlijk_persoon", "pip", "inburgeraar")),
})


def _as_text(value: Any) -> str | None:
    """A BSN cell as the reader sees it: text, or a number as text; ``None`` for bytes that are not UTF-8."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None if value is None else str(value)


def _check(folder: Path, persons: list[tuple[int, Any]], refused: SourceError | None) -> None:
    store = open_store(str(folder / "store"))
    try:
        found = store_persons(store)
    finally:
        store.close()
    if refused is not None:  # the source as a whole: named, and nothing of it published
        assert refused.file and str(folder) in refused.file, refused
        assert not found
        return
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["persons_read"] == len(persons), (report, persons)
    assert report["persons_read"] == report["persons_published"] + report["persons_rejected"]
    assert len(found) == report["persons_published"]
    pseudonymiser = Pseudonymiser(KEY)
    candidates = {thing_iri(BASE, "persoon", pseudonymiser.bsn(b)) for _, b in persons if isinstance(b, str)}
    assert found <= candidates
    for entry in read_rejects(folder / "r.jsonl"):
        assert entry["reason"] and entry["record"] and entry["source"], entry
        assert entry["field"] or entry["stage"] == "shacl", entry
    assert read_rejects(folder / "r.jsonl") or report["persons_rejected"] == 0


@fuzz_settings(6)
@given(data=st.data())
def test_fuzzed_ggm_database_and_csv_export(ggm_base: Path, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-ggm-") as tmp:
        folder = Path(tmp)
        database = folder / "ggm.sqlite"
        shutil.copy(ggm_base, database)
        with sqlite3.connect(database) as db:
            persons = list(db.execute(f"SELECT id, bsn FROM {PERSON_TABLE}"))
            _apply(db, data.draw(ggm_mutations(_cells(db), persons), label="changes"))
            db.text_factory = bytes  # a BSN that is no longer UTF-8 text is no candidate person below
            persons = list(db.execute(f"SELECT id, bsn FROM {PERSON_TABLE}"))
            persons = [(i, _as_text(b)) for i, b in persons]
            as_csv = data.draw(st.booleans(), label="as CSV")
            if as_csv:  # text that is not UTF-8 is exported as U+FFFD: a CSV file holds text
                db.text_factory = lambda b: b.decode("utf-8", "replace")
                _export_csv(db, folder / "csv", data.draw(csv_styles, label="CSV style"))
        db.close()
        source = folder / "csv" if as_csv else database
        settings = Settings(base_iri=BASE, store=str(folder / "store"))
        refused = None
        try:
            report = load([source], settings=settings, key=KEY, rejects_path=folder / "r.jsonl")
            (folder / "report.json").write_text(json.dumps(report.to_dict(), default=str), encoding="utf-8")
        except SourceError as exc:
            refused = exc
        _check(folder, persons, refused)
