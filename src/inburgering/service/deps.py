"""Typed FastAPI dependencies: everything a handler needs comes from here, never from a module global.

``get_scope`` is THE place that decides what a request may read; every handler that touches data takes
``ScopeDep``. They are ``async def`` although they never wait: FastAPI runs a plain ``def`` dependency in a
worker thread, and three thread hops per request cost more than the work itself (the token check is an
in-memory lookup once cached, ``security/tokens.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from inburgering.security.auth import Authenticator
from inburgering.security.scope import PUBLIC, AccessScope
from inburgering.service.partitioned import Partitioned
from inburgering.service.rewrite import Rewriter
from inburgering.service.worker import QueryEngine
from inburgering.settings import Settings
from inburgering.store.base import Store


@dataclass
class Runtime:
    """What the app holds while it runs: the store, the two query engines and the templates."""

    settings: Settings
    store: Store
    #: Client-written queries: killable worker processes for an on-disk store.
    engine: QueryEngine
    #: The service's own bounded queries (resource descriptions, dumps): in-process, fast.
    local_engine: QueryEngine
    templates: Jinja2Templates
    #: Municipalities' answers to saved queries, kept and combined (``partitioned.py``).
    partitioned: Partitioned = field(default_factory=Partitioned)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_settings(request: Request) -> Settings:
    runtime: Runtime = request.app.state.runtime
    return runtime.settings


async def get_scope(request: Request) -> AccessScope:
    """The caller's scope from its bearer token (``security/auth.py``): no header is ``PUBLIC``; a bad token is a
    401, too many requests a 429 (raised here, answered by the handlers ``security.middleware.install`` adds)."""
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:  # an app built without security.middleware.install: public data only
        return PUBLIC
    client = request.client.host if request.client else "unknown"
    return authenticator.scope_for(request.headers.get("authorization"), client=client)


#: Listening on every interface says nothing about where clients reach the service: links then name loopback.
_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def public_root(settings: Settings) -> str:
    """Where links in answers point: ``settings.public_url``, else the address the service listens on.

    Never the request's ``Host`` header (issue 13, finding 6: ``Host: evil.example`` made every link point there).

    >>> public_root(Settings(host="::", port=8080)), public_root(Settings(public_url="https://data.example/"))
    ('http://[::1]:8080', 'https://data.example')
    """
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = _WILDCARDS.get(settings.host, settings.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


async def get_rewriter(request: Request) -> Rewriter:
    """Production IRIs ↔ the configured public address (``public_root``)."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    return Rewriter(local=public_root(settings), base=settings.base_iri)


@dataclass(frozen=True)
class Page:
    """What a resource page needs, as ONE dependency: FastAPI's machinery costs per dependency, and three of
    them were a sixth of a Turtle page's CPU time."""

    runtime: Runtime
    scope: AccessScope
    rewriter: Rewriter


async def get_page(request: Request, scope: Annotated[AccessScope, Depends(get_scope)]) -> Page:
    return Page(request.app.state.runtime, scope, await get_rewriter(request))


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PageDep = Annotated[Page, Depends(get_page)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ScopeDep = Annotated[AccessScope, Depends(get_scope)]
RewriterDep = Annotated[Rewriter, Depends(get_rewriter)]
