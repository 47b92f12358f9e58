"""Small scopes: a query worker answers a job over few quads from an in-memory copy of exactly the job's graphs.

Oxigraph on disk evaluated the cookbook for one municipality (6 graphs, 18,000 quads, in a store of 650 graphs) in
13-89 ms a query; the same graphs in an in-memory ``pyoxigraph.Store()`` in 1-17 ms (docs/performance.md). So each
query worker keeps copies, one per (publication folder, set of the job's graphs):

- **The same answers by construction.** A copy holds the job's graphs under their own names, quad for quad, and
  is queried with the same named-graph list as the disk, and the same default graph: the job's list, or, when
  the copy holds exactly those graphs, the union of its graphs, which is the same graph and 2-3 times faster to
  evaluate (``answer_from_copy``). It holds no other graph, so nothing outside the job's dataset is there to
  reach; and, as on disk, the job's dataset replaces whatever dataset the query names (``FROM``, ``FROM NAMED``:
  ``sparql.fix_dataset`` cut them to the readable graphs already). A copy made of packed graphs for texts that
  read only some predicates (``projection.read_predicates``) holds only those predicates' quads, which are all
  such a text can match.
- **Copied quad by quad** (``quads_for_pattern``), never by a dump and reload: the store's loader gives blank
  nodes new labels, and an answer that names a blank node of the ontology would differ from the disk's. The one
  exception is a municipality's copy for answers asked together (``answer_together``): its instance graphs hold
  no blank node (the mapping mints none), so each comes over as Oxigraph's N-Triples of it, one call into Rust per
  graph and no Python quad (a quarter less time, the same quads; a graph whose text holds ``_:`` still goes quad
  for quad), and the same text is then packed.
- **Built in the background** on first use: that job, and any that arrive while the copy is made, are answered
  from disk. Reading RocksDB is the slow part (about 50,000 quads/s): a one-municipality scope of 18,000 quads
  takes about 0.4 s, which must never count against a query's time limit. The copy goes on only while the
  worker evaluates no query (``querying``), in chunks of ``CHUNK`` quads.
- **Within a budget** of quads per worker (setting ``scope_copy_quads``; 0 switches copies off). A scope is sized
  first, cheaply: ``void:triples`` of the provenance graphs for instance graphs (what a load wrote: an upper bound), a
  bounded count in the store for the others. A scope larger than the budget stays on disk, and the copy itself
  stops past the budget whatever the records said. The least recently used copies make room.
- **One publication per copy.** A publication is its own folder, so a new one gives new keys; copies of a
  publication the worker no longer reads are dropped (``retire``).

Jobs over every graph (``QueryJob.union_all``, an admin's) always stay on disk.
"""

from __future__ import annotations

import dataclasses
import logging
import marshal
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, QuerySolutions, RdfFormat

from inburgering.namespaces import VOID, provenance_graph
from inburgering.security.dataset import public_graphs
from inburgering.service.execute import Answers, QueryAnswer, QueryJob, Together, execute_job
from inburgering.service.projection import read_predicates
from inburgering.store.embedded import EmbeddedStore

log = logging.getLogger(__name__)
#: Scopes found too large (remembered so they are not sized again) and retired publication folders, per worker.
REMEMBERED = 1024
#: Quads copied between two looks at whether the worker is evaluating a query (about 20 ms of copying).
CHUNK = 1000
#: zlib level of packed graphs (``pack``): level 3 made 11.3 MB of N-Triples 624 KB in 24 ms, read back in 17 ms.
PACK_LEVEL = 3
#: (publication folder, every graph of a job's dataset)
Key = tuple[str, frozenset[str]]


class TooLarge(Exception):
    """A scope holds more quads than may be copied."""


