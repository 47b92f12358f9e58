"""The one small store interface every backend implements. Terms and results use pyoxigraph's model."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Protocol

from pyoxigraph import NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, RdfFormat

QueryResult = QuerySolutions | QueryBoolean | QueryTriples


class Store(Protocol):
    """What the loader, the validator and the service need from a triple store."""

    def query(self, query: str, *, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union_default_graph: bool = False) -> QueryResult:
        """Run a SPARQL query. ``default_graph``/``named_graphs`` restrict the dataset (IRIs of named graphs)."""
        ...

    def update(self, update: str) -> None:
        """Run a SPARQL update (the store applies it atomically)."""
        ...

    def load(self, data: bytes | IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        """Bulk-load RDF into ``graph`` (its own graph names for quad formats)."""
        ...

    def extend(self, quads: Iterable[Quad]) -> None:
        """Bulk-add quads."""
        ...

    def drop_graph(self, graph: str) -> None:
        """Remove a named graph and its triples (no error when it does not exist)."""
        ...

    def named_graphs(self) -> list[NamedNode]:
        """The named graphs in the store."""
        ...

    def flush(self) -> None:
        """Make everything written so far durable."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
