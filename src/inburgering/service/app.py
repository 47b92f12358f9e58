"""The FastAPI application factory: ``create_app(settings)`` wires the store, the query engines and the routers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from inburgering.errors import StoreError, UsageError
from inburgering.security.auth import open_token_store
from inburgering.security.middleware import install as install_security
from inburgering.security.tokens import TokenStore
from inburgering.service import sandbox
from inburgering.service.ahead import Ahead
from inburgering.service.deps import Runtime
from inburgering.service.describe import warm
from inburgering.service.head import HeadAsGet
from inburgering.service.kept import KeptFile, kept_db_path, published_now
from inburgering.service.live import (
    REQUEST_PUBLICATION,
    LiveStore,
    OnePublication,
    PinPublication,
    follow_publications,
    remote_publication,
)
from inburgering.service.partitioned import Partitioned
from inburgering.service.routers import documents, health, pages, queries, resources, sparql_endpoint, stats
from inburgering.service.scheduling import FairEngine
from inburgering.service.snapshot_engine import SnapshotEngine, Snapshots
from inburgering.service.sparql import rewarm, store_dialect
from inburgering.service.worker import ProcessEngine, QueryEngine, ThreadEngine
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_settings_store
from inburgering.store.base import Store
from inburgering.store.snapshots import Publications

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: Query worker processes for an on-disk store (each holds a read-only handle on the store), in all: with
#: several service processes (``--workers``) each gets its share, at least one.
QUERY_WORKERS = 2
#: When another service process had claimed answers to ask in the background, look at them again after this long
#: (kept by then, or asked here if that process stopped).
LOOK_AGAIN_S = 10.0
#: How often the background work on saved queries reads a remote store's publication id (a query each time).
REMOTE_POLL_S = 5.0
#: How ``inburgering serve --workers N`` hands its settings to the service processes it starts.
SETTINGS_ENV = "INBURGERING_SERVE_SETTINGS"


def check_service_store(settings: Settings) -> None:
    """Refuse to serve an on-disk store that does not exist or has no publication (a clear error instead of an
    empty service)."""
    location = settings.store
    if location == "memory:" or location.startswith(("http://", "https://")):
        return
    if not (Path(location) / "CURRENT").is_file():
        raise StoreError(f"no store at {location}: load data first (inburgering load, or inburgering demo)")
    if Publications(location).current() is None:
        raise StoreError(f"no publication in {location} (a store written by an earlier version): run "
                         f"`inburgering model publish --store {location} --force` once")


def open_service_store(settings: Settings) -> Store:
    """The store the service reads: an on-disk store through its publications, the current one for each request
    (``live.py``); the service never writes."""
    location = settings.store
    if location.startswith(("http://", "https://")):
        store = open_settings_store(settings)
        _ = store.endpoints  # type: ignore[attr-defined]  # asks the server now: unreachable is a start-up error
        return store
    if location == "memory:":
        return open_settings_store(settings)
    check_service_store(settings)
    return LiveStore(location, warm=warm)


def app_from_environment() -> FastAPI:
    """The app of one service process started by ``inburgering serve --workers N`` (a uvicorn factory)."""
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    from inburgering.service.http_protocol import configure

    configure(settings)
    return create_app(settings, query_workers=max(1, QUERY_WORKERS // max(1, settings.workers)))


def _engine_for(store: Store, workers: int, settings: Settings, snapshots: Snapshots | None) -> QueryEngine:
    """Worker processes for an embedded store (an in-memory one through a copy on disk); threads otherwise."""
    if isinstance(store, EmbeddedStore) and workers > 0:
        if store.path is not None:  # each job carries the folder of the publication its request is pinned to
            return ProcessEngine(str(store.path), workers=workers, sandbox=settings.query_sandbox,
                                 locate=lambda: str(store.current().path), copy_quads=settings.scope_copy_quads)
        if snapshots is not None:
            return SnapshotEngine(snapshots, workers=workers, sandbox=settings.query_sandbox,
                                  copy_quads=settings.scope_copy_quads)
    return ThreadEngine(store)


def client_engine(store: Store, settings: Settings, workers: int, snapshots: Snapshots | None) -> QueryEngine:
    """The engine for client-written queries: the token holders' workers and the anonymous callers' own,
    scheduled fairly (``scheduling.py``); one thread engine for both when there are no worker processes."""
    protected = _engine_for(store, workers, settings, snapshots)
    threads = isinstance(protected, ThreadEngine)
    public = protected if threads else _engine_for(store, settings.anonymous_query_workers, settings, snapshots)
    return FairEngine(protected=protected, public=public, public_slots=settings.anonymous_query_workers,
                      protected_slots=workers if not threads else 1_000,
                      public_timeout_s=settings.anonymous_query_timeout_s, public_queue=settings.anonymous_query_queue)


def _check_sandbox(settings: Settings) -> None:
    if settings.query_sandbox and not sandbox.supported():
        raise UsageError("query workers run without network (seccomp), which this host does not offer: "
                         "Linux on x86-64 or arm64 is needed; set INBURGERING_QUERY_SANDBOX=false to run "
                         "without that protection (docs/security.md)")


async def keep_warm(runtime: Runtime, store: Store, *, every_s: float, pin: Pin,
                    moved_on: Callable[[str | None], bool] | None = None, ahead: Ahead | None = None) -> None:
    """Keep the saved queries' municipalities' answers ready (``partitioned.py``) before an analyst asks: those
    asked before (after a restart, from the kept file) and, with ``ahead``, the whole cookbook for the tokens'
    municipalities (``ahead.py``); at start, after each new publication (only those of the municipalities whose
    graphs changed: ``sparql.rewarm``), at a new day or a change of tokens (``Ahead.key``), and when a request ran
    out of time asking them (``Partitioned.wanted``). At each publication, answers over graphs no longer published
    leave the kept file (``KeptFile.prune``: an erased person's rows go with the person's graphs); when ``ahead``
    moves, answers to texts neither asked ahead nor asked by an analyst leave it (``KeptFile.forget_except``).

    ``pin()`` reads the current publication and holds it for the work inside (``live_pin``, ``remote_pin``);
    ``moved_on(publication)`` says a newer one is there, which stops the work on the older one."""
    partitioned = runtime.partitioned
    partitioned.warming = True
    restored = await asyncio.to_thread(partitioned.load_asked)
    if restored:
        log.info("%d saved queries asked before, from %s", restored, partitioned.kept.path)  # type: ignore[union-attr]
    base = runtime.settings.base_iri
    seen: str | None = None
    seen_ahead: object = None
    again_at = 0.0  # answers another process had claimed: looked at again after LOOK_AGAIN_S
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(partitioned.wanted.wait(), every_s)
        try:
            ahead_key = None if ahead is None else await asyncio.to_thread(ahead.key)
        except UsageError as exc:  # the token file cannot be read: ask what was asked, and say why
            log.warning("saved queries not asked ahead: %s", exc)
            ahead_key = seen_ahead
        async with pin() as publication:
            again = again_at and time.monotonic() >= again_at
            if publication is None or (publication == seen and ahead_key == seen_ahead
                                       and not partitioned.wanted.is_set() and not again):
                continue  # unchanged, or a remote store that did not answer
            partitioned.wanted.clear()
            partitioned.skipped, again_at = 0, 0.0
            try:
                if publication != seen:
                    await asyncio.to_thread(_prune, partitioned, store, base)
                seen = publication
                items = () if ahead is None else await asyncio.to_thread(ahead.items)
                if ahead is not None:
                    partitioned.ahead = ahead.texts
                    if ahead_key != seen_ahead and partitioned.kept is not None:
                        await asyncio.to_thread(partitioned.kept.forget_except, ahead.texts)
                seen_ahead = ahead_key
                if not partitioned.asked and not items:
                    continue
                started = time.perf_counter()
                asked = await rewarm(runtime.engine, store, partitioned, base=base,
                                     timeout_s=runtime.settings.query_timeout_s, ahead=items,
                                     until=None if moved_on is None else functools.partial(moved_on, publication))
            except Exception:
                log.exception("could not ask the saved queries' answers for publication %s", publication)
                continue
            if partitioned.skipped:
                again_at = time.monotonic() + LOOK_AGAIN_S
            graphs, packed = partitioned.packed
            log.info("publication %s: %d municipalities' answers asked in %.1f s (%d left to another process); "
                     "%d graphs kept packed, %.1f MB", publication, asked, time.perf_counter() - started,
                     partitioned.skipped, graphs, packed / 1e6)


#: Reads the current publication and holds it for the code inside (``keep_warm``).
Pin = Callable[[], AbstractAsyncContextManager[str | None]]


def live_pin(store: LiveStore) -> Pin:
    """An embedded store's current publication, pinned as a request pins it."""
    @asynccontextmanager
    async def pin() -> AsyncIterator[str | None]:
        with store.pinned() as publication:
            yield publication

    return pin


