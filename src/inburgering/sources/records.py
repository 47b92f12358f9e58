"""What the source readers hand to the loader: typed records, and problems that name file, record and field.

A reader never raises for bad *records*: it yields them with their problems, so the loader can write every
rejected record to the rejects report ("nothing lost"). It raises :class:`~inburgering.errors.SourceError`
only when the *source as a whole* cannot be read (missing file, unreadable encoding, not a GGM database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inburgering.errors import SourceError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one record.

    >>> p = Problem(file="a.jsonl", record="line 3", field="pip.pip.dagtekeningPip", value="2023-02-30",
    ...             reason="not a valid date (YYYY-MM-DD)")
    >>> str(p.to_error())
    'a.jsonl, line 3, field pip.pip.dagtekeningPip: not a valid date (YYYY-MM-DD) (value: 2023-02-30)'
    """

    file: str
    #: ``"line 3"`` (DUO bundle, CSV file) or ``"id 7"`` (a database table's primary key).
    record: str
    #: Dotted path of the field: ``pip.pip.dagtekeningPip``, ``examenresultaten[0].niveau``; a GGM column is
    #: ``table.column``. ``None`` when the whole record is wrong (bad JSON).
    field: str | None
    value: Any
    #: Short reason: ``elfproef``, ``not 9 digits``, ``not a valid date (YYYY-MM-DD)``, ``not one of B, O, Z``…
    reason: str

    def to_error(self) -> SourceError:
        """The problem as an exception (for a one-line message on the command line)."""
        suffix = "" if self.value is None else f" (value: {self.value})"
        return SourceError(self.reason + suffix, file=self.file, record=self.record, field=self.field)

    def as_dict(self) -> dict[str, Any]:
        """The problem as a rejects-report entry (JSON-serialisable apart from exotic ``value`` types)."""
        return {"file": self.file, "record": self.record, "field": self.field, "value": self.value,
                "reason": self.reason}


@dataclass(frozen=True, slots=True)
class DuoRecord:
    """One valid line of a DUO bundle: one person, with the DUO resources that are known for them."""

    file: str
    #: 1-based line number in ``file``.
    line: int
    #: Nine digits, passes the elfproef. Personal data: pseudonymise before it goes anywhere.
    bsn: str
    #: Responsible municipality, ``GM`` + 4 digits.
    gemeente: str
    #: Resource name → that resource's JSON body exactly as DUO defines it (validated). Absent = not known.
    resources: dict[str, Any]

    @property
    def record(self) -> str:
        return f"line {self.line}"


@dataclass(frozen=True, slots=True)
class DuoReject:
    """A line of a DUO bundle that cannot be used, with every problem found on it."""

    file: str
    line: int
    #: The BSN as written on the line if there was one (may itself be invalid); for the rejects report only.
    bsn: str | None
    problems: tuple[Problem, ...]

    @property
    def record(self) -> str:
        return f"line {self.line}"


DuoLine = DuoRecord | DuoReject


@dataclass(frozen=True, slots=True)
class GgmRow:
    """One row of a GGM table with its locator, its typed values and any problems in it."""

    #: Table name as in the DDL (``pip``, ``inburgeringsplicht``…).
    table: str
    #: The CSV file, or the database (URL without password) and table: ``ggm.sqlite#pip``.
    file: str
    #: ``"line 5"`` for CSV (header is line 1), ``"id 7"`` for a database row.
    record: str
    #: Primary key (``id``) value, or ``None`` when it is missing or not an integer.
    key: int | None
    #: Column → value: ``str`` (dates as ``YYYY-MM-DD``), ``int``, ``float``, ``bool``; NULL/empty is ``None``.
    values: dict[str, Any]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class GgmPerson:
    """All rows that belong to one person (one ``natuurlijk_persoon`` row and everything linked to it)."""

    #: ``natuurlijk_persoon.id``.
    person_id: int
    #: The person's BSN as stored (check ``problems``: it may fail the elfproef).
    bsn: str | None
    #: ``inburgeraar.gemeente`` (``GM0363``), if present.
    gemeente: str | None
    #: Table → rows of this person in that table (ordered by primary key). Tables without rows are absent.
    rows: dict[str, list[GgmRow]] = field(default_factory=dict)

    @property
    def problems(self) -> list[Problem]:
        """Every problem in every row of this person."""
        return [p for rows in self.rows.values() for row in rows for p in row.problems]
