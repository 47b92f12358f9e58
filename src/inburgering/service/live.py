"""Live publication: the service follows the store's publications without a restart, one publication per answer.

- **Embedded store on disk.** Writers make a checkpoint per publication (``store/snapshots.py``). The service
  polls ``CURRENT`` every ``publication_poll_s``; when it moves, it opens the new publication (its lease held),
  warms it (the label index), and makes it current. Each request is **pinned** at its start to the publication
  current then (:class:`LiveStore` reads through a context variable, which follows the request into threads),
  and the query workers get the pinned publication's folder with each job. A publication is released when it is
  no longer current and its last request ended; the writer deletes it after that.
- **Remote store.** There is no snapshot to pin, so :class:`OnePublication` reads the store's publication id
  (``owl:versionInfo`` of the meta graph) before and after each request and computes the request again when it
  moved meanwhile (up to ``RETRIES`` times); retired graphs stay in a remote store for ``RETIRED_GRACE`` so a
  request that started before a publication still reads a whole one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.snapshots import Publications

log = logging.getLogger("inburgering.live")
#: How often a remote request is computed again when a publication lands while it runs.
RETRIES = 3
#: The remote store's publication id read at the start of the request being computed (``OnePublication``), for
#: what is remembered per publication (``sparql.derived``) without asking the store again.
REQUEST_PUBLICATION: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_publication", default=None)


@dataclass
class _Open:
    """One open publication and how many requests use it."""

    store: EmbeddedStore
    generation: int
    users: int = 0
    retired: bool = False


class LiveStore(EmbeddedStore):
    """The service's view of an on-disk store: for each request, the publication current when it started."""

    def __init__(self, path: str | Path, *, warm: Callable[[EmbeddedStore], None] | None = None) -> None:
        self.live = Publications(path)
        self.read_only = True
        self._warm = warm
        self._lock = threading.Lock()
        self._generations = 0
        self._current = self._open(self.live.current())
        self._pinned: contextvars.ContextVar[_Open | None] = contextvars.ContextVar("pinned", default=None)

    def _open(self, publication: str | None) -> _Open:
        """Open ``publication`` (or, when it was collected meanwhile or is ``None``, the current one)."""
        snapshot = (self.live.open(publication) if publication else None) or self.live.open_current()
        store = EmbeddedStore.from_snapshot(snapshot)
        self._generations += 1
        store.generation = self._generations
        if self._warm is not None:
            self._warm(store)
        return _Open(store, self._generations)

    def current(self) -> EmbeddedStore:
        """The publication this request reads, as a store of its own."""
        return self._view().store

    # -- what readers see -------------------------------------------------------------------------------------
    def _view(self) -> _Open:
        return self._pinned.get() or self._current

    @property
    def ox(self) -> Any:  # type: ignore[override]
        return self._view().store.ox

    @property
    def path(self) -> Path | None:  # type: ignore[override]
        return self._view().store.path

    @property
    def generation(self) -> int:  # type: ignore[override]
        return self._view().generation

    @property
    def publication(self) -> str | None:  # type: ignore[override]
        return self._view().store.publication

    @property
    def publications(self) -> None:
        return None

    @property
    def serving(self) -> str | None:
        """The publication new requests are pinned to (whatever this request reads)."""
        return self._current.store.publication

    @contextlib.contextmanager
    def pinned(self) -> Iterator[str | None]:
        """Pin the current publication for the code run inside (a request); yields its id."""
        with self._lock:
            current = self._current
            current.users += 1
        token = self._pinned.set(current)
        try:
            yield current.store.publication
        finally:
            self._pinned.reset(token)
            with self._lock:
                current.users -= 1
                done = current.retired and current.users == 0
            if done:
                current.store.close()

    # -- following the writer ---------------------------------------------------------------------------------
    def follow(self) -> bool:
        """Switch to the current publication if it moved (blocking: run it in a thread); returns whether it did."""
        publication = self.live.current()
        if publication is None or publication == self._current.store.publication:
            return False
        opened = self._open(publication)
        with self._lock:
            old, self._current = self._current, opened
            old.retired = True
            done = old.users == 0
        if done:
            old.store.close()
        log.info("now serving publication %s", publication)
        return True

    def flush(self) -> None:
        return None

    def close(self) -> None:
        with self._lock:
            self._current.retired = True
            if self._current.users == 0:
                self._current.store.close()


async def follow_publications(store: LiveStore, *, every_s: float) -> None:
    """Poll for new publications until cancelled (the app's lifespan runs it)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(store.follow)
        except Exception:
            log.exception("could not switch to the new publication of %s", store.live.store_path)


class PinPublication:
    """ASGI middleware: every request reads the publication current when it arrived (embedded store)."""

    def __init__(self, app: Any, store: LiveStore) -> None:
        self.app, self.store = app, store

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self.store.pinned():
            await self.app(scope, receive, send)


class OnePublication:
    """ASGI middleware for a remote store: a response is sent only when the store's publication id was the same
    before and after it was computed; otherwise it is computed again (``RETRIES`` times, then sent with the
    header ``Inburgering-Publication: moving``)."""

    def __init__(self, app: Any, publication: Callable[[], Awaitable[str | None]]) -> None:
        self.app, self.publication = app, publication

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:  # the request body is read once and replayed to every attempt
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)

        for attempt in range(RETRIES + 1):
            replayed = False

            async def replay() -> dict[str, Any]:
                """The body once; then what the client sends (a response that waits for a disconnect waits)."""
                nonlocal replayed
                if replayed:
                    return dict(await receive())
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            before = await self.publication()
            messages: list[dict[str, Any]] = []

            async def keep(message: dict[str, Any]) -> None:
                messages.append(message)  # noqa: B023 - each attempt has its own list

            reading = REQUEST_PUBLICATION.set(before)
            try:
                await self.app(scope, replay, keep)
            finally:
                REQUEST_PUBLICATION.reset(reading)
            after = await self.publication()
            status = next((m["status"] for m in messages if m["type"] == "http.response.start"), 500)
            if before == after or status >= 500 or attempt == RETRIES:
                break
        if before != after and messages and messages[0]["type"] == "http.response.start":
            messages[0]["headers"] = [*messages[0].get("headers", []), (b"inburgering-publication", b"moving")]
        for message in messages:
            await send(message)


def remote_publication(store: Store, *, base: str) -> Callable[[], Awaitable[str | None]]:
    """The remote store's current publication id, asked in a thread."""
    from inburgering.store.publication import current_publication

    async def ask() -> str | None:
        try:
            return await asyncio.to_thread(current_publication, store, base=base)
        except Exception:  # noqa: BLE001 - an unreachable store: the request itself reports it
            return None

    return ask


__all__ = ["REQUEST_PUBLICATION", "LiveStore", "OnePublication", "PinPublication", "follow_publications",
           "remote_publication"]