def scope_key(where: str, job: QueryJob) -> Key | None:
    """The copy that may answer ``job`` read from the publication at ``where``; ``None`` for a job over all graphs.

    >>> where, graphs = scope_key("/p", QueryJob("ASK {}", ("g1", "g2"), ("g2", "g3"), "application/json", 10))
    >>> where, sorted(graphs)
    ('/p', ['g1', 'g2', 'g3'])
    """
    if job.union_all:
        return None
    return where, frozenset(job.default_graphs) | frozenset(job.named_graphs)


def recorded_sizes(disk: EmbeddedStore, *, base: str) -> dict[str, int]:
    """``void:triples`` per graph as the provenance graphs record them (loads and erasures write them for their
    graphs; a triple a load wrote twice counts twice, so it is an upper bound). Public and union graphs have
    none."""
    graph = provenance_graph(base)
    result = disk.query(f"SELECT ?g ?n WHERE {{ GRAPH ?p {{ ?g {NamedNode(VOID + 'triples')} ?n }} "
                        f"FILTER(?p = {NamedNode(graph)} || STRSTARTS(STR(?p), {Literal(graph + '/')})) }}")
    assert isinstance(result, QuerySolutions)
    sizes: dict[str, int] = {}
    for row in result:
        graph, value = row["g"], row["n"]
        if isinstance(graph, NamedNode) and value is not None and value.value.isdigit():
            sizes[graph.value] = max(int(value.value), sizes.get(graph.value, 0))
    return sizes


def count_quads(disk: EmbeddedStore, graph: str, *, limit: int) -> int:
    """The quads of ``graph``, counted by the store up to ``limit + 1`` (no quad crosses into Python)."""
    result = disk.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit + 1} }}",
                        default_graph=[graph])
    assert isinstance(result, QuerySolutions)
    return int(next(iter(result))["n"].value)


def copy_graphs(disk: EmbeddedStore, graphs: Iterable[str], *, limit: int,
                pause: Callable[[], object] = lambda: None,
                known: Mapping[str, Sequence[Quad]] | None = None) -> tuple[EmbeddedStore, int]:
    """An in-memory store holding ``graphs`` of ``disk`` under the same names, quad for quad, and its quads;
    raises ``TooLarge`` past ``limit`` quads. ``pause`` is called before each ``CHUNK`` of quads and returns when
    the copy may go on. A graph in ``known`` is taken from there (its quads, read from ``disk`` before)."""
    copy = EmbeddedStore(None)
    copied = 0
    for graph in sorted(graphs):
        quads = iter(known[graph]) if known and graph in known else \
            disk.ox.quads_for_pattern(None, None, None, NamedNode(graph))
        while True:
            pause()
            chunk = list(islice(quads, CHUNK))
            if not chunk:
                break
            copied += len(chunk)
            if copied > limit:
                raise TooLarge(f"more than {limit} quads")
            copy.ox.extend(chunk)
    return copy, copied


def copy_as_text(disk: EmbeddedStore, graphs: Iterable[str], *, limit: int,
                 known: Mapping[str, Sequence[Quad]]) -> tuple[EmbeddedStore, dict[str, bytes]]:
    """What ``copy_graphs`` makes, for ``answer_together``: an in-memory store of ``graphs`` (and of the graphs in
    ``known``, taken as given), with each other graph read as Oxigraph's N-Triples of it and loaded as that text,
    and those texts. No Python object per quad: a quarter less time than ``copy_graphs`` for a municipality's
    graphs at national scale (docs/performance.md), the same quads. A graph whose text may hold a blank node (``_:``
    anywhere in it) is copied quad for quad instead, as a dump and reload would give its blank nodes new labels.
    Raises ``TooLarge`` past ``limit`` quads, once the graph that crosses it is read (so one graph can overshoot:
    the copies made here are of one municipality).

    >>> disk = EmbeddedStore(None)
    >>> disk.ox.add(Quad(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal("o"), NamedNode("http://x/g")))
    >>> copy, texts = copy_as_text(disk, ["http://x/g"], limit=10, known={})
    >>> list(copy.ox) == list(disk.ox), sorted(texts)
    (True, ['http://x/g'])
    """
    copy = EmbeddedStore(None)
    texts: dict[str, bytes] = {}
    copied = 0
    for graph in sorted(graphs):
        if graph in known:
            copy.ox.extend(known[graph])
            copied += len(known[graph])
        else:
            text = disk.ox.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))
            assert text is not None  # no output given: the bytes
            if b"_:" in text:
                quads = disk.ox.quads_for_pattern(None, None, None, NamedNode(graph))
                while chunk := list(islice(quads, CHUNK)):  # quad for quad, as copy_graphs
                    copy.ox.extend(chunk)
                    copied += len(chunk)
            else:
                # lenient: the text is Oxigraph's own serialisation of terms it checked in the store
                copy.ox.load(text, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph), lenient=True)
                texts[graph] = text
                copied += text.count(b"\n")
        if copied > limit:
            raise TooLarge(f"more than {limit} quads")
    return copy, texts


