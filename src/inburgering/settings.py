"""One settings object for the CLI, the loader and the service; read from ``INBURGERING_*`` variables and flags.

Settings are passed in (``create_app(settings)``, ``load(..., settings=...)``), never imported as a global.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from inburgering.namespaces import DEFAULT_BASE


class Settings(BaseSettings):
    """Deployment settings. Environment variables carry the prefix ``INBURGERING_``."""

    model_config = SettingsConfigDict(env_prefix="INBURGERING_", extra="ignore")

    #: A folder (embedded Oxigraph store), ``memory:`` for an in-memory store, or a remote store's URL.
    store: str = "var/store"
    #: Base of instance IRIs (production); ``{base}/id/…`` and ``{base}/doc/…``.
    base_iri: str = DEFAULT_BASE
    host: str = "127.0.0.1"
    port: int = 8000
    #: Service processes (``inburgering serve --workers``). Each opens the on-disk store read-only and keeps
    #: its own rate-limit buckets, token memory and query workers; they share the port and the audit log.
    workers: int = 1
    #: How often the service looks for a new publication of the store (docs/operations.md, live publication).
    publication_poll_s: float = 0.5
    #: Where the service is reached; IRIs under ``base_iri`` are rewritten to it in responses. Links are built
    #: from it alone (default ``http://{host}:{port}``), never from a request's ``Host`` header.
    public_url: str | None = None
    #: Reverse proxies (addresses or networks) whose ``X-Forwarded-For`` names the client, for the rate limit;
    #: none by default: the header is then never read.
    trusted_proxies: list[str] = []
    query_timeout_s: float = 10.0
    max_results: int = 10_000
    max_query_bytes: int = 100_000
    #: Brackets a query may nest (``{``, ``(``, ``[``, ``<<``); checked by the guard before any parser runs.
    #: Oxigraph's parser takes time exponential in the nesting of some brackets (``[``: 0.4 s at 30, 8 s at 100).
    max_query_nesting: int = 32
    #: Tokens a query may hold (names, literals, punctuation): bounds the guard's own time (a few µs a token).
    max_query_tokens: int = 25_000
    #: Anonymous callers (no token): query worker processes of their own, per service process; their own time
    #: limit; how many more anonymous queries may wait for a worker (docs/security.md, fair scheduling).
    anonymous_query_workers: int = 1
    anonymous_query_timeout_s: float = 5.0
    anonymous_query_queue: int = 4
    #: Per query worker process: quads it may hold in in-memory copies of small scopes (a one-municipality token's
    #: graphs), which answer about 10x faster than the disk (docs/performance.md); 400-800 bytes a quad. A scope
    #: over this many quads is read from disk; 0 switches copies off.
    scope_copy_quads: int = Field(default=1_000_000, ge=0)
    #: Per service process: municipalities' answers to saved queries kept for combining (``partitioned.py``; a
    #: cookbook of 17 questions over 300 municipalities is 5,100). 0 switches it off: saved queries are evaluated
    #: as they are on every request.
    kept_answers: int = Field(default=20_000, ge=0)
    #: Per service process: bytes of municipalities' graphs kept packed (compressed N-Triples by predicate, about
    #: 23 bytes a quad) after a query worker copied them, so that a saved query's new text (another
    #: ``peildatum``) is answered from copies made of these instead of from disk (``partitioned.py``; personal
    #: data, in memory only, pruned at every publication). 0 switches it off.
    packed_graph_bytes: int = Field(default=768 * 1024 * 1024, ge=0)
    #: Those answers on disk, shared by the service processes and found again after a restart (``kept.py``;
    #: personal data, owner-only, pruned at every publication). Default ``{store}.kept.sqlite`` beside an
    #: embedded store; none (memory only) for ``memory:`` and remote stores unless set.
    kept_answers_db: Path | None = None
    #: Ask the cookbook's saved queries for every municipality the analysts' tokens read, ahead of the requests
    #: (``service/ahead.py``): at start, after each publication and each day. Off: only what analysts asked before.
    warm_saved_queries: bool = True
    #: Query workers may open no network connection (seccomp, Linux x86-64/arm64); switch off only on a host
    #: that cannot (the service refuses to start workers without it otherwise).
    query_sandbox: bool = True
    #: Slow clients: a request's headers must arrive within ``header_timeout_s`` of its first byte (or of the
    #: connection), and hold at most ``max_header_bytes``; the whole request within ``request_timeout_s``.
    header_timeout_s: float = 10.0
    request_timeout_s: float = 60.0
    max_header_bytes: int = 65_536
    #: Open connections per service process; beyond it new requests get a 503 (uvicorn's limit_concurrency).
    max_connections: int = 1_000
    audit_log: Path = Path("var/audit.jsonl")
    #: ``inburgering retention``: persons whose civic-integration duty ended more than this many years ago are
    #: forgotten (docs/operations.md, "Forgetting a person and retention"); ``None``: give ``--years``.
    retention_years: int | None = None
    suppression_threshold: int = 10
    #: Access control (docs/security.md). Token database: SQLite; default ``{store}.tokens.sqlite`` beside an
    #: embedded store; required for ``memory:`` and remote stores.
    token_db: Path | None = None
    #: Requests per minute per token (anonymous callers: per client address), with a burst; per worker process.
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 60
    max_body_bytes: int = 1_000_000
    #: Browser origins allowed to call the service (CORS); empty means same-origin only.
    cors_origins: list[str] = []
    #: Remote store credentials (see docs/remote-stores.md).
    store_user: str | None = None
    store_password: str | None = None
    store_update_url: str | None = None
    store_gsp_url: str | None = None
