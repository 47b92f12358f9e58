"""Saved queries over municipalities: each municipality's answer kept while its graphs are the same, combined.

A saved query with a ``combine`` header (``cookbook/spec.py``) is *decomposable by municipality*: asked over the
graphs of one or more municipalities (and the public graphs), its answer is ``combine`` applied to the rows of its
answers over each municipality's graphs alone, provided no person is published by two of them. The cookbook's
monitoring questions are of that kind: each joins one person's records and counts, sums or lists per person.
Over the whole country the plain query joins millions of triples on disk (7-30 s and more at 130,000 persons);
one municipality's answer is a small query over a few graphs, asked once per publication of its graphs and kept,
so that a request combines kept answers only. With one municipality that is the query's own answer, kept: a
token holder's saved queries are asked once per publication of their municipality's graphs.

- **Kept while the graphs are the same.** A published graph never changes under its name (a load or an erasure
  publishes new graphs: ``store.publication``), so a municipality's answer is keyed by the query's text and the
  names of its graphs, with a digest of the public graphs it was evaluated with (``model publish`` rewrites those
  in place). A load of one municipality makes only that municipality's answers be asked again: the work at a
  publication is in proportion to what it changed. Answers are kept per service process, in memory, up to
  ``MAX_PARTS`` of them (least recently used first out), and in a file the service processes share and find
  again after a restart (``kept.py``).
- **The same answer as the plain query, or the plain query.** A person's records are all in graphs that hold the
  person's node (the mapping writes the node with the person's first triple in every graph: ``erasure/locate``),
  so municipalities whose graphs share no person node share no record either, and a query that joins within one
  person's records cannot join across them. Each municipality's persons are asked alongside its answer; if two
  municipalities in the scope share one, or an answer holds a blank node (which ``VALUES`` cannot carry), or the
  dataset is not made of municipalities' instance graphs and public graphs only, the plain query runs instead.
  The tests compare every saved query's combined answer with the plain one (``tests/service/test_partitioned.py``).
- **Exactly the scope.** Each municipality's answer is evaluated over that municipality's readable graphs of the
  caller's dataset and the public graphs, nothing else, so a token never reaches a graph it could not read, and
  the same municipality read with and without its ``/bijzonder`` graph gives two different keys.
- **Combined by SPARQL.** ``combine`` is a query over ``VALUES`` rows (``$rows`` marks where they go), run on an
  empty in-memory store: the same arithmetic, rounding, ordering and serialisation as the plain query.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pyoxigraph import (
    BlankNode,
    QueryResultsFormat,
    QuerySolutions,
    parse_query_results,
)
from pyoxigraph import (
    Store as OxStore,
)

from inburgering.namespaces import VOCAB, gemeente_iri, instance_graph_prefix, public_graph, thing_iri
from inburgering.security.dataset import public_graphs
from inburgering.security.scope import AccessScope
from inburgering.service.cookbook.spec import ROWS, Combine
from inburgering.service.execute import QueryAnswer, QueryJob, ResultTooLarge, Together, serialize_solutions
from inburgering.service.kept import Asked, KeptFile
from inburgering.service.worker import QueryEngine, execute_together
from inburgering.store.base import Store

log = logging.getLogger(__name__)
#: Municipalities' answers kept per service process (a cookbook of 17 queries over 300 municipalities: 5,100);
#: the setting ``kept_answers``.
MAX_PARTS = 20_000
#: Saved queries and scopes remembered for asking again after a publication.
MAX_ASKED = 256
TSV = "text/tab-separated-values"
_GEMEENTE = re.compile(r"gm(\d{4})/")
#: From how many saved queries a municipality's answers are asked together, from one copy of its graphs: the copy
#: reads the graphs once (about 57,000 quads/s: 0.4-2.9 s at national scale), a query from disk took 0.14-0.8 s
#: (``python -m bench.together``). A service whose first requests each brought one new query copied every
#: municipality for one query at a time: 54 answers a minute at national scale, against 640 for 17 queries together.
TOGETHER_FROM = 4
#: Bytes of municipalities' graphs kept packed per service process (``Partitioned.packed``), the setting
#: ``packed_graph_bytes``: about 23 bytes a quad: 293 MB for the national store's 12.6 million instance quads.
PACKED_BYTES = 768 * 1024 * 1024
#: The persons of a municipality's graphs: their nodes (``thing_iri(base, "persoon", …)``).
PERSONS = "SELECT DISTINCT ?persoon WHERE {{ ?persoon ?p ?o FILTER(STRSTARTS(STR(?persoon), {prefix})) }}"


#: The longest ``Retry-After`` given to a request told its answers are being asked (a client may wait that long
#: without looking again, while the estimate is made at the pace of the first municipalities).
MAX_RETRY_AFTER_S = 300


def retry_after(left: float | None, timeout_s: float) -> int:
    """``Retry-After`` seconds for a request told to ask again: the background's time left (``Progress``), between
    1 and ``MAX_RETRY_AFTER_S``; without an estimate, the time limit (a retry then asks for as long again).

    >>> retry_after(None, 30), retry_after(0.2, 30), retry_after(141.3, 30), retry_after(5000, 30)
    (30, 1, 142, 300)
    """
    seconds = timeout_s if left is None else left
    return max(1, min(MAX_RETRY_AFTER_S, math.ceil(seconds)))


@dataclass(frozen=True)
class Partition:
    """A dataset as municipalities' graphs (``parts``: code → graphs) beside the public graphs (``shared``)."""

    parts: dict[str, tuple[str, ...]]
    shared: tuple[str, ...]