@dataclass
class ScopeCopy:
    """One copy: its store, its quads, how long it took to make, and the graphs it holds (``holds_graphs``)."""

    store: EmbeddedStore
    quads: int
    seconds: float
    holds: frozenset[str] | None


class ScopeCopies:
    """One worker's copies (see the module docstring): ``budget`` quads in all, the least recently used go first.

    The worker's query thread calls :meth:`lookup`; copies are made in one background thread at a time."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._copies: OrderedDict[Key, ScopeCopy] = OrderedDict()
        self._too_large: OrderedDict[Key, None] = OrderedDict()
        self._retired: OrderedDict[str, None] = OrderedDict()
        self._sizes: dict[str, dict[str, int]] = {}  # per publication folder: quads per graph, recorded or counted
        self._lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._idle = threading.Event()  # set while the worker evaluates no query: a copy goes on only then
        self._idle.set()

    @property
    def quads(self) -> int:
        """The quads held in all copies."""
        with self._lock:
            return sum(c.quads for c in self._copies.values())

    def keys(self) -> list[Key]:
        """The keys of the copies held, least recently used first."""
        with self._lock:
            return list(self._copies)

    def lookup(self, disk: EmbeddedStore, where: str, job: QueryJob) -> ScopeCopy | None:
        """The copy to answer ``job`` from, or ``None``: answer from ``disk`` (the publication at ``where``). A
        missing copy of a scope that may fit is then made in the background, unless one is being made or the job
        asks for none (``QueryJob.copy``)."""
        key = scope_key(where, job)
        if key is None or self.budget <= 0:
            return None
        with self._lock:
            held = self._copies.get(key)
            if held is not None:
                self._copies.move_to_end(key)
                return held
            if (not job.copy or key in self._too_large or where in self._retired
                    or (self._builder and self._builder.is_alive())):
                return None
            self._builder = threading.Thread(target=self._build_quietly, args=(disk, key, job.base),
                                             name="scope-copy", daemon=True)
            self._builder.start()
        return None

    @contextmanager
    def querying(self) -> Iterator[None]:
        """Around a job: the copy being made waits meanwhile. The worker's threads share one interpreter lock, so
        a copy beside a query made the query up to 4x slower (first queries of 4-8 s instead of 1.3-2.3 s for a
        scope of 172,000 quads), close to the time limit, whose kill would lose the copy too."""
        self._idle.clear()
        try:
            yield
        finally:
            self._idle.set()

    def wait(self, timeout_s: float | None = None) -> None:
        """Until the copy being made is done (tests and benchmarks)."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout_s)

    def retire(self, where: str) -> None:
        """The worker no longer reads the publication at ``where``: drop its copies, and make none of it again."""
        with self._lock:
            self._retired[where] = None
            while len(self._retired) > REMEMBERED:
                self._retired.popitem(last=False)
            for key in [k for k in self._copies if k[0] == where]:
                del self._copies[key]
            for key in [k for k in self._too_large if k[0] == where]:
                del self._too_large[key]
            self._sizes.pop(where, None)

    def _build_quietly(self, disk: EmbeddedStore, key: Key, base: str) -> None:
        try:
            self.build(disk, key, base=base)
        except Exception:  # a copy is an optimisation: the disk answers meanwhile, and the error shows there too
            log.exception("could not copy the scope %s", key)

    def build(self, disk: EmbeddedStore, key: Key, *, base: str) -> ScopeCopy | None:
        """Make the copy of ``key`` from ``disk`` now (normally in the background thread); ``None`` when the scope is
        larger than the budget (remembered) or its publication was retired meanwhile."""
        started = time.perf_counter()
        try:
            estimate = self._size(disk, key, base=base)
            self._make_room(estimate)
            store, quads = copy_graphs(disk, key[1], limit=self.budget, pause=self._idle.wait)
        except TooLarge:
            with self._lock:
                self._too_large[key] = None
                while len(self._too_large) > REMEMBERED:
                    self._too_large.popitem(last=False)
            return None
        made = ScopeCopy(store, quads, time.perf_counter() - started, holds_graphs(store))
        with self._lock:
            if key[0] in self._retired:
                return None
            self._copies[key] = made
            while sum(c.quads for c in self._copies.values()) > self.budget:
                self._copies.popitem(last=False)  # the new copy is the last: alone it fits the budget
        log.info("copied %d graphs, %d quads, in %.2f s", len(key[1]), quads, made.seconds)
        return made

    def _size(self, disk: EmbeddedStore, key: Key, *, base: str) -> int:
        """The scope's quads as far as known before copying (see the module docstring); ``TooLarge`` past the
        budget. Counts are remembered per publication folder."""
        where, graphs = key
        with self._lock:
            known = self._sizes.get(where)
        if known is None:
            known = recorded_sizes(disk, base=base)
            with self._lock:
                self._sizes[where] = known
        total = 0
        for graph in sorted(graphs):
            size = known.get(graph)
            if size is None:
                size = count_quads(disk, graph, limit=self.budget - total)
                if size <= self.budget - total:  # an exact count: keep it
                    with self._lock:
                        known[graph] = size
            total += size
            if total > self.budget:
                raise TooLarge(f"more than {self.budget} quads")
        return total

    def _make_room(self, quads: int) -> None:
        """Drop the least recently used copies until ``quads`` more fit the budget (so a worker never holds more
        than its budget, also while it copies)."""
        with self._lock:
            while self._copies and sum(c.quads for c in self._copies.values()) + quads > self.budget:
                self._copies.popitem(last=False)


