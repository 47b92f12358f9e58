"""The GGM reader against the real PostgreSQL server at 127.0.0.1:5432: the DDL loads, and it reads what SQLite reads."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from inburgering.generate import generate
from inburgering.sources import open_ggm
from inburgering.sources.ggm_model import ddl_statements, ggm_model

pytestmark = pytest.mark.postgres
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def schema() -> Iterator[tuple[Engine, str]]:
    """A fresh schema in database ``test``, dropped afterwards; fails loudly when the server is not there."""
    name = f"ggm_{uuid.uuid4().hex[:12]}"
    engine = create_engine(SERVER)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure here means the required server is missing
        pytest.fail(f"PostgreSQL at {SERVER} is required for this test: {exc}")
    try:
        yield engine, name
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


def copy_sqlite_to_postgres(sqlite_path: Path, engine: Engine, schema: str) -> None:
    model = ggm_model()
    with engine.begin() as conn:
        conn.execute(text(f'SET search_path TO "{schema}"'))
        for statement in ddl_statements():
            conn.execute(text(statement))
        with sqlite3.connect(sqlite_path) as src:
            for table in model.table_order():
                columns = list(model.tables[table].columns)
                rows = src.execute(f'SELECT {", ".join(columns)} FROM "{table}"').fetchall()
                if rows:
                    params = [dict(zip(columns, _pg(table, row), strict=True)) for row in rows]
                    conn.execute(text(f'INSERT INTO "{table}" ({", ".join(columns)}) '
                                      f'VALUES ({", ".join(":" + c for c in columns)})'), params)
        src.close()


def _pg(table: str, row: tuple[object, ...]) -> tuple[object, ...]:
    types = [c.type for c in ggm_model().tables[table].columns.values()]
    return tuple(bool(v) if t == "boolean" and v is not None else v for t, v in zip(types, row, strict=True))


def test_postgresql_holds_the_ddl_and_reads_exactly_like_sqlite(tmp_path: Path, schema: tuple[Engine, str]) -> None:
    engine, name = schema
    sqlite_path = tmp_path / "ggm.sqlite"
    generate(persons=60, seed=5, defects=0.0, format="ggm-sqlite", out=sqlite_path)
    copy_sqlite_to_postgres(sqlite_path, engine, name)
    url = f"{SERVER}?options=-csearch_path%3D{name}"
    with open_ggm(url) as pg, open_ggm(sqlite_path) as lite:
        assert pg.name.startswith("postgresql+psycopg://postgres@127.0.0.1:5432/test")
        pg_persons, lite_persons = list(pg.persons()), list(lite.persons())
        assert not list(pg.orphans())
    assert len(pg_persons) == 60
    for a, b in zip(pg_persons, lite_persons, strict=True):
        assert (a.person_id, a.bsn, a.gemeente) == (b.person_id, b.bsn, b.gemeente)
        assert {t: [r.values for r in rows] for t, rows in a.rows.items()} == \
            {t: [r.values for r in rows] for t, rows in b.rows.items()}
        assert not a.problems
    first_pip = pg_persons[0].rows.get("pip") or next(p.rows["pip"] for p in pg_persons if "pip" in p.rows)
    assert first_pip[0].file.endswith("#pip") and first_pip[0].record.startswith("id ")


def test_an_unreachable_database_is_a_source_error() -> None:
    from inburgering.errors import SourceError

    with pytest.raises(SourceError, match="cannot read GGM database"):
        open_ggm("postgresql+psycopg://postgres@127.0.0.1:5432/no_such_database_here")