def partition(readable: Sequence[str], *, base: str) -> Partition | None:
    """``readable`` split per municipality, or ``None`` when it holds a graph that is neither a municipality's
    instance graph nor a public one (an admin's provenance graphs, test graphs), or no municipality's graph.

    >>> p = partition(["http://x/graph/gm0014/duo/L1", "http://x/graph/gm0363/duo/L2",
    ...                "http://x/graph/gm0363/duo/L2/bijzonder", "http://x/graph/concepts"], base="http://x")
    >>> sorted(p.parts.items()), p.shared
    ([('GM0014', ('http://x/graph/gm0014/duo/L1',)), ('GM0363', ('http://x/graph/gm0363/duo/L2', \
'http://x/graph/gm0363/duo/L2/bijzonder'))], ('http://x/graph/concepts',))
    """
    prefix = instance_graph_prefix(base)
    public = set(public_graphs(base))
    parts: dict[str, list[str]] = {}
    shared = []
    for graph in readable:
        match = _GEMEENTE.match(graph, len(prefix) - 2) if graph.startswith(prefix) else None
        if match is not None:
            parts.setdefault("GM" + match.group(1), []).append(graph)
        elif graph in public:
            shared.append(graph)
        else:
            return None
    if not parts:
        return None
    return Partition({gm: tuple(sorted(gs)) for gm, gs in parts.items()}, tuple(sorted(shared)))


#: Per person with ``inb:gemeente`` one of the ``VALUES``, in which graph that is and every graph holding the
#: person's node (``narrow``).
_GEMEENTE_GRAPHS = ("SELECT DISTINCT ?h ?g WHERE {{ VALUES ?x {{ {codes} }} GRAPH ?h {{ ?p <{vocab}gemeente> ?x }} "
                    "GRAPH ?g {{ ?p ?q ?o }} }}")
_GEMEENTEN = "SELECT DISTINCT ?x WHERE {{ ?p <{vocab}gemeente> ?x }}"


@dataclass(frozen=True)
class Narrowed:
    """``narrow``'s answer: the municipalities' part of a partition, and whether all their persons have one of
    the requested municipalities as ``inb:gemeente`` (then the ``gemeente`` filter lets every row through)."""

    parts: Partition
    filter_passes_all: bool