class PublicQuads:
    """One worker's quads of the public graphs (ontology, concepts, shapes, dataset) of the publication it reads,
    read once and put into every municipality's copy (``answer_together``): at national scale 14,000 quads, a
    third of a second from disk, for each of 300 municipalities. Another publication folder reads them again."""

    def __init__(self) -> None:
        self._where: str | None = None
        self._quads: dict[str, list[Quad]] = {}
        self._by_predicate: dict[str, dict[str, list[Quad]]] = {}

    def quads(self, disk: EmbeddedStore, where: str, graphs: Iterable[str], *, base: str,
              predicates: frozenset[str] | None = None) -> dict[str, list[Quad]]:
        """The quads of the public graphs among ``graphs``, of the publication ``disk`` (its folder ``where``);
        with ``predicates``, only those with one of them."""
        if where != self._where:
            self._where, self._quads, self._by_predicate = where, {}, {}
        public = set(public_graphs(base))
        for graph in public.intersection(graphs).difference(self._quads):
            self._quads[graph] = list(disk.ox.quads_for_pattern(None, None, None, NamedNode(graph)))
        if predicates is None:
            return {g: self._quads[g] for g in public.intersection(graphs)}
        out = {}
        for graph in public.intersection(graphs):
            if graph not in self._by_predicate:
                self._by_predicate[graph] = {}
                for quad in self._quads[graph]:
                    self._by_predicate[graph].setdefault(quad.predicate.value, []).append(quad)
            index = self._by_predicate[graph]
            out[graph] = [q for p in sorted(predicates.intersection(index)) for q in index[p]]
        return out


