"""GGM databases and CSV folders as loader inputs: one nested record per person, orphan rows as rejects.

A person's record is ``{table: [row, ...]}`` with each row's columns (and its ``id``), plus ``gemeente``; the
GGM mapping (``mappings/ggm.yaml``) walks it with joins on the foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inburgering.loader.inputs import PersonInput
from inburgering.mapping import builtin_mapping
from inburgering.sources.ggm import open_ggm
from inburgering.sources.ggm_model import PERSON_TABLE
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


def _input(person: GgmPerson) -> PersonInput:
    file, record = _locator(person)
    problems = list(person.problems)
    if person.bsn is None and not any(p.field == f"{PERSON_TABLE}.bsn" for p in problems):
        problems.append(Problem(file, record, f"{PERSON_TABLE}.bsn", None, "required field missing"))
    return PersonInput(file, record, person.bsn, person.gemeente, _record(person), tuple(problems),
                       vnummer=_vnummer(person))


def _orphan(row: GgmRow) -> PersonInput:
    return PersonInput(row.file, row.record, None, None, {}, row.problems, orphan=True)


def _unmapped(person: GgmPerson, tables_read: frozenset[str]) -> Iterator[PersonInput]:
    """Rows of tables the mapping does not read that carry values (not only keys): reported, never dropped."""
    for table, rows in person.rows.items():
        if table in tables_read:
            continue
        for row in rows:
            facts = sorted(c for c, v in row.values.items()
                           if v not in (None, "") and c != "id" and not c.endswith("_id"))
            if facts:
                reason = (f"table {table} is not in the GGM mapping (mappings/ggm.yaml): "
                          "this row's values are not published")
                yield PersonInput(row.file, row.record, None, None, {},
                                  (Problem(row.file, row.record, f"{table}.{facts[0]}", None, reason),), orphan=True)


def ggm_person_inputs(location: str, kind: str) -> Iterator[PersonInput]:
    """Every person of a GGM source (SQLite, SQLAlchemy URL or CSV folder), then every orphan row.

    A person's rows in tables the mapping does not read are reported as rejected rows (the person is published).
    """
    tables_read = builtin_mapping("ggm").tables_read()
    with open_ggm(location) as source:
        for person in source.persons():
            yield _input(person)
            yield from _unmapped(person, tables_read)
        for row in source.orphans():
            yield _orphan(row)
