"""The embedded default store: pyoxigraph on disk (a folder) or in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore

from inburgering.errors import QueryError, StoreError
from inburgering.store.base import QueryResult


class EmbeddedStore:
    """A pyoxigraph ``Store``; ``path=None`` keeps it in memory.

    >>> s = EmbeddedStore(None)
    >>> bool(s.query("ASK { ?s ?p ?o }"))
    False
    """

    def __init__(self, path: str | Path | None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        #: Moves on every write made through this object (before and after it). A read-only handle sees the
        #: store as it was when opened (a RocksDB snapshot), so its generation never moves. Readers may cache
        #: what they derive from the data (the service's graph lists, its label index) while it is unchanged.
        self.generation = 0
        try:
            if self.path is None:
                self.ox = OxStore()
            elif read_only:
                self.ox = OxStore.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self.ox = OxStore(str(self.path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    def query(self, query: str, *, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union_default_graph: bool = False) -> QueryResult:
        try:
            return self.ox.query(
                query,
                default_graph=[NamedNode(g) for g in default_graph] if default_graph is not None else None,
                named_graphs=[NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
                use_default_graph_as_union=union_default_graph,
            )
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(str(exc)) from exc

    def _written(self) -> None:
        self.generation += 1

    def update(self, update: str) -> None:
        self._written()
        try:
            self.ox.update(update)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL update syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(str(exc)) from exc
        finally:
            self._written()

    def load(self, data: bytes | IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        self._written()
        try:
            self.ox.bulk_load(data, format=format, to_graph=NamedNode(graph) if graph else None)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"cannot load into {graph or 'the store'}: {exc}") from exc
        finally:
            self._written()

    def extend(self, quads: Iterable[Quad]) -> None:
        self._written()
        try:
            self.ox.bulk_extend(quads)
        finally:
            self._written()

    def drop_graph(self, graph: str) -> None:
        node = NamedNode(graph)
        if self.ox.contains_named_graph(node):
            self._written()
            try:
                self.ox.remove_graph(node)
            finally:
                self._written()

    def named_graphs(self) -> list[NamedNode]:
        return [g for g in self.ox.named_graphs() if isinstance(g, NamedNode)]

    def flush(self) -> None:
        if self.path is not None and not self.read_only:
            self.ox.flush()

    def close(self) -> None:
        self.flush()
        del self.ox
