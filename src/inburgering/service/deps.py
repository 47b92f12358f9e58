"""Typed FastAPI dependencies: everything a handler needs comes from here, never from a module global.

``get_scope`` is THE place that decides what a request may read; every handler that touches data takes
``ScopeDep``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from inburgering.security.auth import Authenticator
from inburgering.security.scope import PUBLIC, AccessScope
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


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings(request: Request) -> Settings:
    return get_runtime(request).settings


def get_scope(request: Request) -> AccessScope:
    """The caller's scope from its bearer token (``security/auth.py``): no header is ``PUBLIC``; a bad token is a
    401, too many requests a 429 (raised here, answered by the handlers ``security.middleware.install`` adds)."""
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:  # an app built without security.middleware.install: public data only
        return PUBLIC
    client = request.client.host if request.client else "unknown"
    return authenticator.scope_for(request.headers.get("authorization"), client=client)


def get_rewriter(request: Request) -> Rewriter:
    """Production IRIs ↔ the address this request reached us at (or ``settings.public_url``)."""
    settings = get_runtime(request).settings
    local = settings.public_url or str(request.base_url)
    return Rewriter(local=local.rstrip("/"), base=settings.base_iri)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ScopeDep = Annotated[AccessScope, Depends(get_scope)]
RewriterDep = Annotated[Rewriter, Depends(get_rewriter)]