def narrow(store: Store, parts: Partition, codes: Sequence[str]) -> Narrowed | None:
    """``parts`` cut to the municipalities ``codes``, for a saved query declared ``by-gemeente``
    (``SavedQuery.by_gemeente``) asked with ``gemeente`` = ``codes``; ``None`` when that would not be exact.

    Every row of such a query comes from a person P with ``P inb:gemeente X`` (X in ``codes``) in a graph of the
    scope, and joins P's records, which are in the graphs that hold P's node (see the module docstring), and the
    public graphs. So the answer over the whole scope is the answer over the graphs of ``codes`` alone when, in
    the scope, (1) every graph stating ``inb:gemeente X`` is one of those municipalities' graphs, and (2) each
    such person's node is in none of the other municipalities' graphs. One query over the store tells both, per
    person (``_GEMEENTE_GRAPHS``); graphs outside the scope are left out of the decision, so it does not depend
    on what the caller cannot read. Municipalities of ``codes`` without a readable graph give no part: with none
    left, the answer is the query's over the public graphs alone."""
    own = {g for code in codes for g in parts.parts.get(code, ())}
    readable = {g for graphs in parts.parts.values() for g in graphs} | set(parts.shared)
    allowed = own | set(parts.shared)
    values = " ".join(f"<{gemeente_iri(code)}>" for code in codes)
    found = store.query(_GEMEENTE_GRAPHS.format(codes=values, vocab=VOCAB))
    assert isinstance(found, QuerySolutions)
    for row in found:
        held, graph = row["h"].value, row["g"].value
        if held in readable and graph in readable and graph not in allowed:
            return None
    kept = Partition({code: parts.parts[code] for code in sorted(set(codes)) if code in parts.parts}, parts.shared)
    if not own:
        return Narrowed(kept, True)
    stated = store.query(_GEMEENTEN.format(vocab=VOCAB), default_graph=sorted(own))
    assert isinstance(stated, QuerySolutions)
    wanted = {gemeente_iri(code) for code in codes}
    return Narrowed(kept, all(row["x"].value in wanted for row in stated))


