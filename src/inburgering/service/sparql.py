"""The one way the service runs a SPARQL query: the dataset is cut to the graphs the caller's scope may read.

``run_query`` is the single entry point for every query (the SPARQL endpoint, resource pages, downloads):
whatever the query or the protocol says (FROM, FROM NAMED, default-graph-uri, named-graph-uri, GRAPH ?g), the
store only ever sees a dataset made of readable graphs. Graphs outside the scope look empty, never forbidden,
so their existence does not leak.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from inburgering.errors import AccessError, QueryError
from inburgering.security import audit
from inburgering.security.dataset import allowed_graphs, default_graphs
from inburgering.security.scope import AccessScope
from inburgering.security.withheld import Withheld, withheld
from inburgering.service.cookbook.spec import Combine
from inburgering.service.execute import QueryAnswer, QueryJob
from inburgering.service.live import REQUEST_PUBLICATION
from inburgering.service.partitioned import (
    Narrowed,
    Partition,
    Partitioned,
    Unusable,
    narrow,
    partition,
    public_digest,
)
from inburgering.service.worker import QueryEngine
from inburgering.store.base import Store
from inburgering.store.publication import current_publication
from inburgering.store.querylex import QueryInfo, QueryLimits, inspect_query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProtocolDataset:
    """``default-graph-uri`` and ``named-graph-uri`` of a SPARQL protocol request."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


@dataclass(frozen=True)
class ByGemeente:
    """A saved query declared ``by-gemeente`` (``SavedQuery.by_gemeente``) asked with ``gemeente``: the
    municipalities' codes, and the guard's text of the same query without them (whose municipalities' answers
    the service asks ahead, ``ahead.py``)."""

    codes: tuple[str, ...]
    unfiltered: str


class QueryRefused(QueryError):
    """A request the endpoint will not run (an update, SERVICE); answered with a 4xx."""


T = TypeVar("T")
#: Per store object: (generation or publication id, {key: value}) of what was derived from its data (see ``derived``).
_DERIVED: weakref.WeakKeyDictionary[Any, tuple[Any, dict[Any, Any]]] = weakref.WeakKeyDictionary()
MAX_DERIVED = 4096
_MISSING = object()


def derived(store: Store, key: tuple[Any, ...], compute: Callable[[], T], *, base: str | None = None) -> T:
    """``compute()``, remembered per ``key`` while the store's data is unchanged.

    For a store with a ``generation`` (``EmbeddedStore``: it moves on every write through the object, never on a
    read-only handle, whose snapshot cannot change), per generation. For a store without (remote SPARQL), per
    publication id when ``base`` is given and ``compute`` reads only what a publication changes (published
    graphs, their records, the public graphs: every write of ours is a publication, ``store/publication.py``),
    read at the request's start (``live.REQUEST_PUBLICATION``) or, outside a request, asked (one small query);
    else computed every time. On the national store behind an Oxigraph server, computing the scope's graphs,
    unions and withheld counts took about 0.5 s of every request.
    """
    generation: Any = getattr(store, "generation", None)
    if generation is None and base is not None:  # the id OnePublication read for this request, else asked here
        generation = REQUEST_PUBLICATION.get() or current_publication(store, base=base)
    if generation is None:
        return compute()
    entry = _DERIVED.get(store)
    if entry is None or entry[0] != generation:
        entry = (generation, {})
        _DERIVED[store] = entry
    values = entry[1]
    found = values.get(key, _MISSING)  # one lookup: a thread (run_query's narrow) may clear the dict meanwhile
    if found is _MISSING:
        if len(values) >= MAX_DERIVED:
            values.clear()
        found = values[key] = compute()
    return found  # type: ignore[no-any-return]


def readable_graphs(store: Store, scope: AccessScope, *, base: str) -> tuple[str, ...]:
    """Every graph ``scope`` may read (``security/dataset.py``): the public graphs, plus published instance
    graphs in scope, ``/bijzonder`` only with the special-categories permission, meta for admins.

    Remembered per (role, municipalities, special categories) while the store is unchanged (``derived``): the
    meta-graph query took 1.2 ms of every request on the benchmark store."""
    key = ("readable", base, scope.role, scope.gemeenten, scope.special_categories)
    return derived(store, key, lambda: allowed_graphs(scope, store, base=base), base=base)


def withheld_for(store: Store, scope: AccessScope, *, base: str) -> Withheld:
    """What ``scope`` cannot see (``security/withheld.py``), remembered per scope while the store is unchanged.

    Blocking (it may count a few graphs): call it off the event loop, as ``readable_graphs``' callers do."""
    key = ("withheld", base, scope.role, scope.gemeenten, scope.special_categories)
    return derived(store, key, lambda: withheld(store, scope, base=base), base=base)


