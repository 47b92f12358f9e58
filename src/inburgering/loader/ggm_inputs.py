"""GGM databases and CSV folders as loader inputs: one nested record per person, orphan rows as rejects.

A person's record is ``{table: [row, ...]}`` with each row's columns (and its ``id``), plus ``gemeente``; the
GGM mapping (``mappings/ggm.yaml``) walks it with joins on the foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from inburgering.loader.inputs import PersonInput
from inburgering.mapping import Mapping, builtin_mapping
from inburgering.sources.ggm import open_ggm
from inburgering.sources.ggm_model import PERSON_TABLE, GgmModel, ggm_model
from inburgering.sources.records import GgmPerson, GgmRow, Problem


def _record(person: GgmPerson) -> dict[str, Any]:
    data: dict[str, Any] = {table: [{**row.values, "id": row.key} for row in rows]
                            for table, rows in person.rows.items()}
    data["gemeente"] = person.gemeente
    return data


def _locator(person: GgmPerson) -> tuple[str, str]:
    rows = person.rows.get(PERSON_TABLE) or next(iter(person.rows.values()), [])
    if rows:
        return rows[0].file, rows[0].record
    return "", f"id {person.person_id}"


def _vnummer(person: GgmPerson) -> str | None:
    for row in person.rows.get("vreemdeling", []):
        value = row.values.get("v_nummer")
        if value not in (None, ""):
            return str(value)
    return None


def _input(person: GgmPerson, withheld: tuple[str, ...] = ()) -> PersonInput:
    file, record = _locator(person)
    problems = list(person.problems)
    if person.bsn is None and not any(p.field == f"{PERSON_TABLE}.bsn" for p in problems):
        problems.append(Problem(file, record, f"{PERSON_TABLE}.bsn", None, "required field missing"))
    return PersonInput(file, record, person.bsn, person.gemeente, _record(person), tuple(problems),
                       vnummer=_vnummer(person), not_published=withheld)


def _orphan(row: GgmRow) -> PersonInput:
    return PersonInput(row.file, row.record, None, None, {}, row.problems, orphan=True)


@dataclass(frozen=True)
class ColumnCheck:
    """Per GGM table, the non-key columns the mapping does not read: listed as not published, or neither."""

    #: table → columns on the mapping's ``not_published`` list (their values are counted, not published).
    listed: dict[str, tuple[str, ...]]
    #: table → columns neither read nor listed (a value in one is a reject: the mapping lost track of it).
    unread: dict[str, tuple[str, ...]]


def column_check(mapping: Mapping, model: GgmModel) -> ColumnCheck:
    """Which columns of ``model`` ``mapping`` neither reads nor lists; keys (``id``, foreign keys) are exempt.

    Computed from the mapping (``Mapping.columns_read``), never from a hand-kept list; a test requires
    ``unread`` to be empty for the packaged mapping and DDL.
    """
    read = mapping.columns_read()
    names = {entry.field for entry in mapping.not_published}
    listed: dict[str, tuple[str, ...]] = {}
    unread: dict[str, tuple[str, ...]] = {}
    for table in model.tables.values():
        rest = [c.name for c in table.columns.values()
                if not c.pk and not c.references and (table.name, c.name) not in read]
        listed[table.name] = tuple(c for c in rest if f"{table.name}.{c}" in names)
        unread[table.name] = tuple(c for c in rest if f"{table.name}.{c}" not in names)
    return ColumnCheck({t: c for t, c in listed.items() if c}, {t: c for t, c in unread.items() if c})


def _has_value(value: Any) -> bool:
    return value is not None and value != ""


def _unread_values(person: GgmPerson, check: ColumnCheck) -> tuple[list[Problem], list[str]]:
    """Values in columns the mapping neither reads nor lists, and the listed columns that hold a value."""
    unpublished: list[Problem] = []
    withheld: list[str] = []
    for table, rows in person.rows.items():
        unread, listed = check.unread.get(table, ()), check.listed.get(table, ())
        for row in rows:
            withheld += [f"{table}.{c}" for c in listed if _has_value(row.values.get(c))]
            unpublished += [Problem(row.file, row.record, f"{table}.{c}", row.values[c],
                                    "column not read by the GGM mapping (mappings/ggm.yaml) and not on its "
                                    "not_published list: this value is not published")
                            for c in unread if _has_value(row.values.get(c))]
    return unpublished, withheld


def ggm_person_inputs(location: str, kind: str, *, mapping: Mapping | None = None) -> Iterator[PersonInput]:
    """Every person of a GGM source (SQLite, SQLAlchemy URL or CSV folder), then every orphan row.

    Nothing is dropped silently: a value in a column the mapping neither reads nor lists as not published
    travels with its person (``PersonInput.unpublished``, a reject of its own; the person is still published);
    values in listed columns are counted on the person (``PersonInput.not_published``) for the load report.
    ``mapping`` defaults to the packaged GGM mapping.
    """
    check = column_check(mapping or builtin_mapping("ggm"), ggm_model())
    with open_ggm(location) as source:
        for person in source.persons():
            unpublished, withheld = _unread_values(person, check)
            yield replace(_input(person, tuple(withheld)), unpublished=tuple(unpublished))
        for row in source.orphans():
            yield _orphan(row)