def pack(copy: EmbeddedStore, graphs: Iterable[str], *,
         texts: Mapping[str, bytes] | None = None) -> tuple[tuple[str, bytes], ...]:
    """``graphs`` of the in-memory ``copy``, each as its N-Triples split by predicate, each predicate's lines
    zlib-compressed (``Together.packed``): about 23 bytes a quad, against 400-800 for a quad in a store. A copy
    for a query that reads few predicates is made of theirs alone (``unpack``). For instance graphs, which hold
    no blank node: one would come back as another blank node (answers naming one are never combined,
    ``partitioned.py``). ``texts``: graphs' N-Triples already at hand (``copy_as_text``), packed as they are.

    >>> copy = EmbeddedStore(None)
    >>> copy.ox.add(Quad(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal("o"), NamedNode("http://x/g")))
    >>> [(g, len(unpack(copy_of=[(g, b)], known={}).ox)) for g, b in pack(copy, ["http://x/g"])]
    [('http://x/g', 1)]
    """
    packed = []
    for graph in sorted(graphs):
        data = texts.get(graph) if texts is not None else None
        if data is None:  # not given as text (``copy_as_text``): dumped from the copy
            data = copy.ox.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))
        assert data is not None  # no output given: the bytes
        packed.append((graph, _by_predicate(data)))
    return tuple(packed)


def _by_predicate(data: bytes) -> bytes:
    """Oxigraph's N-Triples of one graph as (predicate, compressed lines) pairs (``marshal``: the bytes only go
    between the service and its own workers). A line whose subject is a quoted triple goes under ``b""``, which
    every copy takes."""
    lines: dict[bytes, list[bytes]] = {}
    for line in data.split(b"\n"):
        if line:
            predicate = line.split(b" ", 2)[1] if not line.startswith(b"<<") else b""
            lines.setdefault(predicate, []).append(line)
    return marshal.dumps(tuple((predicate, zlib.compress(b"\n".join(group) + b"\n", PACK_LEVEL))
                               for predicate, group in sorted(lines.items())))


def unpack(*, copy_of: Iterable[tuple[str, bytes]], known: Mapping[str, Sequence[Quad]],
           predicates: frozenset[str] | None = None) -> EmbeddedStore:
    """An in-memory store of the packed graphs ``copy_of`` (``pack``) and the graphs ``known`` (quads, taken as
    given); with ``predicates`` (``projection.read_predicates``), of the packed graphs' quads with those
    predicates only: the same answers for a query that reads no other, from a smaller copy made sooner.

    Parsed without Oxigraph's check of every IRI (``lenient``): the text is Oxigraph's own serialisation of terms
    it checked in the store they came from, made by this service's worker and never read from outside. That
    takes 15-18 % off a municipality's answer to a new text (load, query, drop: docs/performance.md)."""
    wanted = None if predicates is None else {f"<{p}>".encode() for p in predicates} | {b""}
    copy = EmbeddedStore(None)
    for quads in known.values():
        copy.ox.extend(quads)
    for graph, packed in copy_of:
        text = b"".join(zlib.decompress(lines) for predicate, lines in marshal.loads(packed)
                        if wanted is None or predicate in wanted)
        copy.ox.load(text, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(graph), lenient=True)
    return copy


def _read_by_all(jobs: Sequence[QueryJob]) -> frozenset[str] | None:
    """The predicates every one of ``jobs`` reads at most, or ``None`` when one may read any."""
    found: set[str] = set()
    for job in jobs:
        predicates = read_predicates(job.query)
        if predicates is None:
            return None
        found |= predicates
    return frozenset(found)


