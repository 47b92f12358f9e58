"""The FastAPI application factory: ``create_app(settings)`` wires the store, the query engines and the routers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from inburgering.errors import StoreError
from inburgering.security.middleware import install as install_security
from inburgering.service.deps import Runtime
from inburgering.service.head import HeadAsGet
from inburgering.service.routers import documents, pages, resources, sparql_endpoint, stats
from inburgering.service.worker import ProcessEngine, QueryEngine, ThreadEngine
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_settings_store
from inburgering.store.base import Store

HERE = Path(__file__).parent
#: Query worker processes for an on-disk store (each holds a read-only handle on the store), in all: with
#: several service processes (``--workers``) each gets its share, at least one.
QUERY_WORKERS = 2
#: How ``inburgering serve --workers N`` hands its settings to the service processes it starts.
SETTINGS_ENV = "INBURGERING_SERVE_SETTINGS"


def check_service_store(settings: Settings) -> None:
    """Refuse to serve an on-disk store that does not exist (a clear error instead of an empty service)."""
    location = settings.store
    if location == "memory:" or location.startswith(("http://", "https://")):
        return
    if not (Path(location) / "CURRENT").is_file():
        raise StoreError(f"no store at {location}: load data first (inburgering load, or inburgering demo)")


def open_service_store(settings: Settings) -> Store:
    """The store the service reads: an on-disk store is opened read-only (the service never writes)."""
    location = settings.store
    if location.startswith(("http://", "https://")):
        store = open_settings_store(settings)
        _ = store.endpoints  # type: ignore[attr-defined]  # asks the server now: unreachable is a start-up error
        return store
    if location == "memory:":
        return open_settings_store(settings)
    check_service_store(settings)
    return EmbeddedStore(location, read_only=True)


def app_from_environment() -> FastAPI:
    """The app of one service process started by ``inburgering serve --workers N`` (a uvicorn factory)."""
    settings = Settings.model_validate_json(os.environ[SETTINGS_ENV])
    return create_app(settings, query_workers=max(1, QUERY_WORKERS // max(1, settings.workers)))


def _engine_for(store: Store, workers: int) -> QueryEngine:
    if isinstance(store, EmbeddedStore) and store.path is not None and workers > 0:
        return ProcessEngine(str(store.path), workers=workers)
    return ThreadEngine(store)


def create_app(settings: Settings, *, store: Store | None = None, query_workers: int = QUERY_WORKERS) -> FastAPI:
    """The service over ``store`` (default: ``settings.store``, opened read-only).

    Client queries on an on-disk store run in ``query_workers`` killable processes; ``query_workers=0``
    runs them in threads (no real cancellation).
    """
    service_store = store if store is not None else open_service_store(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: Runtime = app.state.runtime
        runtime.engine = _engine_for(service_store, query_workers)
        try:
            yield
        finally:
            await runtime.engine.aclose()

    app = FastAPI(title="inburgering", summary="SPARQL 1.1 endpoint and linked data on civic integration",
                  lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    local = ThreadEngine(service_store)
    app.state.runtime = Runtime(settings=settings, store=service_store, engine=local, local_engine=local,
                                templates=Jinja2Templates(directory=str(HERE / "templates")))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (sparql_endpoint, resources, documents, pages, stats):
        app.include_router(module.router)
    # tokens, rate limit, audit log, security headers, path and size limits; 401/403/429 as the error page
    install_security(app, settings, error_page=resources.error_page)
    app.add_middleware(HeadAsGet)  # added last: the outermost layer

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        response = resources.error_page(request, exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    return app
