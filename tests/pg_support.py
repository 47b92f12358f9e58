"""The real PostgreSQL server the GGM-database tests use (127.0.0.1:5432, trust auth, database ``test``)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from inburgering.sources.ggm_model import ddl_statements, ggm_model

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def schema_url(schema: str) -> str:
    """The SQLAlchemy URL that reads the GGM tables from ``schema``."""
    return f"{SERVER}?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema() -> Iterator[tuple[Engine, str]]:
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
    """The GGM DDL into ``schema``, then the rows of a generated SQLite database (booleans as booleans)."""
    model = ggm_model()
    with engine.begin() as conn, sqlite3.connect(sqlite_path) as src:
        conn.execute(text(f'SET search_path TO "{schema}"'))
        for statement in ddl_statements():
            conn.execute(text(statement))
        for table in model.table_order():
            columns = model.tables[table].columns
            names = list(columns)
            rows = src.execute(f'SELECT {", ".join(names)} FROM "{table}"').fetchall()
            params = [{n: bool(v) if columns[n].type == "boolean" and v is not None else v
                       for n, v in zip(names, row, strict=True)} for row in rows]
            if params:
                conn.execute(text(f'INSERT INTO "{table}" ({", ".join(names)}) '
                                  f'VALUES ({", ".join(":" + n for n in names)})'), params)
