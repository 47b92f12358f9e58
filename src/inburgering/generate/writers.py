"""Streaming writers for the three output formats: DUO bundle, GGM SQLite database, GGM CSV folder."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import IO, Any, Protocol

from inburgering.generate.duo_format import to_duo
from inburgering.generate.facts import Person
from inburgering.generate.ggm_format import to_ggm
from inburgering.sources.ggm_model import ddl_text, ggm_model

FORMATS = ("duo", "ggm-sqlite", "ggm-csv")
#: The GGM tables the generator fills (a CSV folder gets exactly these files, with a header even when empty).
GGM_TABLES = ("natuurlijk_persoon", "vreemdeling", "inburgeraar", "asielstatushouder",
              "gezinsmigrant_en_overige_migrant", "inburgeringsplicht", "ontheffing", "vrijstelling",
              "inburgeringstermijn", "aanvraag_verlenging_inburgeringstermijn", "verlengingsgrond",
              "inburgeringstraject", "brede_intake", "pip", "leerroute", "map", "pvt", "examen", "examenonderdeel",
              "inburgeringsaanbod", "aandachtspunt", "subdoel_aandachtspunt", "hoofddoel", "ontwikkelwens",
              "subdoel_ontwikkelwens", "training", "werk", "educatie", "taalvaardigheid", "ict_vaardigheid",
              "diplomawaardering", "verblijfplaats_azc", "voorbereiding_op_inburgering", "introductiemodule")
_FLUSH = 2000


class Writer(Protocol):
    def write(self, person: Person) -> None: ...
    def close(self) -> None: ...


class DuoWriter:
    def __init__(self, path: Path) -> None:
        self._f: IO[str] = path.open("w", encoding="utf-8", newline="\n")

    def write(self, person: Person) -> None:
        self._f.write(json.dumps(to_duo(person), ensure_ascii=False, separators=(",", ":")) + "\n")

    def close(self) -> None:
        self._f.close()


def _columns(table: str) -> list[str]:
    return list(ggm_model().tables[table].columns)


class SqliteWriter:
    def __init__(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self._db = sqlite3.connect(path)
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;\n" + ddl_text())
        self._buffer: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self._pending = 0
        self._sql = {t: f'INSERT INTO "{t}" ({", ".join(_columns(t))}) VALUES ({", ".join("?" * len(_columns(t)))})'
                     for t in GGM_TABLES}

    def write(self, person: Person) -> None:
        for table, rows in to_ggm(person).items():
            cols = _columns(table)
            self._buffer[table].extend(tuple(r.get(c) for c in cols) for r in rows)
        self._pending += 1
        if self._pending >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        for table in GGM_TABLES:  # parents first
            if self._buffer.get(table):
                self._db.executemany(self._sql[table], self._buffer[table])
        self._buffer.clear()
        self._pending = 0
        self._db.commit()

    def close(self) -> None:
        self._flush()
        self._db.close()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvWriter:
    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        self._files = {t: (folder / f"{t}.csv").open("w", encoding="utf-8", newline="") for t in GGM_TABLES}
        self._csv = {t: csv.writer(f, lineterminator="\n") for t, f in self._files.items()}
        for table, w in self._csv.items():
            w.writerow(_columns(table))

    def write(self, person: Person) -> None:
        for table, rows in to_ggm(person).items():
            cols = _columns(table)
            self._csv[table].writerows([_cell(r.get(c)) for c in cols] for r in rows)

    def close(self) -> None:
        for f in self._files.values():
            f.close()


def open_writer(fmt: str, out: Path) -> Writer:
    """The writer for ``fmt`` (one of :data:`FORMATS`) at ``out`` (a file, or a folder for ``ggm-csv``)."""
    if fmt == "duo":
        return DuoWriter(out)
    if fmt == "ggm-sqlite":
        return SqliteWriter(out)
    return CsvWriter(out)
