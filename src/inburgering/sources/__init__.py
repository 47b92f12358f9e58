"""Source readers for the loader: DUO bundles (JSON Lines) and GGM databases (SQLite, PostgreSQL, CSV folders).

The public API (everything the loader needs)::

    read_duo_bundle(path) -> Iterator[DuoRecord | DuoReject]     # one per non-blank line, streaming
    open_ggm(source) -> GgmSource                                 # .sqlite/.db file, SQLAlchemy URL, CSV folder
        .persons() -> Iterator[GgmPerson]                         # rows grouped per person, streaming
        .orphans() -> Iterator[GgmRow]                            # rows not linked to any person
        .rows(table) -> Iterator[GgmRow]
    detect_kind(source) -> SourceKind                             # DUO_BUNDLE, GGM_SQLITE, GGM_SQL, GGM_CSV
    Problem(file, record, field, value, reason)                   # every problem names file, record and field
    bsn_problem(value) -> None | "not 9 digits" | "elfproef"

Formats: docs/sources.md. Readers never raise for a bad *record* (it comes back with its problems, so nothing is
lost); they raise ``SourceError`` only when the source as a whole cannot be read.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inburgering.errors import SourceError
from inburgering.sources.bsn import bsn_problem, is_test_bsn, is_valid_bsn
from inburgering.sources.duo import read_duo_bundle
from inburgering.sources.records import DuoLine, DuoRecord, DuoReject, GgmPerson, GgmRow, Problem

if TYPE_CHECKING:
    from inburgering.sources.ggm import GgmSource, open_ggm


def __getattr__(name: str) -> Any:
    """``GgmSource`` and ``open_ggm`` are imported when first used: they bring SQLAlchemy, which a DUO load
    does not need (a noticeable part of the loader's start-up)."""
    if name in ("GgmSource", "open_ggm"):
        from inburgering.sources import ggm

        return getattr(ggm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SourceKind(enum.Enum):
    DUO_BUNDLE = "duo"
    GGM_SQLITE = "ggm-sqlite"
    GGM_SQL = "ggm-sql"
    GGM_CSV = "ggm-csv"

    @classmethod
    def detect(cls, source: str | Path) -> SourceKind:
        """The kind of ``source`` from its form: ``.jsonl`` file, ``.sqlite``/``.db`` file, URL, or folder.

        >>> SourceKind.detect("x.jsonl"), SourceKind.detect("postgresql+psycopg://u@h/db")
        (<SourceKind.DUO_BUNDLE: 'duo'>, <SourceKind.GGM_SQL: 'ggm-sql'>)
        """
        text = str(source)
        if "://" in text:
            return cls.GGM_SQL
        path = Path(text)
        if path.is_dir():
            return cls.GGM_CSV
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return cls.DUO_BUNDLE
        if path.suffix.lower() in (".sqlite", ".sqlite3", ".db"):
            return cls.GGM_SQLITE
        raise SourceError("cannot tell the kind of source (expected .jsonl, .sqlite/.db, a folder of CSV files "
                          "or an SQLAlchemy URL)", file=text)


def detect_kind(source: str | Path) -> SourceKind:
    """Shorthand for :meth:`SourceKind.detect`."""
    return SourceKind.detect(source)


__all__ = ["DuoLine", "DuoRecord", "DuoReject", "GgmPerson", "GgmRow", "GgmSource", "Problem", "SourceKind",
           "bsn_problem", "detect_kind", "is_test_bsn", "is_valid_bsn", "open_ggm", "read_duo_bundle"]