def remote_pin(publication: Callable[[], Awaitable[str | None]]) -> Pin:
    """A remote store's publication id, read as ``OnePublication`` reads it for a request (what is remembered per
    publication is keyed by it). A remote store has nothing to pin: its retired graphs stay for a grace period
    (``live.py``), and the answers are asked over named graphs, which a publication never changes."""
    @asynccontextmanager
    async def pin() -> AsyncIterator[str | None]:
        current = await publication()
        reading = REQUEST_PUBLICATION.set(current)
        try:
            yield current
        finally:
            REQUEST_PUBLICATION.reset(reading)

    return pin


def _prune(partitioned: Partitioned, store: Store, base: str) -> int:
    """Forget what is kept over graphs no longer published, in memory and in the kept file. In the pinned
    publication (to_thread copies the context); the store is asked once, and only when something is kept."""
    published: set[str] | None = None

    def now() -> set[str]:
        nonlocal published
        if published is None:
            published = published_now(store, base=base)
        return published

    return partitioned.prune(now) + (partitioned.kept.prune(now) if partitioned.kept is not None else 0)


def _ahead(store: Store, settings: Settings, tokens: TokenStore | None) -> Ahead | None:
    """What to ask ahead for the tokens' scopes (``ahead.py``), unless there are no tokens or
    ``warm_saved_queries`` is off."""
    if tokens is None or not settings.warm_saved_queries:
        return None
    return Ahead(tokens, base=settings.base_iri, max_results=settings.max_results, dialect=store_dialect(store))