def fix_dataset(info: QueryInfo, requested: ProtocolDataset, readable: Sequence[str],
                defaults: Sequence[str] | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (default graphs, named graphs) to evaluate with: the protocol's, else the query's, else all readable
    (as ``defaults`` when given: the same triples in fewer graphs, see ``security.dataset.default_graphs``).

    >>> fix_dataset(inspect_query("ASK {}"), ProtocolDataset(("g1", "secret")), ["g1", "g2"])
    (('g1',), ())
    """
    allowed = set(readable)
    if requested.given:
        chosen = (requested.default_graphs, requested.named_graphs)
    elif info.has_dataset:
        chosen = (info.default_graphs, info.named_graphs)
    else:
        return tuple(readable if defaults is None else defaults), tuple(readable)
    return (tuple(g for g in chosen[0] if g in allowed), tuple(g for g in chosen[1] if g in allowed))


def covers_store(store: Store, readable: Sequence[str]) -> bool:
    """Whether ``readable`` holds every named graph in the store and the store's default graph is empty, so
    "the union of the readable graphs" is "the union of all graphs" (the fast path of ``QueryJob.union_all``).

    Only for an embedded store, whose publication cannot change under the query (``live.py``): a remote store
    may get a load's unpublished graphs between this check and the query, which would then read them."""
    if getattr(store, "generation", None) is None:
        return False

    def compute() -> bool:
        allowed = set(readable)
        if any(g.value not in allowed for g in store.named_graphs()):
            return False
        return not bool(store.query("ASK { ?s ?p ?o }"))

    return derived(store, ("covers", tuple(readable)), compute)


def check_query(text: str, *, base_iri: str | None = None, limits: QueryLimits | None = None,
                dialect: str = "oxigraph", map_iri: Callable[[str], str] | None = None) -> QueryInfo:
    """Refuse what the endpoint never runs: updates, SERVICE, store pragmas; returns what the query is, with
    the text the store will be given (``store/querylex.py``).

    Raises ``QueryRefused`` (403) and ``QuerySyntaxError`` / ``QueryLimitError`` (400). Linear in the text's
    length; the endpoint runs it off the event loop for long texts.
    """
    info = inspect_query(text, base_iri=base_iri, limits=limits, dialect=dialect, map_iri=map_iri)
    if info.form == "UPDATE":
        raise QueryRefused("this endpoint is read-only: SPARQL updates are not accepted")
    if info.uses_service:
        raise QueryRefused("SERVICE is not allowed: this endpoint never calls other endpoints (a word or prefix "
                           "holding 'service' counts, since the store reads keywords without a word boundary)")
    if info.pragmas:
        raise QueryRefused("store-specific pragmas (DEFINE) are not allowed")
    return info


def store_dialect(store: Store) -> str:
    """``virtuoso`` for a Virtuoso store (its IRIs take no escapes: ``querytext``), else ``oxigraph``."""
    return "virtuoso" if getattr(store, "dialect", None) == "virtuoso" else "oxigraph"


async def run_query(engine: QueryEngine, store: Store, query: str, scope: AccessScope, dataset: ProtocolDataset,
                    *, media_type: str, base: str, timeout_s: float, max_results: int,
                    base_iri: str | None = None, info: QueryInfo | None = None,
                    named_unions: bool = False, combine: Combine | None = None,
                    partitioned: Partitioned | None = None, by_gemeente: ByGemeente | None = None) -> QueryAnswer:
    """Run ``query`` for ``scope`` (see the module docstring); errors come back as ``error_kind``.

    ``info`` is the guard's reading when the caller already checked the text (``check_query``); the store is
    given ``info.text``, the guard's rewrite, never ``query`` itself. ``base_iri`` resolves relative IRIs.
    ``named_unions`` (the service's own queries, never a client's): the named graphs are the default graph's
    list too, union graphs in place of their members, so ``GRAPH ?g`` tells special-category facts
    (``…/bijzonder``) from the others but not one municipality's graph from another's; over 899 member graphs
    the dossier's query took 0.9 s, over the two unions 15 ms.
    ``combine`` (a saved query's, ``cookbook/spec.py``) with ``partitioned``: over municipalities' graphs the
    answer is combined from each one's kept answer where that is exact (``partitioned.py``), else evaluated as is.
    ``by_gemeente`` with ``combine``: only the graphs of those municipalities are asked where that is exact
    (``partitioned.narrow``); where their persons all have one of them as ``inb:gemeente``, the answers asked are
    those of the text without the filter, which the service asks ahead.
    """
    if info is None:
        info = check_query(query, base_iri=base_iri, dialect=store_dialect(store))
    readable = readable_graphs(store, scope, base=base)
    own_dataset = dataset.given or info.has_dataset
    unions = None if own_dataset else derived(store, ("defaults", base, readable),
                                              lambda: default_graphs(readable, store, base=base), base=base)
    defaults, named = fix_dataset(info, dataset, readable, unions)
    if named_unions and unions is not None:
        named = tuple(unions)
    union_all = not own_dataset and covers_store(store, readable)
    job = QueryJob(info.text, defaults, named, media_type, max_results, base, union_all,
                   anonymous=scope.role == "public")
    answer = None
    keeps = combine is not None and partitioned is not None and partitioned.max_parts > 0
    parts = partition(readable, base=base) if keeps and not own_dataset else None
    if parts is not None and partitioned is not None and combine is not None:
        digest = shared_digest(store, parts.shared, base=base)
        # off the event loop: 0.04-0.9 s at national scale (1,566 persons), once per publication and codes
        narrowed = None if by_gemeente is None else await asyncio.to_thread(
            derived, store, ("narrow", base, readable, by_gemeente.codes),
            lambda: narrow(store, parts, by_gemeente.codes), base=base)
        try:
            if narrowed is not None and by_gemeente is not None:
                answer = await _narrowed(engine, partitioned, job, combine, narrowed, by_gemeente, digest=digest,
                                         timeout_s=timeout_s)
            else:
                partitioned.remember(job, scope)  # before: what runs out of time now is asked in the background
                answer = await partitioned.answer(engine, job, combine, parts, digest=digest, timeout_s=timeout_s)
        except Unusable as exc:
            log.info("the plain query answers: %s", exc)
    if answer is None:
        answer = await engine.execute(job, timeout_s=timeout_s)
    if answer.error_kind == "syntax":  # the store read the rewrite: give positions in the client's text
        answer = replace(answer, error=info.rewrite.locate(answer.error, query))
    audit.note_access(query=query, result_count=answer.count, protected=scope.role != "public")
    return answer


async def _narrowed(engine: QueryEngine, partitioned: Partitioned, job: QueryJob, combine: Combine,
                    narrowed: Narrowed, by_gemeente: ByGemeente, *, digest: str, timeout_s: float) -> QueryAnswer:
    """``job`` over the municipalities ``narrow`` kept (see ``run_query``); not remembered for the background: one
    municipality's answer is one small query."""
    shared = narrowed.parts.shared
    if not narrowed.parts.parts:  # none of them in the scope: no row can pass the filter but over the public graphs
        if not shared:
            raise Unusable("neither the municipalities nor public graphs in the scope")
        return await engine.execute(replace(job, default_graphs=shared, named_graphs=shared, union_all=False),
                                    timeout_s=timeout_s)
    if narrowed.filter_passes_all:
        job = replace(job, query=by_gemeente.unfiltered)
    return await partitioned.answer(engine, job, combine, narrowed.parts, digest=digest, timeout_s=timeout_s,
                                    background=False)


def shared_digest(store: Store, shared: tuple[str, ...], *, base: str) -> str:
    """``partitioned.public_digest`` of the public graphs ``shared``, once per snapshot of an embedded store or
    publication of a remote one (a ``model publish`` is a publication too: ``derived``)."""
    return derived(store, ("public-digest", base, shared), lambda: public_digest(store, shared, base=base), base=base)


async def rewarm(engine: QueryEngine, store: Store, partitioned: Partitioned, *, base: str,
                 timeout_s: float, until: Callable[[], bool] | None = None,
                 ahead: Sequence[tuple[QueryJob, AccessScope]] = ()) -> int:
    """Ask again, over the publication ``store`` reads now, the municipalities' answers of every saved query that
    was answered combined (``Partitioned.remember``) and of ``ahead`` (``ahead.py``: the cookbook for the tokens'
    scopes): after a publication, those of the municipalities it changed (the others are kept). Stops early when
    ``until()`` is true. Returns how many answers were asked."""
    by_shared: dict[tuple[str, ...], list[tuple[QueryJob, Partition]]] = {}
    scopes: dict[AccessScope, Partition | None] = {}
    for job, scope in [*ahead, *partitioned.asked.values()]:
        if scope not in scopes:
            scopes[scope] = partition(readable_graphs(store, scope, base=base), base=base)
        parts = scopes[scope]
        if parts is not None:
            by_shared.setdefault(parts.shared, []).append((job, parts))
    asked = 0
    for shared, items in by_shared.items():
        digest = shared_digest(store, shared, base=base)
        asked += await partitioned.fill(engine, items, digest=digest, timeout_s=timeout_s, until=until)
    return asked


__all__ = ["AccessError", "ByGemeente", "ProtocolDataset", "QueryRefused", "check_query", "fix_dataset",
           "readable_graphs", "rewarm", "run_query", "store_dialect", "withheld_for"]