def holds_graphs(copy: EmbeddedStore) -> frozenset[str] | None:
    """The graphs an in-memory copy holds, or ``None`` when something is in its default graph or in a graph named by
    a blank node (never, for the copies made here: every quad keeps its graph's IRI)."""
    graphs = list(copy.ox.named_graphs())
    if any(not isinstance(g, NamedNode) for g in graphs) or \
            next(iter(copy.ox.quads_for_pattern(None, None, None, DefaultGraph())), None) is not None:
        return None
    return frozenset(g.value for g in graphs)


def answer_from_copy(copy: EmbeddedStore, job: QueryJob, holds: frozenset[str] | None) -> QueryAnswer:
    """``job`` answered from ``copy``, which holds the graphs ``holds`` (``holds_graphs``). When those are exactly
    the job's default graphs, the default graph is asked as the union of every graph of the copy: the same graph,
    which Oxigraph evaluates 2-3 times faster than the same graphs listed (the cookbook over 10 municipalities'
    copies: 12.4 s → 5.9 s, the same answers; a triple in two graphs counts twice either way). A job that lists
    a graph the copy does not hold (an empty one) or leaves one out keeps its list; its named graphs are always
    its own list, which also replaces any ``FROM NAMED`` of the text as on disk."""
    every = holds is not None and not job.union_all and frozenset(job.default_graphs) == holds
    return dataclasses.replace(execute_job(copy, job, every_graph_default=every), from_copy=True)


def answer_together(disk: EmbeddedStore, together: Together, *, limit: int,
                    public: tuple[PublicQuads, str] | None = None) -> Answers:
    """Each of ``together.jobs`` (over one municipality's graphs) answered from one in-memory copy of all their
    graphs, each over its own dataset as on disk, made here and dropped afterwards; from ``disk`` when the graphs
    hold more than ``limit`` quads, or for a single job or one over every graph. A municipality's saved queries took
    0.1-1 s each from disk at national scale; from its copy a few ms after a copy of about a second
    (docs/performance.md). With ``public`` (the worker's ``PublicQuads`` and the folder ``disk`` reads) the public
    graphs' quads come from there: the same quads, blank nodes included, in the same order.

    With ``together.packed`` holding every graph of the jobs that is not public, the copy is made of those and the
    public quads, also for a single job, without reading the disk (50-100 ms for 40,000 quads, against about a
    second); a packed graph outside the jobs' datasets is not taken. With ``together.pack`` the municipality
    graphs of a copy go back packed."""
    jobs = together.jobs
    graphs = frozenset(g for job in jobs for g in (*job.default_graphs, *job.named_graphs))
    shared = graphs.intersection(public_graphs(jobs[0].base))
    own = graphs - shared
    packed = {g: data for g, data in together.packed if g in own}
    from_packed = bool(own) and len(packed) == len(own)
    if limit <= 0 or any(job.union_all for job in jobs) or (len(jobs) < 2 and not from_packed):
        return Answers(tuple(execute_job(disk, job) for job in jobs))
    quads, where = public if public is not None else (PublicQuads(), str(disk.path))
    predicates = _read_by_all(jobs) if from_packed else None
    known = quads.quads(disk, where, shared, base=jobs[0].base, predicates=predicates)
    texts: dict[str, bytes] = {}
    if from_packed:
        copy = unpack(copy_of=sorted(packed.items()), known=known, predicates=predicates)
    else:
        try:
            copy, texts = copy_as_text(disk, graphs, limit=limit, known=known)
        except TooLarge:
            return Answers(tuple(execute_job(disk, job) for job in jobs))
    holds = holds_graphs(copy)
    if holds is not None and predicates is not None:
        holds = frozenset(packed) | frozenset(known)  # a graph without the predicates is in the copy, empty
    answers = tuple(answer_from_copy(copy, job, holds) for job in jobs)
    return Answers(answers, pack(copy, own, texts=texts) if together.pack else ())


__all__ = ["PublicQuads", "ScopeCopies", "ScopeCopy", "TooLarge", "answer_from_copy", "answer_together", "copy_as_text",
           "copy_graphs", "count_quads", "holds_graphs", "pack", "recorded_sizes", "scope_key", "unpack"]
