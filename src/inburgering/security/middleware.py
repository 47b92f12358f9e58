"""The service's outer wall (pure ASGI): path tricks refused, body size capped, security headers, CORS on public
data, the audit line.

``install(app, settings)`` adds it, CORS for configured origins, and the handlers that turn access errors into
401, 403 and 429 answers; ``app.state.authenticator`` is what ``service/deps.py:get_scope`` asks.

CORS: an answer to a request **without** an ``Authorization`` header holds public data only (the public scope
reads the public graphs alone), so on the data paths any web page may read it (``Access-Control-Allow-Origin:
*``), and preflights from any origin are answered, without allowing the ``Authorization`` header. An answer to
a request with a token never gets that header, and neither do 401 and 403 answers (instance data asked for
without a token). Only the origins of ``settings.cors_origins`` may send tokens (Starlette's CORS middleware).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from inburgering.errors import AccessError
from inburgering.security import audit
from inburgering.security.audit import AuditLog
from inburgering.security.auth import Authenticator, authenticator, error_status
from inburgering.security.forwarded import Network, client_address, proxy_networks
from inburgering.security.tokens import TokenStore
from inburgering.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths whose every request is audited, whoever asks (others: when a token is sent, data is read or refused).
PROTECTED_PREFIXES = ("/sparql", "/api/queries/")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
BASE_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"DENY"), (b"cross-origin-resource-policy", b"same-origin")]
#: Paths whose answers, to a caller without a token, are public data: RDF documents and dumps, the SPARQL
#: endpoint and the saved queries, the JSON-LD contexts, the metadata and the published (suppressed) statistics.
PUBLIC_DATA_PREFIXES = ("/sparql", "/api/queries", "/id/", "/doc/", "/def", "/shapes/", "/dataset", "/downloads/",
                        "/context", "/ontology.ttl", "/.well-known/void", "/stats.json")
PUBLIC_CORS_HEADERS = [(b"access-control-allow-origin", b"*"),
                       (b"access-control-expose-headers",
                        (b"ETag, Link, Content-Location, Content-Disposition, Retry-After, "
                         b"Inburgering-Withheld, Inburgering-Withheld-Records"))]
#: A preflight's answer: the methods and headers a public cross-origin request may use (never Authorization).
PREFLIGHT_HEADERS = [(b"access-control-allow-origin", b"*"), (b"access-control-allow-methods", b"GET, HEAD, POST"),
                     (b"access-control-allow-headers", b"Accept, Accept-Language, Content-Type, If-None-Match"),
                     (b"access-control-max-age", b"600")]


def is_public_data_path(path: str) -> bool:
    """Whether ``path`` serves public data to a caller without a token (see the module docstring).

    >>> is_public_data_path("/doc/concept/leerroute/B"), is_public_data_path("/query")
    (True, False)
    """
    return path.startswith(PUBLIC_DATA_PREFIXES)


class _BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so that FastAPI's body parsing passes it on as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def bad_path(raw_path: str) -> str | None:
    """Why a request path is refused (dot segments, empty segments, backslashes, control characters), or None.

    >>> bad_path("/id/persoon/%2e%2e/%2E%2e/graph/meta")
    'the path has a dot segment'
    >>> bad_path("/id/persoon/4f2a9c") is None
    True
    """
    decoded, previous = raw_path, None
    while decoded != previous:  # double encoding (%252e) decodes twice
        previous, decoded = decoded, unquote(decoded)
    if any(ord(c) < 0x20 or c == "\x7f" for c in decoded) or "\\" in decoded:
        return "the path has a control character or a backslash"
    segments = decoded.split("/")[1:]
    if any(s in (".", "..") for s in segments):
        return "the path has a dot segment"
    if "" in segments[:-1]:
        return "the path has an empty segment (//)"
    return None


class SecurityMiddleware:
    """Wraps the app: refuse bad paths and big bodies, add headers, write the audit line."""

    def __init__(self, app: ASGIApp, *, audit_log: AuditLog, max_body_bytes: int, csp: str = CSP,
                 cors_origins: tuple[str, ...] = (), trusted_proxies: tuple[Network, ...] = (),
                 authenticator: Authenticator | None = None) -> None:
        self.app, self.audit_log, self.max_body_bytes, self.csp = app, audit_log, max_body_bytes, csp.encode()
        #: Names the token of a request that no handler authenticated (static files, redirects), for the log.
        self.authenticator = authenticator
        #: Origins the deployment trusts with tokens: their CORS is Starlette's, inside this layer.
        self.cors_origins = {o.encode() for o in cors_origins}
        #: Reverse proxies whose X-Forwarded-For names the client (``forwarded.py``); none by default.
        self.trusted_proxies = trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        record = audit.begin(scope["method"], scope["path"])
        authorizations = [v for k, v in scope["headers"] if k == b"authorization"]
        authenticated = bool(authorizations)
        self._resolve_client(scope)
        public_data = not authenticated and is_public_data_path(scope["path"])
        started = False

        written = False

        def write_audit() -> None:
            nonlocal written
            if not written:
                self._note_credentials(record, authorizations)
                if AuditLog.should_log(record, protected_prefixes=PROTECTED_PREFIXES):
                    self.audit_log.write(record)
            written = True

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                record.status = message["status"]
                cors = public_data and message["status"] not in (401, 403)
                message["headers"] = self._headers(list(message.get("headers", [])), authenticated, cors)
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                write_audit()  # logged before the client has the whole answer
            await send(message)

        try:
            problem = bad_path(raw.decode("latin-1").split("?", 1)[0])
            length = dict(scope["headers"]).get(b"content-length", b"0")
            if problem:
                await self._error(send_wrapper, 400, f"refused: {problem}")
            elif len(authorizations) > 1:  # which one counts is for each layer to guess: none does
                await self._error(send_wrapper, 400, f"the request has {len(authorizations)} Authorization "
                                  "headers; send one")
            elif self._is_public_preflight(scope):
                await send_wrapper({"type": "http.response.start", "status": 204, "headers": list(PREFLIGHT_HEADERS)})
                await send_wrapper({"type": "http.response.body", "body": b""})
            elif not length.isdigit() or int(length) > self.max_body_bytes:
                await self._error(send_wrapper, 413, f"the request body is larger than {self.max_body_bytes} bytes")
            else:
                await self.app(scope, self._capped(receive), send_wrapper)
        except _BodyTooLarge as exc:
            if not started:
                await self._error(send_wrapper, 413, str(exc.detail))
        except Exception:
            record.status = record.status or 500
            raise
        finally:
            write_audit()

    def _note_credentials(self, record: audit.AuditRecord, authorizations: list[bytes]) -> None:
        """Every request that carries a token is logged with it, whether or not a handler looked at it."""
        if not authorizations or record.credentials is not None:
            return
        if len(authorizations) > 1:
            record.credentials = "repeated"
            return
        scope = self.authenticator.identify(authorizations[0].decode("latin-1")) if self.authenticator else None
        if scope is None:
            record.credentials = "invalid"
        else:
            record.credentials, record.token_id, record.role = "token", scope.token_id, scope.role

    def _resolve_client(self, scope: Scope) -> None:
        """The client's address for the rate limit: the peer's, or what a trusted proxy says it was."""
        peer = scope.get("client")
        if peer and self.trusted_proxies:
            forwarded = [v for k, v in scope["headers"] if k == b"x-forwarded-for"]
            scope["client"] = (client_address(str(peer[0]), forwarded, self.trusted_proxies), peer[1])

    def _capped(self, receive: Receive) -> Receive:
        received = 0

        async def capped() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLarge(self.max_body_bytes)
            return message

        return capped

    def _is_public_preflight(self, scope: Scope) -> bool:
        """A CORS preflight for public data from an origin the deployment does not trust with tokens."""
        if scope["method"] != "OPTIONS" or not is_public_data_path(scope["path"]):
            return False
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        return (origin is not None and b"access-control-request-method" in headers
                and origin not in self.cors_origins)

    def _headers(self, headers: list[tuple[bytes, bytes]], authenticated: bool,
                 public_cors: bool = False) -> list[tuple[bytes, bytes]]:
        names = {k.lower() for k, _ in headers}
        if public_cors and b"access-control-allow-origin" not in names:
            # public data may be read, and embedded, by any site; CORP only governs no-cors loads
            headers += PUBLIC_CORS_HEADERS + [(b"cross-origin-resource-policy", b"cross-origin")]
            names |= {k for k, _ in PUBLIC_CORS_HEADERS} | {b"cross-origin-resource-policy"}
        headers += [(k, v) for k, v in BASE_HEADERS if k not in names]
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
            headers.append((b"content-security-policy", self.csp))
        if authenticated:  # answers with personal data must not stay in shared or browser caches
            headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
            headers += [(b"cache-control", b"private, no-store"), (b"vary", b"Authorization")]
        return headers

    @staticmethod
    async def _error(send: Send, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


ErrorPage = Callable[[Request, int, str], Response]


def _plain(request: Request, status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


def _access_error_handler(page: ErrorPage) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessError)
        status, headers = error_status(exc)
        response = page(request, status, str(exc))
        response.headers.update(headers)
        return response

    return handle


def install(app: FastAPI, settings: Settings, *, tokens: TokenStore | None = None,
            audit_log: AuditLog | None = None, error_page: ErrorPage = _plain) -> Authenticator:
    """Add the security middleware, CORS (only for ``settings.cors_origins``) and the access-error handlers.

    ``error_page(request, status, message)`` renders 401/403/429 answers (the service's own error page).
    """
    auth = authenticator(settings, tokens)
    app.state.authenticator = auth
    app.state.audit_log = audit_log or AuditLog(settings.audit_log)
    app.add_exception_handler(AccessError, _access_error_handler(error_page))
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "Accept"], allow_credentials=False)
    app.add_middleware(SecurityMiddleware, audit_log=app.state.audit_log, max_body_bytes=settings.max_body_bytes,
                       cors_origins=tuple(settings.cors_origins),
                       trusted_proxies=proxy_networks(settings.trusted_proxies), authenticator=auth)
    return auth