def _pin_for(store: Store, settings: Settings) -> Pin | None:
    """How ``keep_warm`` pins the publication of ``store``: an embedded one's current publication, or a remote
    one's publication id; ``None`` for a store without publications to follow (in memory)."""
    if isinstance(store, LiveStore):
        return live_pin(store)
    if settings.store.startswith(("http://", "https://")):  # as OnePublication
        return remote_pin(remote_publication(store, base=settings.base_iri))
    return None


def start_keep_warm(runtime: Runtime, store: Store, settings: Settings,
                    tokens: TokenStore | None = None) -> asyncio.Task[None] | None:
    """``keep_warm`` for a store that has publications to follow (on disk, or remote), unless answers are not kept;
    asking the cookbook ahead for the scopes of ``tokens`` unless ``warm_saved_queries`` is off."""
    pin = _pin_for(store, settings)
    if settings.kept_answers == 0 or pin is None:
        return None
    ahead = _ahead(store, settings, tokens)
    if isinstance(store, LiveStore):
        live = store
        return asyncio.create_task(keep_warm(runtime, live, every_s=max(1.0, settings.publication_poll_s),
                                             pin=pin, moved_on=lambda p: live.serving != p, ahead=ahead))
    return asyncio.create_task(keep_warm(runtime, store, every_s=max(REMOTE_POLL_S, settings.publication_poll_s),
                                         pin=pin, ahead=ahead))


@dataclass(frozen=True)
class AskedAhead:
    """What ``ask_ahead`` did: over which publication, for how many saved queries and scopes, how many
    municipalities' answers it asked and how many of them it kept, how many another process had claimed, and the
    kept file's answers afterwards."""

    publication: str | None
    queries: int
    asked: int
    kept_new: int
    claimed_elsewhere: int
    kept: int
    seconds: float


