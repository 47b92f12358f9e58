"""What one caller may read: its role, its municipalities and whether it may see special categories.

Every query and every page the service answers runs in a scope; the dataset is cut to the scope's graphs
whatever the query itself asks for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from inburgering.errors import AccessError

Role = Literal["public", "analyst", "admin"]


@dataclass(frozen=True)
class AccessScope:
    """The caller's rights. ``PUBLIC`` is the scope of a request without credentials.

    >>> PUBLIC.may_read_instance_data
    False
    >>> AccessScope(token_id="t1", role="analyst", gemeenten=frozenset({"GM0363"})).covers("GM0363")
    True
    """

    token_id: str | None = None
    role: Role = "public"
    gemeenten: frozenset[str] = field(default_factory=frozenset)
    special_categories: bool = False

    @property
    def may_read_instance_data(self) -> bool:
        return self.role != "public" and bool(self.gemeenten)

    def covers(self, gemeente: str) -> bool:
        """Whether instance graphs of ``gemeente`` (``GM0363``) are in scope."""
        return self.may_read_instance_data and gemeente.upper() in self.gemeenten


PUBLIC = AccessScope()


class AuthenticationRequired(AccessError):
    """The request has no valid credentials and needs them (HTTP 401 with ``WWW-Authenticate``)."""


class RateLimited(AccessError):
    """The caller sent more requests than its rate allows (HTTP 429)."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
