"""Sources as the loader sees them: which kind a SOURCE is, and one ``PersonInput`` per person it holds.

The readers in ``inburgering.sources`` do the reading and checking; this module only turns their records into
the nested dicts the mapping engine consumes, and keeps each record's locator for the rejects report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inburgering.errors import UsageError
from inburgering.sources.records import Problem

#: The source kinds ``--format`` accepts, and the mapping each uses.
KINDS = {"duo": "duo", "ggm-sqlite": "ggm", "ggm-csv": "ggm", "ggm-db": "ggm"}


@dataclass(frozen=True)
class PersonInput:
    """One person's record from a source, or the problems that keep it from being mapped."""

    file: str
    record: str
    bsn: str | None
    gemeente: str | None
    data: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    vnummer: str | None = None
    #: A GGM row that no foreign key links to a person: rejected, counted apart from persons.
    orphan: bool = False
    #: ``table.column`` of every value the mapping deliberately does not publish (counted in the load report).
    not_published: tuple[str, ...] = ()
    #: Values the mapping would lose (a column it neither reads nor lists): each a reject of its own.
    unpublished: tuple[Problem, ...] = ()


def detect_kind(location: str, forced: str | None = None) -> str:
    """The kind of a SOURCE: ``.jsonl`` DUO bundle, ``.sqlite``/``.db`` file, SQLAlchemy URL, folder of CSV files.

    >>> detect_kind("postgresql+psycopg://u@h/db"), detect_kind("missing.db", "duo")
    Traceback (most recent call last):
    inburgering.errors.UsageError: source not found: missing.db
    """
    if forced is not None:
        if forced not in KINDS:
            raise UsageError(f"unknown source format {forced!r} (expected one of {', '.join(KINDS)})")
        if forced != "ggm-db" and not Path(location).exists():
            raise UsageError(f"source not found: {location}")
        return forced
    if "://" in location:
        return "ggm-db"
    path = Path(location)
    if not path.exists():
        raise UsageError(f"source not found: {location}")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "duo"
    if suffix in (".sqlite", ".sqlite3", ".db"):
        return "ggm-sqlite"
    if path.is_dir():
        return "ggm-csv"
    raise UsageError(f"cannot tell the kind of source {location} (a .jsonl DUO bundle, a .sqlite/.db file, an "
                     "SQLAlchemy URL or a folder of CSV files); use --format")


def _duo_inputs(location: str) -> Iterator[PersonInput]:
    from inburgering.sources.duo import read_duo_bundle
    from inburgering.sources.records import DuoReject

    for line in read_duo_bundle(location):
        if isinstance(line, DuoReject):
            yield PersonInput(line.file, line.record, line.bsn, None, {}, line.problems)
        else:
            yield PersonInput(line.file, line.record, line.bsn, line.gemeente,
                              {"gemeente": line.gemeente, **line.resources})


def _ggm_inputs(location: str, kind: str) -> Iterator[PersonInput]:
    from inburgering.loader.ggm_inputs import ggm_person_inputs

    yield from ggm_person_inputs(location, kind)


def person_inputs(location: str, kind: str) -> Iterator[PersonInput]:
    """Every person in the source at ``location`` of ``kind`` (see :func:`detect_kind`), streamed."""
    if kind == "duo":
        return _duo_inputs(location)
    return _ggm_inputs(location, kind)
