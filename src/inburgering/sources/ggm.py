"""Readers for GGM "Model Inburgering" data: SQLite (default), PostgreSQL (SQLAlchemy URL), or a folder of CSV files.

Tables and columns: ``ddl/ggm-inburgering.sql`` (generated from ``ddl/ggm-inburgering.yaml``; choices in
docs/sources.md). Every row comes with its locator (file/table and line or primary key) and its problems
(bad date, unknown code, not an integer…); rows are grouped per person for the loader, which maps per person.

>>> with open_ggm("data/sample/ggm.sqlite") as source:          # doctest: +SKIP
...     for person in source.persons():
...         person.bsn, sorted(person.rows)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Self

from inburgering.sources.records import GgmPerson, GgmRow


class GgmSource:
    """An open GGM source. Use as a context manager; close it to release the connection or temporary files."""

    #: Human-readable name (file path, folder, or URL without password) used in every locator.
    name: str

    def tables(self) -> list[str]:
        """The GGM tables present in the source (a CSV folder may hold only some)."""
        raise NotImplementedError

    def rows(self, table: str) -> Iterator[GgmRow]:
        """Every row of ``table`` in primary-key order, typed and checked against the model."""
        raise NotImplementedError

    def persons(self, *, batch_size: int = 1000) -> Iterator[GgmPerson]:
        """One :class:`GgmPerson` per ``natuurlijk_persoon`` row, in id order, with all rows linked to it.

        Streams in batches of ``batch_size`` persons: memory does not grow with the database.
        """
        raise NotImplementedError

    def orphans(self) -> Iterator[GgmRow]:
        """Rows that no foreign-key chain links to a person (their ``problems`` say where the chain breaks)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_ggm(source: str | Path) -> GgmSource:
    """Open a GGM source: a ``.sqlite``/``.db`` file, an SQLAlchemy URL (``postgresql+psycopg://…``) or a CSV folder.

    Raises :class:`~inburgering.errors.SourceError` when it cannot be opened or has no GGM tables, or when a CSV
    file is neither UTF-8 nor recognisably Windows-1252.
    """
    raise NotImplementedError
