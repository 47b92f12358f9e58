"""``/health``: for monitoring. Public, JSON, never cached.

200 when the store answers a (cheap) query, with the publication the answer came from and, per municipality and
source, when its published data was loaded; 503 when the store does not answer within ``TIMEOUT_S``.

Only what the public may know: no person, no count, and nothing about special-category graphs (health, justice,
addiction): that a municipality has such facts, or when they were loaded, is protected as their content is
(docs/security.md), so the list is made from the other graphs alone.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from inburgering.service.deps import RuntimeDep
from inburgering.service.live import LiveStore
from inburgering.settings import Settings
from inburgering.store.base import Store
from inburgering.store.housekeeping import sources_of
from inburgering.store.publication import current_publication, published_records

router = APIRouter()
log = logging.getLogger("inburgering.health")
#: A store that takes longer than this to answer two small queries on the meta graph is not healthy.
TIMEOUT_S = 5.0
NO_STORE = {"Cache-Control": "no-store"}


def health(store: Store, settings: Settings) -> dict[str, Any]:
    """The body of a healthy answer (raises when the store does not answer)."""
    base = settings.base_iri
    publication = current_publication(store, base=base)
    sources = [{"gemeente": s.gemeente, "source": s.source, "loaded": s.loaded}
               for s in sources_of(published_records(store, base=base), special=False)]
    body: dict[str, Any] = {"status": "ok", "store": "reachable", "publication": publication, "sources": sources}
    if isinstance(store, LiveStore):  # whether this process already follows the store's newest publication
        body["latest"] = store.live.current() == store.current().publication
    return body


@router.get("/health", name="health")
async def health_check(runtime: RuntimeDep) -> JSONResponse:
    checked = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        body = await asyncio.wait_for(run_in_threadpool(health, runtime.store, runtime.settings), TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - whatever keeps the store from answering makes the service unhealthy
        log.warning("health check: the store does not answer: %s", exc)
        return JSONResponse({"status": "unavailable", "store": "unreachable", "checked": checked},
                            status_code=503, headers={**NO_STORE, "Retry-After": "10"})
    return JSONResponse({**body, "checked": checked}, headers=NO_STORE)
