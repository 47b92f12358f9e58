"""A folder of GGM CSV files (one per table) read through a temporary SQLite copy, so it groups like a database.

Encoding: UTF-8 with or without BOM; a file that is not UTF-8 but decodes as Windows-1252 without control
characters is converted (and reported in ``GgmSource.encodings``); anything else is refused with the file and
byte offset. Files are streamed (never read whole). Cells are imported as text with SQLite's type affinity, then checked like database values.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from inburgering.errors import SourceError
from inburgering.sources.ggm import GgmSource
from inburgering.sources.ggm_model import ggm_model

_AFFINITY = {"integer": "INTEGER", "real": "REAL", "date": "TEXT", "boolean": "TEXT", "text": "TEXT"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_COLUMN = "_line"


_CHUNK = 1 << 20


def _first_utf8_error(path: Path) -> int | None:
    """The byte offset of the first invalid UTF-8 sequence in ``path``, or ``None``; reads in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            pending = len(decoder.getstate()[0])  # bytes of a character cut by the previous chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset - pending + exc.start
            offset += len(chunk)
    pending = len(decoder.getstate()[0])
    return offset - pending if pending else None


def _is_cp1252_text(path: Path) -> bool:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            try:
                if _CONTROL.search(chunk.decode("cp1252")):
                    return False
            except UnicodeDecodeError:
                return False
    return True


def csv_encoding(path: Path) -> str:
    """The encoding to read ``path`` with: ``utf-8``, ``utf-8-sig`` or ``cp1252``; refuses anything else.

    Streams through the file (twice at most): memory does not grow with its size.
    """
    with path.open("rb") as f:
        bom = f.read(3) == b"\xef\xbb\xbf"
    bad = _first_utf8_error(path)
    if bad is None:
        return "utf-8-sig" if bom else "utf-8"
    if _is_cp1252_text(path):
        return "cp1252"
    with path.open("rb") as f:
        f.seek(bad)
        byte = f.read(1)[0]
    raise SourceError(f"neither UTF-8 (byte 0x{byte:02x} at offset {bad}) nor Windows-1252; "
                      "save the file as UTF-8", file=str(path))


def _header(path: Path, table: str, header: list[str]) -> list[str]:
    columns = ggm_model().tables[table].columns
    names = [h.strip() for h in header]
    for name in names:
        if name not in columns:
            raise SourceError(f"column {name!r} is not in table {table} (see ddl/ggm-inburgering.sql)",
                              file=str(path), record="line 1")
    if len(set(names)) != len(names):
        raise SourceError("a column name appears twice in the header", file=str(path), record="line 1")
    if "id" not in names:
        raise SourceError("no id column", file=str(path), record="line 1")
    return names


def _import(db: sqlite3.Connection, path: Path, table: str) -> str:
    """Copy one CSV file into table ``table`` of ``db``; returns the encoding it was read with."""
    encoding = csv_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        first = f.readline()
        if not first.strip():
            raise SourceError("empty file (expected a header row)", file=str(path))
        # Dutch spreadsheet programs write ";" between fields; a header with ";" and no "," is read that way.
        delimiter = ";" if ";" in first and "," not in first else ","
        reader = csv.reader(itertools.chain([first], f), delimiter=delimiter)
        try:
            names = _header(path, table, next(reader))
            _copy_rows(db, path, table, names, reader)
        except csv.Error as exc:  # e.g. a cell over the csv module's field limit (131,072 characters)
            raise SourceError(f"not readable as CSV: {exc}", file=str(path), record=f"line {reader.line_num}") from None
    return encoding


def _copy_rows(db: sqlite3.Connection, path: Path, table: str, names: list[str], reader: Any) -> None:
    types = ggm_model().tables[table].columns
    cols = ", ".join(f'"{n}" {_AFFINITY[types[n].type]}' for n in names)
    db.execute(f'CREATE TABLE "{table}" ({cols}, {LINE_COLUMN} INTEGER)')
    insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * (len(names) + 1))})'
    rows: list[list[Any]] = []
    start = reader.line_num + 1
    for cells in reader:
        if len(cells) != len(names):
            raise SourceError(f"expected {len(names)} fields, found {len(cells)}", file=str(path),
                              record=f"line {start}")
        rows.append([c if c != "" else None for c in cells] + [start])
        start = reader.line_num + 1
        if len(rows) >= 5000:
            db.executemany(insert, rows)
            rows.clear()
    db.executemany(insert, rows)
    duplicate = db.execute(f'SELECT id, COUNT(*) FROM "{table}" WHERE id IS NOT NULL GROUP BY id '
                           f"HAVING COUNT(*) > 1 LIMIT 1").fetchone()
    if duplicate:
        raise SourceError(f"id {duplicate[0]} appears {duplicate[1]} times", file=str(path), record="column id")


def _index(db: sqlite3.Connection, tables: list[str]) -> None:
    for table in tables:
        present = {r[1] for r in db.execute(f'PRAGMA table_info("{table}")')}
        for column in ggm_model().tables[table].columns.values():
            if column.name in present and (column.pk or column.references):
                db.execute(f'CREATE INDEX "ix_{table}_{column.name}" ON "{table}" ("{column.name}")')


def open_csv_folder(folder: Path) -> GgmSource:
    """Open a folder of ``<table>.csv`` files as a :class:`GgmSource` whose locators name the CSV file and line."""
    files = sorted(folder.glob("*.csv"))
    model = ggm_model()
    for path in files:
        if path.stem not in model.tables:
            raise SourceError(f"{path.stem} is not a GGM table (see ddl/ggm-inburgering.sql)", file=str(path))
    workdir = Path(tempfile.mkdtemp(prefix="inburgering-csv-"))
    try:
        db = sqlite3.connect(workdir / "ggm.sqlite")
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")  # a scratch copy: no need to sync
        with db:
            encodings = {p.name: _import(db, p, p.stem) for p in files}
            _index(db, [p.stem for p in files])
        db.close()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise

    def locate(table: str, raw: dict[str, Any]) -> tuple[str, str]:
        return str(folder / f"{table}.csv"), f"line {raw[LINE_COLUMN]}"

    engine = create_engine(f"sqlite:///{workdir / 'ggm.sqlite'}")
    source = GgmSource(engine, str(folder), locate=locate, extra_columns=(LINE_COLUMN,),
                       cleanup=lambda: shutil.rmtree(workdir, ignore_errors=True))
    source.encodings = encodings
    return source
