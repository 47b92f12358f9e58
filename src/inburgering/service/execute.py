"""Evaluate one query job on a store and serialize its results, within a result-size cap.

This runs inside a query worker process (see ``worker.py``) or, for in-memory and remote stores, in a thread.
Its input and output are plain picklable dataclasses so they can cross a process boundary.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse_query_results,
    serialize,
)

from inburgering.errors import InburgeringError, QueryError, QueryTimeout
from inburgering.namespaces import DEFAULT_BASE
from inburgering.service.jsonld.compact import compact_jsonld
from inburgering.service.prefixes import prefixes_for
from inburgering.store.base import Store


@dataclass(frozen=True)
class QueryJob:
    """One query with its dataset fixed: the default graph is the union of ``default_graphs``."""

    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    media_type: str
    max_results: int
    #: The deployment base (for readable Turtle prefixes of instance IRIs).
    base: str = DEFAULT_BASE
    #: The graphs above are every graph in the store: evaluate over the union of all graphs instead, which
    #: Oxigraph 0.5 does 10-25x faster than an explicit list of 29 graphs (docs/service.md).
    union_all: bool = False
    #: Asked without a token: scheduled in the anonymous share of the workers (``scheduling.py``).
    anonymous: bool = False
    #: The folder of the publication the request is pinned to (``live.py``); set by the process engine.
    store_path: str | None = None
    #: A worker may copy the job's graphs into memory for the next jobs over them (``scoped.py``). Not for a
    #: municipality's part of a combined answer (``partitioned.py``): asked once per publication, and 300 such
    #: scopes would push out the copies of the scopes token holders ask again and again.
    copy: bool = True


@dataclass(frozen=True)
class Together:
    """Jobs over one municipality's graphs (each over those its scope reads: with or without the special
    categories) that one query worker answers one after the other, from one in-memory copy of all those graphs
    made for them alone (``scoped.answer_together``; each job keeps its own dataset): a municipality's part of
    each saved query (``partitioned.Partitioned.fill``). The copy is dropped afterwards: kept, 300
    municipalities' copies would push out those of the scopes token holders ask again and again."""

    jobs: tuple[QueryJob, ...]
    #: The jobs' municipality graphs, packed (``scoped.pack``: name, compressed N-Triples): the copy is made of
    #: these and the worker's public quads instead of the disk; only graphs of the jobs' datasets are taken.
    packed: tuple[tuple[str, bytes], ...] = ()
    #: Send the copied municipality graphs back packed (``Answers.packed``), for the next new text over them.
    pack: bool = False


