"""uvicorn's HTTP protocol with deadlines for clients that send slowly (slowloris).

uvicorn closes idle kept-alive connections (``timeout_keep_alive``), but a connection that sends part of a request
and then trickles a byte now and then stays open forever, and so does one that never sends anything: a few
hundred of those hold the service's connections and file descriptors. ``GuardedProtocol`` adds, per connection:

- the request line and headers must be complete ``header_timeout_s`` after the connection opened, or after the
  first byte of the next request on a kept-alive connection; else ``408`` and the connection is closed;
- headers larger than ``max_header_bytes`` get ``431`` and the connection is closed (httptools has no limit;
  h11 gets the same one through ``h11_max_incomplete_event_size``);
- the body must be complete ``request_timeout_s`` after the headers; else the connection is closed.

A response may take as long as it takes (the query time limits bound those). The limits come from ``Settings``
through ``configure``, called in every service process before it serves (``service/cli.py`` and
``app.app_from_environment``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from inburgering.settings import Settings

try:  # uvicorn takes httptools when it is installed (uvicorn[standard]), h11 otherwise: follow it
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


def _reply(status: str, message: str) -> bytes:
    body = message.encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n").encode() + body


class GuardedProtocol(_Base):
    """See the module docstring."""

    header_timeout_s = 10.0
    request_timeout_s = 60.0
    max_header_bytes = 65_536

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._reading = "headers"
        self._header_bytes = 0
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def _arm(self, delay: float | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = None if delay is None else self.loop.call_later(delay, self._expired)

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._reading == "headers":
            self.transport.write(_reply("408 Request Timeout", "the request headers did not arrive in time\n"))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._reading == "done" and (self.cycle is None or self.cycle.response_complete):
            self._reading, self._header_bytes = "headers", 0  # the next request on a kept-alive connection
            self._arm(self.header_timeout_s)
        cycle = self.cycle
        super().data_received(data)
        if self._reading == "headers" and self.cycle is cycle:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes and not self.transport.is_closing():
                self.transport.write(_reply("431 Request Header Fields Too Large",
                                            f"request headers above {self.max_header_bytes} bytes\n"))
                self.transport.close()
                self._arm(None)
            return
        if self._reading == "headers":
            self._reading = "body"
            self._arm(self.request_timeout_s)
        if self._reading == "body" and self.cycle is not None and not self.cycle.more_body:
            self._reading = "done"
            self._arm(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self._arm(None)
        super().connection_lost(exc)


def configure(settings: Settings) -> dict[str, Any]:
    """Set the limits from ``settings`` in this process; returns uvicorn's own options that go with them."""
    GuardedProtocol.header_timeout_s = settings.header_timeout_s
    GuardedProtocol.request_timeout_s = settings.request_timeout_s
    GuardedProtocol.max_header_bytes = settings.max_header_bytes
    # proxy_headers off: uvicorn would believe X-Forwarded-For and -Proto from 127.0.0.1 (or FORWARDED_ALLOW_IPS);
    # the service reads them only from settings.trusted_proxies (security/forwarded.py)
    return {"http": GuardedProtocol, "limit_concurrency": settings.max_connections,
            "h11_max_incomplete_event_size": settings.max_header_bytes, "proxy_headers": False}


__all__ = ["GuardedProtocol", "configure"]
