"""Readers for GGM "Model Inburgering" data: SQLite (default), PostgreSQL (SQLAlchemy URL), or a folder of CSV files.

Tables and columns: ``ddl/ggm-inburgering.sql`` (generated from ``ddl/ggm-inburgering.yaml``; choices in
docs/sources.md). Every row comes with its locator (file/table and line or primary key) and its problems
(bad date, unknown code, not an integer…); rows are grouped per person for the loader, which maps per person.

>>> with open_ggm("data/sample/ggm.sqlite") as source:          # doctest: +SKIP
...     for person in source.persons():
...         person.bsn, sorted(person.rows)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from inburgering.errors import SourceError
from inburgering.sources.ggm_model import PERSON_TABLE, GgmModel, Hop, ggm_model
from inburgering.sources.records import GgmPerson, GgmRow, Problem
from inburgering.sources.values import coerce

#: (table, raw row mapping) → (file, record) locator of that row.
Locator = Callable[[str, dict[str, Any]], tuple[str, str]]


def _q(name: str) -> str:
    return f'"{name}"'


def _joins(path: list[Hop], *, outer: bool) -> tuple[str, str]:
    """The JOIN clauses for ``path`` and the expression of the person id at its end."""
    kind = "LEFT JOIN" if outer else "JOIN"
    clauses = [f"{kind} {_q(to)} t{i + 1} ON t{i + 1}.{_q(to_col)} = t{i}.{_q(col)}"
               for i, (_, col, to, to_col) in enumerate(path)]
    return " ".join(clauses), f"t{len(path)}.id"


class GgmSource:
    """An open GGM source over an SQLAlchemy engine. Use as a context manager (closes the connection).

    ``locate`` makes a row's locator; the CSV reader passes one that names the CSV file and line.
    """

    def __init__(self, engine: Engine, name: str, *, locate: Locator | None = None,
                 extra_columns: tuple[str, ...] = (), cleanup: Callable[[], None] | None = None) -> None:
        #: Human-readable name (file path, folder, or URL without password) used in every locator.
        self.name = name
        self.model: GgmModel = ggm_model()
        self._engine = engine
        self._locate = locate or (lambda table, raw: (f"{name}#{table}", f"id {raw.get('id')}"))
        self._extra = extra_columns
        self._cleanup = cleanup
        #: CSV file name → encoding it was read with (``utf-8``, ``utf-8-sig``, ``cp1252``); empty for databases.
        self.encodings: dict[str, str] = {}
        try:
            self._conn: Connection = engine.connect()
            self._columns = self._present_columns()
        except SQLAlchemyError as exc:
            self.close()
            raise SourceError(f"cannot read GGM database: {exc.__class__.__name__}: {exc.args[0]}",
                              file=name) from exc

    def _present_columns(self) -> dict[str, list[str]]:
        inspector = inspect(self._conn)
        present: dict[str, list[str]] = {}
        for table in inspector.get_table_names():
            if table not in self.model.tables:
                continue
            names = [c["name"] for c in inspector.get_columns(table) if c["name"] not in self._extra]
            unknown = [n for n in names if n not in self.model.tables[table].columns]
            if unknown:
                raise SourceError(f"column {unknown[0]} is not in the GGM model (see ddl/ggm-inburgering.sql)",
                                  file=self.name, record=f"table {table}")
            present[table] = names
        if PERSON_TABLE not in present:
            raise SourceError(f"not a GGM database: no table {PERSON_TABLE} (see ddl/ggm-inburgering.sql)",
                              file=self.name)
        return present

    def tables(self) -> list[str]:
        """The GGM tables present in the source, parents first."""
        return [t for t in self.model.table_order() if t in self._columns]

    def _select(self, table: str) -> str:
        cols = [*self._columns[table], *self._extra]
        return ", ".join(f"t0.{_q(c)}" for c in cols)

    def _row(self, table: str, raw: dict[str, Any]) -> GgmRow:
        file, record = self._locate(table, raw)
        spec = self.model.tables[table].columns
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for name in self._columns[table]:
            given = raw[name]
            if given is None and not spec[name].required:  # the common case, without a call
                values[name] = None
                continue
            value, reason = coerce(spec[name], given, table=table)
            values[name] = value
            if reason:
                problems.append(Problem(file, record, f"{table}.{name}", given, reason))
        for missing in self._missing_required(table):  # a required column the source does not have at all
            problems.append(Problem(file, record, f"{table}.{missing}", None, "required field missing"))
        key = values.get("id")
        return GgmRow(table, file, record, key if isinstance(key, int) else None, values, tuple(problems))

    @cache  # noqa: B019 - one source object per open source; a handful of tables
    def _missing_required(self, table: str) -> list[str]:
        return [c.name for c in self.model.tables[table].columns.values()
                if c.required and c.name not in self._columns[table]]

    def _raw_rows(self, sql: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        result = self._conn.execute(text(sql), params or {})
        names = list(result.keys())
        for values in result:
            yield dict(zip(names, values, strict=True))

    def _path_present(self, table: str) -> list[Hop] | None:
        path = self.model.person_path(table)
        return path if all(hop[2] in self._columns for hop in path) else None

    def rows(self, table: str) -> Iterator[GgmRow]:
        """Every row of ``table`` in primary-key order, typed and checked against the model."""
        if table not in self._columns:
            return
        for raw in self._raw_rows(f"SELECT {self._select(table)} FROM {_q(table)} t0 ORDER BY t0.id"):
            yield self._row(table, raw)

    def _stream(self, table: str) -> Iterator[tuple[Any, GgmRow]]:
        """(person id, row) for every row of ``table`` that reaches a person, ordered by person id and key.

        One query per table over the whole source, read as it streams (server-side cursor where the driver has
        one): per-batch range queries made SQLite's planner scan deep tables once per batch (quadratic).
        """
        path = self._path_present(table)
        if path is None:
            return
        joins, person = _joins(path, outer=False)
        sql = f"SELECT {self._select(table)}, {person} AS _person FROM {_q(table)} t0 {joins} ORDER BY {person}, t0.id"
        result = self._conn.execution_options(stream_results=True, yield_per=2000).execute(text(sql))
        names = list(result.keys())
        for values in result:
            raw = dict(zip(names, values, strict=True))
            yield raw["_person"], self._row(table, raw)

    def persons(self) -> Iterator[GgmPerson]:
        """One :class:`GgmPerson` per ``natuurlijk_persoon`` row, in id order, with all rows linked to it.

        Streams: one ordered query per table, merged by person id, so memory does not grow with the source.
        """
        tables = [t for t in self.tables() if t != PERSON_TABLE]
        streams = {t: self._stream(t) for t in tables}
        heads: dict[str, tuple[Any, GgmRow] | None] = {t: next(it, None) for t, it in streams.items()}
        for pid, person_row in self._stream(PERSON_TABLE):
            rows: dict[str, list[GgmRow]] = {PERSON_TABLE: [person_row]}
            for table in tables:
                head = heads[table]
                while head is not None and head[0] == pid:  # same ORDER BY, so equal ids are adjacent
                    rows.setdefault(table, []).append(head[1])
                    head = next(streams[table], None)
                heads[table] = head
            yield _person(pid, rows)
        for table, head in heads.items():
            if head is not None:  # cannot happen with one ORDER BY for all; never lose a row silently
                raise SourceError(f"row not merged with its person {head[0]!r} (ordering differs between tables)",
                                  file=head[1].file, record=head[1].record)

    def orphans(self) -> Iterator[GgmRow]:
        """Rows that no foreign-key chain links to a person; each gets a problem saying so."""
        for table in self.tables():
            path = self._path_present(table)
            if table == PERSON_TABLE:
                continue  # every person row is a person, even one with a bad id (its row carries that problem)
            if not path:
                yield from (_orphan(r, "its table cannot be linked to a person in this source")
                            for r in self.rows(table))
                continue
            joins, person = _joins(path, outer=True)
            sql = f"SELECT {self._select(table)} FROM {_q(table)} t0 {joins} WHERE {person} IS NULL ORDER BY t0.id"
            chain = " → ".join([*(f"{h[0]}.{h[1]}" for h in path), PERSON_TABLE])
            for raw in self._raw_rows(sql):
                yield _orphan(self._row(table, raw), f"not linked to a person (via {chain})")

    def close(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
        self._engine.dispose()
        if self._cleanup is not None:
            self._cleanup()
            self._cleanup = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _orphan(row: GgmRow, reason: str) -> GgmRow:
    problem = Problem(row.file, row.record, f"{row.table}.id", row.values.get("id"), reason)
    return GgmRow(row.table, row.file, row.record, row.key, row.values, (*row.problems, problem))


def _person(pid: Any, rows: dict[str, list[GgmRow]]) -> GgmPerson:
    persons = rows.get(PERSON_TABLE, [])
    bsn = next((p.value for r in persons for p in r.problems if p.field == f"{PERSON_TABLE}.bsn"), None)
    bsn = bsn or (persons[0].values.get("bsn") if persons else None)
    inburgeraar = rows.get("inburgeraar", [])
    gemeente = inburgeraar[0].values.get("gemeente") if inburgeraar else None
    return GgmPerson(pid, str(bsn) if bsn is not None else None, gemeente, rows)


def open_ggm(source: str | Path) -> GgmSource:
    """Open a GGM source: a ``.sqlite``/``.db`` file, an SQLAlchemy URL (``postgresql+psycopg://…``) or a CSV folder.

    Raises :class:`~inburgering.errors.SourceError` when it cannot be opened or has no GGM tables, or when a CSV
    file is neither UTF-8 nor recognisably Windows-1252.
    """
    text_source = str(source)
    if "://" in text_source:
        try:
            url = make_url(text_source)
        except ArgumentError as exc:
            raise SourceError(f"not a database URL: {exc}", file=text_source) from exc
        name = url.render_as_string(hide_password=True)
        return GgmSource(create_engine(url), name)
    path = Path(source)
    if path.is_dir():
        from inburgering.sources.csvfolder import open_csv_folder

        return open_csv_folder(path)
    if not path.is_file():
        raise SourceError("no such file or folder", file=text_source)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"  # read-only: a reader never changes its source
    engine = create_engine("sqlite://", creator=lambda: _sqlite_connect(uri))
    return GgmSource(engine, text_source)


def _utf8_or_bytes(data: bytes) -> str | bytes:
    """A TEXT value, or its bytes when they are not UTF-8 (``coerce`` reports it; sqlite3's default raises)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _sqlite_connect(uri: str) -> sqlite3.Connection:
    connection = sqlite3.connect(uri, uri=True)
    connection.text_factory = _utf8_or_bytes
    return connection
