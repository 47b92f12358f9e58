"""From a request's ``Authorization`` header to its ``AccessScope``: bearer tokens, rate limit, audit.

No header gives the public scope. A header that is present but wrong is refused (401), never silently treated
as public, so a client with an expired token learns it at once instead of seeing an empty dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inburgering.errors import AccessError
from inburgering.security import audit
from inburgering.security.ratelimit import RateLimiter
from inburgering.security.scope import PUBLIC, AccessScope, AuthenticationRequired, RateLimited
from inburgering.security.tokens import TokenStore, default_token_db
from inburgering.settings import Settings

REALM = "inburgering"


def www_authenticate(error: str | None = None) -> str:
    """The ``WWW-Authenticate`` header of a 401 answer (RFC 6750)."""
    return f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")


class InvalidToken(AuthenticationRequired):
    """A bearer token was sent but is unknown, revoked or malformed."""


@dataclass
class Authenticator:
    """Checks credentials; ``tokens`` is ``None`` when the deployment has no token database (all public)."""

    tokens: TokenStore | None
    limiter: RateLimiter

    def scope_for(self, authorization: str | None, *, client: str = "unknown") -> AccessScope:
        """The caller's scope; raises ``AuthenticationRequired`` (401) or ``RateLimited`` (429)."""
        if not authorization:
            self.limiter.check("address:" + client)
            audit.note_scope(PUBLIC)
            return PUBLIC
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            audit.note_credentials("invalid")
            self.limiter.check("address:" + client)
            raise InvalidToken("the Authorization header must read 'Bearer <token>'")
        scope = self.identify(authorization)
        if scope is None:
            audit.note_credentials("invalid")
            self.limiter.check("address:" + client)  # failed attempts count against the address
            raise InvalidToken("the bearer token is not valid (unknown, revoked or malformed)")
        audit.note_scope(scope)
        self.limiter.check(f"token:{scope.token_id}")
        return scope

    def identify(self, authorization: str) -> AccessScope | None:
        """The scope of a valid ``Bearer`` token in ``authorization``, else ``None``; no rate limit, no audit
        note (the middleware uses it to name the token of a request no handler authenticated)."""
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip() or self.tokens is None:
            return None
        record = self.tokens.verify(credentials.strip())
        return record.scope() if record is not None else None


def open_token_store(settings: Settings) -> TokenStore | None:
    """The deployment's token database: ``settings.token_db``, else the file beside an embedded store.

    Returns ``None`` (no tokens: public data only) when the store is in memory or remote and no path is set.
    """
    if settings.token_db is not None:
        return TokenStore(settings.token_db)
    if settings.store == "memory:" or settings.store.startswith(("http://", "https://")):
        return None
    return TokenStore(default_token_db(settings.store))


def authenticator(settings: Settings, tokens: TokenStore | None = None) -> Authenticator:
    """The authenticator for a service built from ``settings``."""
    limiter = RateLimiter(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst)
    return Authenticator(tokens if tokens is not None else open_token_store(settings), limiter)


def error_status(exc: AccessError) -> tuple[int, dict[str, str]]:
    """The HTTP status and headers for an access error: 401 with a challenge, 429 with Retry-After, else 403."""
    if isinstance(exc, InvalidToken):
        return 401, {"WWW-Authenticate": www_authenticate("invalid_token")}
    if isinstance(exc, AuthenticationRequired):
        return 401, {"WWW-Authenticate": www_authenticate()}
    if isinstance(exc, RateLimited):
        return 429, {"Retry-After": str(exc.retry_after_s)}
    return 403, {}


def token_db_path(settings: Settings) -> Path:
    """Where the CLI keeps tokens for ``settings`` (a usage error when there is no sensible default)."""
    return settings.token_db if settings.token_db is not None else default_token_db(settings.store)