def public_digest(store: Store, graphs: Sequence[str], *, base: str) -> str:
    """A digest of the public graphs' triples (``model publish`` rewrites them under the same names), sorted so
    that the order a store gives them in does not matter. The dataset graph is left out: every publication
    rewrites its catalogue (``dct:modified``), and no saved query with a ``combine`` reads it (the tests compare
    each with the plain query over a dataset that holds it)."""
    digest = hashlib.sha256()
    for graph in sorted(graphs):
        if graph == public_graph(base, "dataset"):
            continue
        result = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", default_graph=[graph])
        assert isinstance(result, QuerySolutions)
        lines = sorted(f"{row['s']} {row['p']} {row['o']}" for row in result)
        digest.update(graph.encode() + b"\n" + "\n".join(lines).encode() + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class PartAnswer:
    """One municipality's answer: its variables, its rows (N-Triples terms, ``UNDEF`` for unbound) and persons."""

    variables: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    persons: frozenset[str]


@dataclass
class Progress:
    """How far :meth:`Partitioned.fill` has come: municipalities (``groups``) done since ``started``."""

    groups: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    def seconds_left(self) -> float | None:
        """The time the rest will take at the pace so far, or ``None`` before the first municipality is done.

        >>> p = Progress(groups=10, done=4, started=time.monotonic() - 8.0)
        >>> round(p.seconds_left())
        12
        """
        if self.done == 0:
            return None
        return (time.monotonic() - self.started) / self.done * (self.groups - self.done)


class Unusable(Exception):
    """The combined path cannot answer this exactly: run the plain query."""


def _rows(tsv: bytes) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    result = parse_query_results(tsv, format=QueryResultsFormat.TSV)
    assert isinstance(result, QuerySolutions)
    variables = tuple(v.value for v in result.variables)
    rows = []
    for solution in result:
        row = []
        for name in variables:
            term = solution[name]
            if term is None:
                row.append("UNDEF")
            elif isinstance(term, BlankNode):
                raise Unusable("a blank node in an answer")
            else:
                row.append(str(term))
        rows.append(tuple(row))
    return variables, tuple(rows)


def check_apart(answers: Sequence[PartAnswer], unique: Sequence[str]) -> None:
    """Raises ``Unusable`` when a person is in two answers, or two answers have a row with the same values of
    ``unique``."""
    seen: set[str] = set()
    keys: set[tuple[str, ...]] = set()
    for answer in answers:
        if not seen.isdisjoint(answer.persons):
            raise Unusable("a person is published by two of the scope's municipalities")
        seen |= answer.persons
        if unique:
            at = [answer.variables.index(v) for v in unique]
            own = {tuple(row[i] for i in at) for row in answer.rows}
            if not keys.isdisjoint(own):
                raise Unusable(f"two municipalities answer for the same {', '.join(unique)}")
            keys |= own


def combine_text(combine: str, variables: Sequence[str], answers: Sequence[PartAnswer]) -> str:
    """``combine`` with ``$rows`` replaced by every answer's rows, in ``variables``' order.

    >>> a = PartAnswer(("n",), (('"1"^^<http://www.w3.org/2001/XMLSchema#integer>',),), frozenset())
    >>> combine_text("SELECT (SUM(?n) AS ?s) WHERE { VALUES (?n) { $rows } }", ("n",), [a, a])
    'SELECT (SUM(?n) AS ?s) WHERE { VALUES (?n) { ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) \
("1"^^<http://www.w3.org/2001/XMLSchema#integer>) } }'
    """
    for answer in answers:
        if answer.variables != tuple(variables):
            raise Unusable(f"answers with different variables: {answer.variables} and {tuple(variables)}")
    rows = " ".join("(" + " ".join(row) + ")" for answer in answers for row in answer.rows)
    return combine.replace(ROWS, rows)


class Partitioned:
    """One service process's municipalities' answers (see the module docstring), in memory and, with ``kept``,
    in the file the service processes share (``kept.py``)."""

    def __init__(self, *, workers: int = 2, max_parts: int = MAX_PARTS, kept: KeptFile | None = None,
                 packed_bytes: int = PACKED_BYTES) -> None:
        self.workers = max(1, workers)
        self.max_parts = max_parts
        self.kept = kept
        self.packed_bytes = packed_bytes
        #: Municipalities' graphs packed by the workers that copied them (``scoped.pack``), by name, least recently
        #: used first, within ``packed_bytes``: a new text over them is answered from a copy made of these (50-100
        #: ms for 40,000 quads) instead of from disk (0.5-8 s at national scale), in whichever worker is free.
        self._packed: OrderedDict[str, bytes] = OrderedDict()
        self._packed_size = 0
        self._parts: OrderedDict[tuple[str, tuple[str, ...], str], PartAnswer] = OrderedDict()
        self._persons: OrderedDict[tuple[str, ...], frozenset[str]] = OrderedDict()
        #: What the last combined answers took (benchmarks and logs): parts asked, parts kept, seconds.
        self.last: dict[str, float] = {}
        #: The saved queries answered combined, and for which scope: asked again after a publication (``rewarm``).
        self.asked: OrderedDict[tuple[str, Any], tuple[QueryJob, AccessScope]] = OrderedDict()
        #: Something asks the answers in the background (the service's ``keep_warm``): a request that runs out of
        #: time sets ``wanted``, and is told the rest is being asked.
        self.warming = False
        self.wanted = asyncio.Event()
        #: Answers :meth:`fill` left because another process claimed them: to look at again later.
        self.skipped = 0
        #: How far the running :meth:`fill` has come (``None`` when none runs): a request told to ask again is
        #: told when (``Retry-After``).
        self.progress: Progress | None = None
        #: The texts asked ahead of the analysts (``ahead.py``): not remembered as asked, they are asked anyway.
        self.ahead: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self._parts)

    def remember(self, job: QueryJob, scope: AccessScope) -> None:
        """``job`` was asked combined for ``scope``: keep it for :meth:`fill` after the next publication and
        restart (at most ``MAX_ASKED``, the least recently asked go first). The token is left out: two tokens
        of the same rights are one scope."""
        if job.query in self.ahead:
            return
        scope = replace(scope, token_id=None)
        key = (job.query, scope)
        new = key not in self.asked
        self.asked[key] = (job, scope)
        self.asked.move_to_end(key)
        while len(self.asked) > MAX_ASKED:
            self.asked.popitem(last=False)
        if new and self.kept is not None:  # a write per new query and scope, not per request
            self.kept.remember(Asked(job.query, job.base, job.max_results, scope))

    def load_asked(self) -> int:
        """The saved queries and scopes asked before, from the file (after a restart); returns how many."""
        if self.kept is None:
            return 0
        found = self.kept.asked(MAX_ASKED)
        for item in found:
            job = QueryJob(item.text, (), (), TSV, item.max_results, item.base)
            self.asked[(job.query, item.scope)] = (job, item.scope)
        return len(found)

    def _lookup(self, key: tuple[str, tuple[str, ...], str]) -> PartAnswer | None:
        answer = self._parts.get(key)
        if answer is not None:
            self._parts.move_to_end(key)
            return answer
        if self.kept is None:
            return None
        found = self.kept.get(*key)
        persons = self._known_persons(key[1]) if found is not None else None
        if found is None or persons is None:
            return None
        answer = PartAnswer(found[0], tuple(tuple(row) for row in found[1]), persons)
        self._memorise(key, answer)
        return answer

    def _known_persons(self, own: tuple[str, ...]) -> frozenset[str] | None:
        """The persons of the graphs ``own``, from memory or the kept file; ``None`` when not asked yet."""
        persons = self._persons.get(own)
        if persons is None and self.kept is not None:
            listed = self.kept.persons(own)
            persons = None if listed is None else self._remember_persons(own, frozenset(listed))
        return persons

    async def fill(self, engine: QueryEngine, items: Sequence[tuple[QueryJob, Partition]], *, digest: str,
                   timeout_s: float, until: Callable[[], bool] | None = None) -> int:
        """Ask every municipality's answer of ``items`` not kept yet, ``workers`` municipalities at a time (as many
        as this process has query workers for token holders; an analyst's query meanwhile borrows the anonymous
        callers' worker, ``scheduling.py``, or waits for the next free one): each municipality's jobs together, for
        every set of its graphs the scopes read (with and without its special categories), in one worker from one
        in-memory copy of them all (``worker.execute_together``); returns how many answers were asked. A job that
        fails is left to the next request. One another service process claimed (``KeptFile.claim``) is left to
        it. Stops early when ``until()`` is true."""
        groups: dict[tuple[str, tuple[str, ...]], dict[tuple[tuple[str, ...], str], QueryJob]] = {}
        for job, parts in items:
            for gm, own in parts.parts.items():
                if (job.query, own, digest) not in self._parts:
                    groups.setdefault((gm, parts.shared), {})[(own, job.query)] = job
        queue = iter(sorted(groups.items(), key=lambda item: item[0][0]))  # shared by the lanes
        asked = 0
        progress = self.progress = Progress(len(groups))

        async def ask(shared: tuple[str, ...], jobs: dict[tuple[tuple[str, ...], str], QueryJob]) -> None:
            nonlocal asked
            todo = []
            for (own, _), job in jobs.items():
                key = (job.query, own, digest)
                if self._lookup(key) is not None:
                    continue
                if self.kept is not None and not self.kept.claim(repr(key), lease_s=2 * timeout_s):
                    self.skipped += 1
                    continue
                todo.append((own, job))
            if not todo:
                return
            try:
                results = await self._parts_together(engine, todo, shared, timeout_s=timeout_s)
            finally:
                if self.kept is not None:
                    for own, job in todo:
                        self.kept.release(repr((job.query, own, digest)))
            asked += len(todo)
            for (own, job), result in zip(todo, results, strict=True):
                if isinstance(result, PartAnswer):
                    self._keep((job.query, own, digest), result)

        async def lane() -> None:
            for (_, shared), jobs in queue:
                if until is not None and until():
                    return
                await asyncio.sleep(0)  # at start this reads thousands of answers from the file: let requests in
                await ask(shared, jobs)
                progress.done += 1

        try:
            async with asyncio.TaskGroup() as lanes:  # one failing stops the others
                for _ in range(min(self.workers, len(groups))):
                    lanes.create_task(lane())
        finally:
            if self.progress is progress:
                self.progress = None
        return asked

    async def _parts_together(self, engine: QueryEngine, todo: Sequence[tuple[tuple[str, ...], QueryJob]],
                              shared: tuple[str, ...], *, timeout_s: float) -> list[PartAnswer | QueryAnswer]:
        """One municipality's answers to ``todo`` (each job with the municipality's graphs its scope reads), asked
        together, with its persons per set of graphs when not known yet: every job keeps its own dataset, the copy
        holds them all. When that runs out of time (a municipality too large to copy, whose answers come from
        disk), or for fewer than ``TOGETHER_FROM`` jobs (the copy would cost more than it saves), one by one."""
        if len(todo) < TOGETHER_FROM:
            return [await self._part(engine, job, own, shared, timeout_s=timeout_s) for own, job in todo]
        parts = [self._part_job(job, own, shared) for own, job in todo]
        persons = {own: self._known_persons(own) for own, _ in todo}
        unknown = sorted(own for own, found in persons.items() if found is None)
        over = {own: part for (own, _), part in zip(todo, parts, strict=True)}  # a job over each set, for its persons
        packed = self._packed_of({g for own, _ in todo for g in own})
        reply = await execute_together(engine, Together((*parts, *(self._persons_job(over[own]) for own in unknown)),
                                                        packed=packed, pack=not packed and self.packed_bytes > 0),
                                       timeout_s=timeout_s)
        self._pack(reply.packed)
        answers = reply.answers
        if any(a.error_kind == "timeout" for a in answers):
            return [await self._part(engine, job, own, shared, timeout_s=timeout_s) for own, job in todo]
        failed: dict[tuple[str, ...], QueryAnswer] = {}
        for own, people in zip(unknown, answers[len(parts):], strict=True):
            if people.error_kind is not None:
                failed[own] = people
            else:
                persons[own] = self._found_persons(own, people)
        out: list[PartAnswer | QueryAnswer] = []
        for (own, _), answer in zip(todo, answers, strict=False):
            found = persons[own]
            if own in failed or answer.error_kind is not None or found is None:
                out.append(failed.get(own, answer))
                continue
            if own in self._persons:
                self._persons.move_to_end(own)
            out.append(PartAnswer(*_rows(answer.body), found))
        return out

    async def answer(self, engine: QueryEngine, job: QueryJob, combine: Combine, parts: Partition, *, digest: str,
                     timeout_s: float, background: bool = True) -> QueryAnswer:
        """The answer to ``job`` from its municipalities' answers, or raises ``Unusable`` (then run ``job``).
        ``background``: what runs out of time is asked in the background (``remember``), and the error says so."""
        started = time.perf_counter()
        deadline = started + timeout_s
        kept: dict[tuple[str, ...], PartAnswer] = {}
        for graphs in parts.parts.values():
            found = self._lookup((job.query, graphs, digest))
            if found is not None:
                kept[graphs] = found
        # from the last municipality on: the background (``fill``) asks from the first, so a request asked again
        # while the background asks the same text meets it halfway instead of asking what it asks
        missing = [gm for gm, graphs in reversed(parts.parts.items()) if graphs not in kept]
        asked = 0
        gate = asyncio.Semaphore(self.workers)
        # the request's limit, not what was left of it for one municipality
        out_of_time = QueryAnswer(error_kind="timeout", error=f"the query took more than {timeout_s:g} s")

        async def one(gm: str) -> PartAnswer | QueryAnswer:
            nonlocal asked
            key = (job.query, parts.parts[gm], digest)
            async with gate:
                found = self._lookup(key)  # kept by the background meanwhile
                if found is not None:
                    return found
                left = deadline - time.perf_counter()
                if left <= 0:
                    return out_of_time
                asked += 1
                try:  # the wait for a free worker counts too: the request's limit bounds the request
                    result = await asyncio.wait_for(
                        self._part(engine, job, parts.parts[gm], parts.shared, timeout_s=left), left)
                except TimeoutError:
                    return out_of_time
            if isinstance(result, PartAnswer):  # kept at once, for the background; also when another times out
                self._keep(key, result)
            elif result.error_kind == "timeout":
                return out_of_time
            return result

        results = await asyncio.gather(*(one(gm) for gm in missing))
        for gm, result in zip(missing, results, strict=True):
            if isinstance(result, PartAnswer):
                kept[parts.parts[gm]] = result
        failed = next((r for r in results if isinstance(r, QueryAnswer)), None)
        if failed is not None and failed.error_kind == "timeout" and self.warming and background:
            self.wanted.set()
            done = sum(graphs in kept for graphs in parts.parts.values())
            left = None if self.progress is None else self.progress.seconds_left()
            when = "in a few minutes" if left is None else f"in about {math.ceil(left)} s, when the background " \
                "has asked every municipality at its pace so far"
            return replace(failed, error=f"{failed.error}; this saved query is answered from each municipality's "
                           f"answer, {done} of {len(parts.parts)} kept so far: the others are being asked in "
                           f"the background, ask again {when}", retry_after_s=retry_after(left, timeout_s))
        if failed is not None:
            return failed  # a timeout or an error, as the plain query would give
        answers = [kept[graphs] for graphs in parts.parts.values()]
        check_apart(answers, combine.unique)
        combined = self._combine(job, combine.query, answers)
        self.last = {"parts": len(answers), "asked": asked, "seconds": time.perf_counter() - started}
        log.info("combined %d municipalities' answers (%d asked) in %.3f s", len(answers), asked, self.last["seconds"])
        return replace(combined, combined=len(answers))

    async def _part(self, engine: QueryEngine, job: QueryJob, own: tuple[str, ...], shared: tuple[str, ...], *,
                    timeout_s: float) -> PartAnswer | QueryAnswer:
        part = self._part_job(job, own, shared)
        persons = self._known_persons(own)
        packed = self._packed_of(set(own))
        if packed:  # from a copy of the packed graphs, with the persons when not known yet
            jobs = (part,) if persons is not None else (part, self._persons_job(part))
            answers = (await execute_together(engine, Together(jobs, packed=packed), timeout_s=timeout_s)).answers
        else:
            answers = (await engine.execute(part, timeout_s=timeout_s),)
        answer = answers[0]
        if answer.error_kind is not None:
            return answer
        if persons is None:  # over the same graphs as the answer
            people = answers[1] if len(answers) > 1 else \
                await engine.execute(self._persons_job(part), timeout_s=timeout_s)
            if people.error_kind is not None:
                return people
            persons = self._found_persons(own, people)
        self._persons.move_to_end(own)
        return PartAnswer(*_rows(answer.body), persons)

    @staticmethod
    def _part_job(job: QueryJob, own: tuple[str, ...], shared: tuple[str, ...]) -> QueryJob:
        """``job`` over one municipality's graphs ``own`` and the public graphs ``shared``."""
        graphs = own + shared
        return replace(job, default_graphs=graphs, named_graphs=graphs, media_type=TSV, union_all=False, copy=False)

    @staticmethod
    def _persons_job(part: QueryJob) -> QueryJob:
        """The persons of the graphs of ``part`` (the answer's ``persons``)."""
        prefix = thing_iri(part.base, "persoon", "x")[:-1]
        return replace(part, query=PERSONS.format(prefix=f'"{prefix}"'), max_results=10**9)

    def _found_persons(self, own: tuple[str, ...], people: QueryAnswer) -> frozenset[str]:
        persons = self._remember_persons(own, frozenset(row[0] for row in _rows(people.body)[1]))
        if self.kept is not None:
            self.kept.put_persons(own, persons)
        return persons

    def _remember_persons(self, own: tuple[str, ...], persons: frozenset[str]) -> frozenset[str]:
        self._persons[own] = persons
        while len(self._persons) > self.max_parts:
            self._persons.popitem(last=False)
        return persons

    def _packed_of(self, graphs: set[str]) -> tuple[tuple[str, bytes], ...]:
        """``graphs`` packed, when every one of them is; otherwise nothing."""
        if not graphs or not graphs.issubset(self._packed):
            return ()
        for graph in graphs:
            self._packed.move_to_end(graph)
        return tuple((g, self._packed[g]) for g in sorted(graphs))

    def _pack(self, packed: Sequence[tuple[str, bytes]]) -> None:
        for graph, data in packed:
            if graph not in self._packed:
                self._packed[graph] = data
                self._packed_size += len(data)
        while self._packed_size > self.packed_bytes and self._packed:
            self._packed_size -= len(self._packed.popitem(last=False)[1])

    @property
    def packed(self) -> tuple[int, int]:
        """How many graphs are kept packed, and their bytes."""
        return len(self._packed), self._packed_size

    def prune(self, published: Callable[[], set[str]]) -> int:
        """Forget the packed graphs, answers and persons over a graph not in ``published()`` (the instance graphs
        published now and the public graphs; asked only when something is kept): an erased person's records leave
        this process's memory with the person's graphs, as they leave the kept file (``KeptFile.prune``). Returns
        how many entries went."""
        if not (self._packed or self._parts or self._persons):
            return 0
        now = published()
        gone = 0
        for graph in [g for g in self._packed if g not in now]:
            self._packed_size -= len(self._packed.pop(graph))
            gone += 1
        for key in [k for k in self._parts if not now.issuperset(k[1])]:
            del self._parts[key]
            gone += 1
        for own in [o for o in self._persons if not now.issuperset(o)]:
            del self._persons[own]
            gone += 1
        return gone

    def _memorise(self, key: tuple[str, tuple[str, ...], str], answer: PartAnswer) -> None:
        self._parts[key] = answer
        while len(self._parts) > self.max_parts:
            self._parts.popitem(last=False)

    def _keep(self, key: tuple[str, tuple[str, ...], str], answer: PartAnswer) -> None:
        self._memorise(key, answer)
        if self.kept is not None:
            self.kept.put(*key, answer.variables, answer.rows)

    @staticmethod
    def _combine(job: QueryJob, combine: str, answers: Sequence[PartAnswer]) -> QueryAnswer:
        text = combine_text(combine, answers[0].variables, answers)
        result = OxStore().query(text)
        assert isinstance(result, QuerySolutions)
        try:
            return serialize_solutions(result, job)
        except ResultTooLarge as exc:
            return QueryAnswer(error_kind="too-large", error=str(exc))


__all__ = ["MAX_PARTS", "MAX_RETRY_AFTER_S", "PACKED_BYTES", "Narrowed", "PartAnswer", "Partition", "Partitioned",
           "Progress", "Unusable", "combine_text", "narrow", "partition", "public_digest", "retry_after"]
