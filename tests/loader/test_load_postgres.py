"""Loading from a GGM database on the real PostgreSQL server at 127.0.0.1:5432, through an SQLAlchemy URL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions
from sqlalchemy.engine import Engine

from inburgering.cli import main
from inburgering.generate.run import generate
from inburgering.loader.pseudonym import KEY_ENV
from inburgering.namespaces import inb
from inburgering.store import open_store
from inburgering.store.publication import published_graphs
from pg_support import copy_sqlite_to_postgres, schema_url

pytestmark = pytest.mark.postgres


def _persons(location: str) -> set[str]:
    store = open_store(location)
    try:
        graphs = published_graphs(store, base="https://data.inburgering.example.nl", special=True)
        result = store.query(f"SELECT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> }}", default_graph=graphs)
        assert isinstance(result, QuerySolutions)
        return {row["p"].value for row in result}
    finally:
        store.close()


def test_postgresql_source_loads_like_the_same_sqlite_database(tmp_path: Path, pg_schema: tuple[Engine, str],
                                                               monkeypatch: pytest.MonkeyPatch, store_url: str) -> None:
    """PostgreSQL into the store on each backend, the same SQLite database into an embedded store."""
    monkeypatch.setenv(KEY_ENV, "postgres-test-key-not-a-secret")
    monkeypatch.delenv("INBURGERING_BASE_IRI", raising=False)
    engine, name = pg_schema
    sqlite_path = tmp_path / "ggm.sqlite"
    generate(persons=30, seed=21, defects=0.2, format="ggm-sqlite", out=sqlite_path, reference_date=date(2026, 6, 1))
    copy_sqlite_to_postgres(sqlite_path, engine, name)
    url = schema_url(name)
    reports, stores = {}, {"pg": store_url, "sqlite": str(tmp_path / "sqlite")}
    for label, source in (("pg", url), ("sqlite", str(sqlite_path))):
        report = tmp_path / f"{label}.json"
        code = main(["load", "--store", stores[label], "--rejects", str(tmp_path / f"{label}.jsonl"),
                     "--report", str(report), "--reference-date", "2026-06-01", source])
        assert code == 1  # the injected defects are rejected
        reports[label] = json.loads(report.read_text())
    assert reports["pg"]["persons_read"] == 30
    for key in ("persons_read", "persons_published", "persons_rejected"):
        assert reports["pg"][key] == reports["sqlite"][key]
    assert list(reports["pg"]["sources"]) == [schema_url(name)]
    assert _persons(stores["pg"]) == _persons(stores["sqlite"])
    assert len(_persons(stores["pg"])) == reports["pg"]["persons_published"]
