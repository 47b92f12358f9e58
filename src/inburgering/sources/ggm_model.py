"""The GGM "Model Inburgering" tables as data: columns, types, enumerations and foreign keys.

Read from ``ddl/ggm-inburgering.yaml`` (the one place a data steward edits); the SQL DDL in
``ddl/ggm-inburgering.sql`` is generated from it (``python -m inburgering.sources.ggm_model``).

>>> model = ggm_model()
>>> model.tables["pip"].columns["dagtekening_pip"].type
'date'
>>> model.person_path("pip")
[('pip', 'inburgeraar_id', 'inburgeraar', 'id'), ('inburgeraar', 'id', 'vreemdeling', 'id'), ('vreemdeling', 'id', 'natuurlijk_persoon', 'id')]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DDL_DIR = Path(__file__).with_name("ddl")
SPEC_FILE = DDL_DIR / "ggm-inburgering.yaml"
DDL_FILE = DDL_DIR / "ggm-inburgering.sql"
#: The table whose rows are persons; every other row belongs to the person its foreign keys lead to.
PERSON_TABLE = "natuurlijk_persoon"
_SQL_TYPES = {"integer": "INTEGER", "date": "DATE", "boolean": "BOOLEAN", "real": "DOUBLE PRECISION", "text": "TEXT"}

#: One join step: (from table, from column, to table, to column).
Hop = tuple[str, str, str, str]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    #: ``integer``, ``date``, ``boolean``, ``real`` or ``text``.
    type: str
    pk: bool = False
    required: bool = False
    references: str | None = None
    #: Allowed values (for a coded text column).
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    #: The GGM attribute the column stores (``None`` for a column the project added).
    ggm: str | None = None
    #: For an added column that stores a DUO field: that field's bundle path (``examenresultaten.niveau``).
    duo: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    ggm_name: str
    columns: dict[str, Column]

    def foreign_keys(self) -> list[Column]:
        return [c for c in self.columns.values() if c.references]


@dataclass(frozen=True, eq=False)
class GgmModel:
    tables: dict[str, Table]

    def ddl(self) -> str:
        """``CREATE TABLE`` statements valid in SQLite and PostgreSQL, parents before children."""
        return "\n".join(_create(self.tables[name]) for name in self.table_order())

    def table_order(self) -> list[str]:
        """Table names so that every table comes after the tables it references."""
        done: list[str] = []

        def visit(name: str) -> None:
            if name in done:
                return
            for fk in self.tables[name].foreign_keys():
                if fk.references != name:
                    visit(fk.references or "")
            done.append(name)

        for name in self.tables:
            visit(name)
        return done

    @cache  # noqa: B019 - the model is immutable and lives for the process
    def person_path(self, table: str) -> list[Hop]:
        """The shortest chain of joins from ``table`` to ``natuurlijk_persoon`` (empty for that table itself).

        Joins follow foreign keys from child to parent; where a table has several, the shortest chain wins
        (ties: the first column). Raises ``KeyError`` when the table has no path to a person.
        """
        edges: dict[str, list[Hop]] = {name: [] for name in self.tables}
        for t in self.tables.values():
            for fk in t.foreign_keys():
                edges[t.name].append((t.name, fk.name, fk.references or "", "id"))
        seen, queue = {table: []}, deque([table])  # type: dict[str, list[Hop]], deque[str]
        while queue:
            name = queue.popleft()
            if name == PERSON_TABLE:
                return seen[name]
            for hop in edges[name]:
                if hop[2] not in seen:
                    seen[hop[2]] = [*seen[name], hop]
                    queue.append(hop[2])
        raise KeyError(f"table {table} has no foreign-key path to {PERSON_TABLE}")


def _create(table: Table) -> str:
    lines = []
    for c in table.columns.values():
        line = f"    {c.name} {_SQL_TYPES[c.type]}"
        if c.pk:
            line += " PRIMARY KEY"
        elif c.required:
            line += " NOT NULL"
        if c.references:
            line += f" REFERENCES {c.references} (id)"
        lines.append(line)
    body = ",\n".join(lines)
    indexes = "".join(f"CREATE INDEX ix_{table.name}_{c.name} ON {table.name} ({c.name});\n"
                      for c in table.foreign_keys() if not c.pk)
    return f"-- GGM: {table.ggm_name}\nCREATE TABLE {table.name} (\n{body}\n);\n{indexes}"


def _column(name: str, spec: dict[str, Any], enums: dict[str, list[str]]) -> Column:
    enum = spec.get("enum")
    return Column(name=name, type=spec["type"], pk=bool(spec.get("pk")), required=bool(spec.get("required")),
                  references=spec.get("references"), enum=tuple(enums[enum]) if enum else None,
                  pattern=spec.get("pattern"), ggm=spec.get("ggm"), duo=spec.get("duo"))


@cache
def ggm_model() -> GgmModel:
    """The model from ``ddl/ggm-inburgering.yaml`` (cached)."""
    with SPEC_FILE.open(encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    enums = spec["enumerations"]
    tables = {name: Table(name, t["ggm"], {c: _column(c, s, enums) for c, s in t["columns"].items()})
              for name, t in spec["tables"].items()}
    return GgmModel(tables)


def ddl_text() -> str:
    """The DDL file's full text (header + statements)."""
    header = ("-- GGM \"Model Inburgering\" v2.5.1 tables, generated from ggm-inburgering.yaml by\n"
              "-- `python -m inburgering.sources.ggm_model` - do not edit by hand. Valid in SQLite and PostgreSQL.\n\n")
    return header + ggm_model().ddl()


def ddl_statements() -> list[str]:
    """The DDL as single statements (for drivers that run one statement at a time, e.g. psycopg)."""
    return [s.strip() + ";" for s in ggm_model().ddl().split(";") if s.strip()]


if __name__ == "__main__":
    DDL_FILE.write_text(ddl_text(), encoding="utf-8")
    print(f"wrote {DDL_FILE}")
