"""Writes a load's batches into its (not yet published) named graphs while the next batch is mapped.

On the embedded store a batch goes in as one N-Quads document through Oxigraph's bulk loader, in a background
thread: ``Store.bulk_load`` parses and writes without holding Python's GIL, so the loader reads and maps the
next batch meanwhile, whereas ``bulk_extend`` holds the GIL for its whole run (measured). Bulk writes are safe
here because readers only see a graph once the meta graph publishes it. Batches are gathered into loads of
growing size (fewer loads, less compaction) and one load is in flight at a time, so memory stays bounded. Any
other store gets the quads synchronously (``Store.extend``).

The triples must hold no blank nodes: the N-Quads parser would give them new labels (the mapping mints none).

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> from inburgering.store import open_store
>>> store = open_store("memory:")
>>> with GraphWriter(store) as writer:
...     writer.write({"http://example.org/g": [Triple(NamedNode("http://example.org/s"),
...                                                   NamedNode("http://example.org/p"), Literal("o"))]})
>>> [str(g) for g in store.named_graphs()]
['<http://example.org/g>']
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize

from inburgering.store import EmbeddedStore, Store

#: Quads of the first bulk load (about one batch of 500 persons); each later one is twice as large, up to
#: ``LARGEST_WRITE``. Every bulk load adds files that RocksDB later compacts together: 18 loads of the 9,000-person
#: store cost 4.0 s of compaction, 4 loads 0.9 s, one load none (measured), while a small first load lets the
#: writing start early. The largest load bounds the memory held in N-Quads text and in the bulk loader.
FIRST_WRITE = 40_000
LARGEST_WRITE = 500_000


class GraphWriter:
    """Writes batches of quads into a store; :meth:`wait` returns once everything queued is written.

    Use it as a context manager: leaving the block waits for the write in flight, so the store is never closed
    under a running write.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="load-writer") if isinstance(
            store, EmbeddedStore) else None
        self._pending: Future[None] | None = None
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._threshold = FIRST_WRITE

    def write(self, batch: Mapping[str, Sequence[Triple]]) -> None:
        """Queue ``batch`` (graph IRI → its triples) for writing.

        The same triples may go into several graphs (a copy into a union graph, say): give each graph the same
        list; that costs one more N-Quads rewrite of the batch, no Python work per triple.
        """
        batch = {graph: triples for graph, triples in batch.items() if triples}
        if not batch:
            return
        if self._pool is None:
            self.store.extend(Quad(t.subject, t.predicate, t.object, NamedNode(g))
                              for g, triples in batch.items() for t in triples)
            return
        self._buffer += [nquads(triples, graph) for graph, triples in batch.items()]
        self._buffered += sum(len(triples) for triples in batch.values())
        if self._buffered >= self._threshold:
            self._submit()
            self._threshold = min(2 * self._threshold, LARGEST_WRITE)

    def _submit(self) -> None:
        if not self._buffer:
            return
        document, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        self._wait_pending()
        assert self._pool is not None
        self._pending = self._pool.submit(self.store.load, document, format=RdfFormat.N_QUADS)

    def _wait_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def wait(self) -> None:
        """Write everything queued and block until it is written; raises the writer's error if it failed."""
        self._submit()
        self._wait_pending()

    def close(self) -> None:
        """Write what is queued, wait for it, then stop the writer thread."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self.close()
            return
        self._buffer, self._buffered = [], 0  # the load failed: nothing more to write
        with contextlib.suppress(Exception):  # let the write in flight end, keep the first error
            self.close()


def nquads(triples: Sequence[Triple], graph: str) -> bytes:
    r"""``triples`` as an N-Quads document in ``graph``, made by Oxigraph's N-Triples writer without a Python
    ``Quad`` per triple.

    The writer puts each triple on one line ending in `` .`` and a newline, and escapes every line break inside
    a literal, so that ending is the end of a statement: the graph goes in front of it.

    >>> from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse
    >>> t = Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), Literal("a .\nb ."))
    >>> for q in parse(nquads([t, t], "http://example.org/g"), format=RdfFormat.N_QUADS):
    ...     print(q, q.object.value == "a .\nb .")
    <http://example.org/s> <http://example.org/p> "a .\nb ." <http://example.org/g> True
    <http://example.org/s> <http://example.org/p> "a .\nb ." <http://example.org/g> True
    """
    return serialize(triples, format=RdfFormat.N_TRIPLES).replace(b" .\n", f" {NamedNode(graph)} .\n".encode())