async def ask_ahead(settings: Settings, *, workers: int = QUERY_WORKERS) -> AskedAhead:
    """Once, without serving: what the service asks in the background at its start (``keep_warm``), over the
    current publication, into the kept answers' file, on ``workers`` query workers. Run after a load that changed
    many municipalities (a national publication) and before the service starts, the service answers the saved
    queries from its first request instead of asking them for minutes (docs/operations.md)."""
    started = time.perf_counter()
    store = open_service_store(settings)
    kept = kept_file(settings)
    pin = _pin_for(store, settings)
    tokens = open_token_store(settings)
    try:
        if kept is None or pin is None:
            raise UsageError("no answers to keep: the store is in memory, or answers are not kept "
                             "(INBURGERING_KEPT_ANSWERS=0 or no kept answers' file)")
        if isinstance(store, EmbeddedStore):
            _check_sandbox(settings)
        engine = client_engine(store, settings, workers, None)
        try:
            partitioned = Partitioned(workers=workers, max_parts=settings.kept_answers, kept=kept,
                                      packed_bytes=settings.packed_graph_bytes)
            partitioned.load_asked()
            ahead = _ahead(store, settings, tokens)
            items = () if ahead is None else ahead.items()
            if ahead is not None:
                partitioned.ahead = ahead.texts
                kept.forget_except(ahead.texts)
            async with pin() as publication:
                _prune(partitioned, store, settings.base_iri)
                before = kept.counts()["answers"]
                asked = await rewarm(engine, store, partitioned, base=settings.base_iri,
                                     timeout_s=settings.query_timeout_s, ahead=items)
            after = kept.counts()["answers"]
        finally:
            await engine.aclose()
        return AskedAhead(publication, len(items) + len(partitioned.asked), asked, after - before,
                          partitioned.skipped, after, time.perf_counter() - started)
    finally:
        if tokens is not None:
            tokens.close()
        if kept is not None:
            kept.close()
        store.close()


def kept_file(settings: Settings) -> KeptFile | None:
    """The kept answers' file of ``settings`` (``kept.py``), or ``None`` (no path, or ``kept_answers`` 0). A file
    that cannot be opened is logged and left out: the answers are then kept in memory only."""
    path = kept_db_path(settings)
    if path is None or settings.kept_answers == 0:
        return None
    try:
        return KeptFile(path)
    except (OSError, sqlite3.Error) as exc:
        log.warning("kept answers in memory only: cannot open %s (%s)", path, exc)
        return None


def create_app(settings: Settings, *, store: Store | None = None, query_workers: int = QUERY_WORKERS) -> FastAPI:
    """The service over ``store`` (default: ``settings.store``, opened read-only).

    Client queries on an embedded store (on disk or in memory) run in ``query_workers`` killable, network-less
    processes, plus ``settings.anonymous_query_workers`` for anonymous callers; ``query_workers=0`` runs them in
    threads (no real cancellation, no sandbox: for tests of other things).
    """
    service_store = store if store is not None else open_service_store(settings)
    if query_workers > 0 and isinstance(service_store, EmbeddedStore):
        _check_sandbox(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: Runtime = app.state.runtime
        in_memory = isinstance(service_store, EmbeddedStore) and service_store.path is None and query_workers > 0
        snapshots = Snapshots(service_store) if in_memory else None  # type: ignore[arg-type]
        runtime.engine = client_engine(service_store, settings, query_workers, snapshots)
        kept = kept_file(settings)
        runtime.partitioned = Partitioned(workers=query_workers, max_parts=settings.kept_answers, kept=kept,
                                          packed_bytes=settings.packed_graph_bytes)
        following = (asyncio.create_task(follow_publications(service_store, every_s=settings.publication_poll_s))
                     if isinstance(service_store, LiveStore) else None)
        authenticator = getattr(app.state, "authenticator", None)
        warming = start_keep_warm(runtime, service_store, settings,
                                  tokens=None if authenticator is None else authenticator.tokens)
        try:
            yield
        finally:
            tasks = [task for task in (following, warming) if task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)  # their jobs end before the workers do
            await runtime.engine.aclose()
            if kept is not None:
                kept.close()
            if snapshots is not None:
                snapshots.close()

    app = FastAPI(title="inburgering", summary="SPARQL 1.1 endpoint and linked data on civic integration",
                  lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  redirect_slashes=False)  # Starlette's slash redirect names the request's Host (finding 6)
    local = ThreadEngine(service_store)
    app.state.runtime = Runtime(settings=settings, store=service_store, engine=local, local_engine=local,
                                templates=Jinja2Templates(directory=str(HERE / "templates")))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (sparql_endpoint, resources, documents, pages, stats, health):
        app.include_router(module.router)
    app.include_router(queries.build_router())  # the cookbook's saved queries, /api/queries
    # tokens, rate limit, audit log, security headers, path and size limits; 401/403/429 as the error page
    install_security(app, settings, error_page=resources.error_page)
    app.add_middleware(HeadAsGet)
    # added last, the outermost layer: every request answers from one publication (live.py)
    if isinstance(service_store, LiveStore):
        app.add_middleware(PinPublication, store=service_store)
    elif settings.store.startswith(("http://", "https://")):
        app.add_middleware(OnePublication, publication=remote_publication(service_store, base=settings.base_iri))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = resources.error_page(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    return app
