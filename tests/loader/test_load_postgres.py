"""Loading from a GGM database on the real PostgreSQL server at 127.0.0.1:5432, through an SQLAlchemy URL."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from inburgering.cli import main
from inburgering.generate.run import generate
from inburgering.loader.pseudonym import KEY_ENV
from inburgering.namespaces import inb
from inburgering.sources.ggm_model import ddl_statements, ggm_model
from inburgering.store import open_store
from inburgering.store.publication import published_graphs

pytestmark = pytest.mark.postgres
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def schema() -> Iterator[tuple[Engine, str]]:
    """A fresh schema in database ``test``, dropped afterwards; fails loudly when the server is not there."""
    name = f"loader_{uuid.uuid4().hex[:12]}"
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


def _copy(sqlite_path: Path, engine: Engine, schema: str) -> None:
    """The generated SQLite database's rows into the GGM DDL on PostgreSQL (booleans as booleans)."""
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


def _persons(store_path: Path) -> set[str]:
    store = open_store(str(store_path))
    try:
        graphs = published_graphs(store, base="https://data.inburgering.example.nl", special=True)
        result = store.query(f"SELECT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> }}", default_graph=graphs)
        assert isinstance(result, QuerySolutions)
        return {row["p"].value for row in result}
    finally:
        store.close()


def test_postgresql_source_loads_like_the_same_sqlite_database(tmp_path: Path, schema: tuple[Engine, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "postgres-test-key-not-a-secret")
    monkeypatch.delenv("INBURGERING_BASE_IRI", raising=False)
    engine, name = schema
    sqlite_path = tmp_path / "ggm.sqlite"
    generate(persons=30, seed=21, defects=0.2, format="ggm-sqlite", out=sqlite_path, reference_date=date(2026, 6, 1))
    _copy(sqlite_path, engine, name)
    url = f"{SERVER}?options=-csearch_path%3D{name}"
    reports = {}
    for label, source in (("pg", url), ("sqlite", str(sqlite_path))):
        report = tmp_path / f"{label}.json"
        code = main(["load", "--store", str(tmp_path / label), "--rejects", str(tmp_path / f"{label}.jsonl"),
                     "--report", str(report), "--reference-date", "2026-06-01", source])
        assert code == 1  # the injected defects are rejected
        reports[label] = json.loads(report.read_text())
    assert reports["pg"]["persons_read"] == 30
    for key in ("persons_read", "persons_published", "persons_rejected"):
        assert reports["pg"][key] == reports["sqlite"][key]
    assert list(reports["pg"]["sources"]) == [f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{name}"]
    assert _persons(tmp_path / "pg") == _persons(tmp_path / "sqlite")
    assert len(_persons(tmp_path / "pg")) == reports["pg"]["persons_published"]
