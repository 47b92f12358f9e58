"""The GGM reader against the real PostgreSQL server at 127.0.0.1:5432: the DDL loads, and it reads what SQLite reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from inburgering.generate import generate
from inburgering.sources import open_ggm
from pg_support import copy_sqlite_to_postgres, schema_url

pytestmark = pytest.mark.postgres


def test_postgresql_holds_the_ddl_and_reads_exactly_like_sqlite(tmp_path: Path, pg_schema: tuple[Engine, str]) -> None:
    engine, name = pg_schema
    sqlite_path = tmp_path / "ggm.sqlite"
    generate(persons=60, seed=5, defects=0.0, format="ggm-sqlite", out=sqlite_path)
    copy_sqlite_to_postgres(sqlite_path, engine, name)
    url = schema_url(name)
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
