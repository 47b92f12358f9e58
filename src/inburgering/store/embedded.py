"""The embedded default store: pyoxigraph on disk (a folder) or in memory."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence, Sized
from pathlib import Path
from typing import IO

from pyoxigraph import NamedNode, Quad, RdfFormat
from pyoxigraph import Store as OxStore

from inburgering.errors import QueryError, StoreError
from inburgering.store.base import QueryResult
from inburgering.store.snapshots import Publications, Snapshot

#: How long a writer waits for another writer of the same store (a load, ``model publish``) to finish.
WRITER_WAIT_S = 1800.0
#: From how many quads :meth:`EmbeddedStore.extend` uses the bulk loader.
BULK_FROM = 5000


def remove_unfinished_bulk_loads(path: Path) -> None:
    """Delete the table files of bulk loads that never ended (their process was killed) from the store folder
    ``path``. Oxigraph's bulk loader writes ``bulk-*.sst`` there, and RocksDB takes them over
    under its own names when the load ends, or Oxigraph deletes them when it fails; after a kill they stay,
    unknown to RocksDB and never reclaimed. Only while holding the store's writer lock, so that no other bulk
    load can be running."""
    for table in path.glob("bulk-*.sst"):
        with contextlib.suppress(FileNotFoundError):
            table.unlink()


class EmbeddedStore:
    """A pyoxigraph ``Store``; ``path=None`` keeps it in memory.

    >>> s = EmbeddedStore(None)
    >>> bool(s.query("ASK { ?s ?p ?o }"))
    False
    """

    def __init__(self, path: str | Path | None, *, read_only: bool = False,
                 writer_wait_s: float = WRITER_WAIT_S) -> None:
        """``read_only``: open the store folder itself read-only (tests and tools; the service reads
        publications, :meth:`from_snapshot`). Opened for writing, an on-disk store first takes the store's writer
        lock (``store/snapshots.py``), waiting up to ``writer_wait_s`` for another writer."""
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self.publication: str | None = None
        self._held = contextlib.ExitStack()
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
                self._held.enter_context(Publications(self.path).writer_lock(wait_s=writer_wait_s))
                remove_unfinished_bulk_loads(self.path)
                self.ox = OxStore(str(self.path))
        except OSError as exc:
            self._held.close()
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc
        except BaseException:
            self._held.close()
            raise

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> EmbeddedStore:
        """A read-only store over one publication; closing it releases the publication's lease."""
        store = cls.__new__(cls)
        store.path, store.read_only, store.generation = snapshot.path, True, 0
        store.publication, store.ox = snapshot.publication, snapshot.store
        store._held = contextlib.ExitStack()
        store._held.callback(snapshot.close)
        return store

    def current(self) -> EmbeddedStore:
        """The store a reader reads now: itself (the service's ``LiveStore`` answers the pinned publication)."""
        return self

    @property
    def publications(self) -> Publications | None:
        """The publications of an on-disk store opened for writing (``None`` in memory or read-only)."""
        return Publications(self.path) if self.path is not None and not self.read_only else None

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

    def load(self, data: bytes | IO[bytes], *, format: RdfFormat, graph: str | None = None,
             lenient: bool = False) -> None:
        """Bulk-load ``data``. ``lenient`` skips Oxigraph's check of every IRI: only for text that Oxigraph itself
        wrote from terms it had checked when they were made (the loader's writer), where the check cannot fail
        and took half of the bulk load's parsing."""
        self._written()
        try:
            self.ox.bulk_load(data, format=format, to_graph=NamedNode(graph) if graph else None, lenient=lenient)
        except (SyntaxError, ValueError, OSError) as exc:
            raise StoreError(f"cannot load into {graph or 'the store'}: {exc}") from exc
        finally:
            self._written()

    def extend(self, quads: Iterable[Quad]) -> None:
        """Add ``quads``: a few in one transaction, many with the bulk loader (which costs 20-80 ms to start
        but is 2x faster per quad from about 5,000 on)."""
        self._written()
        try:
            if isinstance(quads, Sized) and len(quads) < BULK_FROM:
                self.ox.extend(quads)
            else:
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
        try:
            self.flush()
            del self.ox
        finally:
            self._held.close()
