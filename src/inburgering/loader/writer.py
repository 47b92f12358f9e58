"""Writes a load's batches into its (not yet published) named graphs while the next batch is mapped.

On the embedded store a batch goes in as one TriG document through Oxigraph's bulk loader, in a background
thread: ``Store.bulk_load`` parses and writes without holding Python's GIL, so the loader reads and maps the
next batch meanwhile, whereas ``bulk_extend`` holds the GIL for its whole run (measured). Bulk writes are safe
here because readers only see a graph once the meta graph publishes it. Batches are gathered into loads of
growing size (fewer loads, less compaction) and one load is in flight at a time, so memory stays bounded. Any
other store gets the quads synchronously (``Store.extend``). With ``copy_to`` each graph's triples go into a
second graph too (its union graph, ``store/unions.py``) in the same bulk load: the same text once more in the
document under that graph, no Python work per triple.

The triples must hold no blank nodes: the parser would give them new labels (the mapping mints none).

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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Self

from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize

from inburgering.store import EmbeddedStore, Store

#: Quads of the first bulk load (about one batch of 500 persons); each later one is twice as large, up to
#: ``LARGEST_WRITE``. Every bulk load adds files that RocksDB later compacts together: 18 loads of the 9,000-person
#: store cost 4.0 s of compaction, 4 loads 0.9 s, one load none (measured), while a small first load lets the
#: writing start early. The largest load bounds the memory held in TriG text and in the bulk loader.
FIRST_WRITE = 40_000
LARGEST_WRITE = 500_000


class GraphWriter:
    """Writes batches of quads into a store; :meth:`wait` returns once everything queued is written.

    Use it as a context manager: leaving the block waits for the write in flight, so the store is never closed
    under a running write.
    """

    def __init__(self, store: Store, *, copy_to: Callable[[str], str] | None = None) -> None:
        self.store = store
        self.copy_to = copy_to
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="load-writer") if isinstance(
            store, EmbeddedStore) else None
        self._pending: Future[None] | None = None
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._threshold = FIRST_WRITE
        #: Whether a write failed (a bulk load may then have written part of its document).
        self.failed = False

    def write(self, batch: Mapping[str, Sequence[Triple]]) -> None:
        """Queue ``batch`` (graph IRI → its triples) for writing, each graph's triples also into
        ``copy_to(graph)`` when the writer has ``copy_to``."""
        batch = {graph: triples for graph, triples in batch.items() if triples}
        if not batch:
            return
        targets = {g: (g, self.copy_to(g)) if self.copy_to else (g,) for g in batch}
        if self._pool is None:
            try:
                self.store.extend(Quad(t.subject, t.predicate, t.object, NamedNode(target))
                                  for g, triples in batch.items() for target in targets[g] for t in triples)
            except BaseException:
                self.failed = True
                raise
            return
        self._buffer += [part for graph, triples in batch.items() for part in trig(triples, *targets[graph])]
        self._buffered += sum(len(triples) * len(targets[g]) for g, triples in batch.items())
        if self._buffered >= self._threshold:
            self._submit()
            self._threshold = min(2 * self._threshold, LARGEST_WRITE)

    def _submit(self) -> None:
        if not self._buffer:
            return
        document, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        self._wait_pending()
        assert self._pool is not None and isinstance(self.store, EmbeddedStore)
        # lenient: the document is Oxigraph's own serialisation of terms it checked when they were made
        self._pending = self._pool.submit(self.store.load, document, format=RdfFormat.TRIG, lenient=True)

    def _wait_pending(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
            except BaseException:
                self.failed = True
                raise

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


def trig(triples: Sequence[Triple], *graphs: str) -> list[bytes]:
    r"""``triples`` as the parts of a TriG document, one block per graph of ``graphs``, made by Oxigraph's
    N-Triples writer (once) without a Python ``Quad`` per triple.

    N-Triples statements are TriG statements, so each block is the same N-Triples text between a graph's braces:
    the parts are joined without touching a triple. (Writing N-Quads instead puts the graph into every line, a
    Python pass over the text for each graph: about a second of each 8,600-person part, where Oxigraph parses
    the TriG in a few tenths more than the N-Quads; docs/performance.md.)

    >>> from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse
    >>> t = Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), Literal("a }\n\"b\" ."))
    >>> document = b"".join(trig([t, t], "http://example.org/g", "http://example.org/u"))
    >>> for q in parse(document, format=RdfFormat.TRIG):
    ...     print(q.graph_name, q.object.value == 'a }\n"b" .')
    <http://example.org/g> True
    <http://example.org/g> True
    <http://example.org/u> True
    <http://example.org/u> True
    """
    document = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    return [part for graph in graphs for part in (f"{NamedNode(graph)} {{\n".encode(), document, b"}\n")]
