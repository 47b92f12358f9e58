"""One settings object for the CLI, the loader and the service; read from ``INBURGERING_*`` variables and flags.

Settings are passed in (``create_app(settings)``, ``load(..., settings=...)``), never imported as a global.
"""

from __future__ import annotations

from pathlib import Path

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
    #: Where the service is reached; IRIs under ``base_iri`` are rewritten to it in responses.
    public_url: str | None = None
    query_timeout_s: float = 10.0
    max_results: int = 10_000
    max_query_bytes: int = 100_000
    audit_log: Path = Path("var/audit.jsonl")
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