@dataclass(frozen=True)
class Answers:
    """A worker's reply to ``Together``: an answer per job and, when asked, the graphs it copied, packed."""

    answers: tuple[QueryAnswer, ...]
    packed: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized result, or an error (``error_kind``: syntax, too-large, timeout, busy, crashed, refused,
    store)."""

    body: bytes = b""
    media_type: str = ""
    count: int = 0
    error_kind: str | None = None
    error: str = ""
    #: Answered from the worker's in-memory copy of the job's graphs (``scoped.py``), not from the disk.
    from_copy: bool = False
    #: Combined from this many municipalities' answers (``partitioned.py``), not evaluated as one query.
    combined: int = 0
    #: With an error: after how many seconds asking again may succeed (the HTTP header ``Retry-After``).
    retry_after_s: int = 0


class ResultTooLarge(QueryError):
    """More results than the configured cap."""


class _CountingWriter(io.RawIOBase):
    """A binary sink that stops the serializer once it has seen more than ``limit`` TSV rows."""

    def __init__(self, limit: int) -> None:
        self.buffer = bytearray()
        self.lines = 0
        self.limit = limit

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer.extend(data)
        self.lines += bytes(data).count(b"\n")
        if self.lines > self.limit + 1:  # the header line plus one line per solution
            raise ResultTooLarge(f"the query has more than {self.limit} results; add a LIMIT")
        return len(data)


def serialize_solutions(result: QuerySolutions, job: QueryJob) -> QueryAnswer:
    # TSV has exactly one line per solution (newlines in literals are escaped) and is lossless, so it is
    # the one format we can count while pyoxigraph streams it; other formats are converted from it.
    sink = _CountingWriter(job.max_results)
    try:
        result.serialize(sink, format=QueryResultsFormat.TSV)  # type: ignore[arg-type]
    except ResultTooLarge:
        raise
    except OSError as exc:
        if isinstance(exc.__context__, ResultTooLarge) or "more than" in str(exc):
            raise ResultTooLarge(f"the query has more than {job.max_results} results; add a LIMIT") from exc
        raise
    tsv = bytes(sink.buffer)
    count = max(0, tsv.count(b"\n") - 1)
    target = QueryResultsFormat.from_media_type(job.media_type)
    if target == QueryResultsFormat.TSV:
        return QueryAnswer(tsv, job.media_type, count)
    parsed = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    assert isinstance(parsed, QuerySolutions)
    return QueryAnswer(parsed.serialize(format=target) or b"", job.media_type, count)


def _triples(result: object, job: QueryJob) -> QueryAnswer:
    triples = []
    for triple in result:  # type: ignore[attr-defined]
        triples.append(triple)
        if len(triples) > job.max_results:
            raise ResultTooLarge(f"the query has more than {job.max_results} triples; add a LIMIT")
    fmt = RdfFormat.from_media_type(job.media_type) or RdfFormat.TURTLE
    return QueryAnswer(serialize_rdf(triples, fmt, base=job.base), job.media_type, len(triples))


def serialize_rdf(triples: Iterable[Triple], fmt: RdfFormat, *, base: str = DEFAULT_BASE,
                  main: str | None = None) -> bytes:
    """Triples in ``fmt``: Turtle and RDF/XML with prefixes, JSON-LD compact under the published context
    (``jsonld/``; ``main`` is the node written first)."""
    triples = list(triples)
    if fmt == RdfFormat.JSON_LD:
        return compact_jsonld(triples, main=main)
    prefixes = prefixes_for(triples, base=base) if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None
    return serialize(triples, format=fmt, prefixes=prefixes) or b""


def execute_job(store: Store, job: QueryJob, *, every_graph_default: bool = False) -> QueryAnswer:
    """Run ``job`` on ``store``; errors come back inside the answer (it may cross a process boundary).

    ``every_graph_default``: the caller knows that ``store`` holds exactly ``job.default_graphs`` and nothing in
    its own default graph (an in-memory copy, ``scoped.answer_from_copy``), so the default graph is given as the
    union of every graph, which is the same graph; the named graphs stay the job's."""
    try:
        if job.union_all:
            result = store.query(job.query, union_default_graph=True)
        elif every_graph_default:
            result = store.query(job.query, named_graphs=list(job.named_graphs), union_default_graph=True)
        else:
            result = store.query(job.query, default_graph=list(job.default_graphs),
                                 named_graphs=list(job.named_graphs))
        if isinstance(result, QueryBoolean):
            fmt = QueryResultsFormat.from_media_type(job.media_type) or QueryResultsFormat.JSON
            return QueryAnswer(result.serialize(format=fmt) or b"", job.media_type, 1)
        if isinstance(result, QuerySolutions):
            return serialize_solutions(result, job)
        return _triples(result, job)
    except ResultTooLarge as exc:
        return QueryAnswer(error_kind="too-large", error=str(exc))
    except QueryTimeout as exc:  # a remote store that stopped at the time limit it was given
        return QueryAnswer(error_kind="timeout", error=str(exc))
    except QueryError as exc:
        return QueryAnswer(error_kind="syntax", error=str(exc))
    except (InburgeringError, OSError, ValueError, RuntimeError) as exc:
        return QueryAnswer(error_kind="store", error=f"the query failed: {exc}")
