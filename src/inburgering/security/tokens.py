"""Bearer tokens: created once, stored hashed in a small SQLite file, checked in constant time, revocable.

A token reads ``inb_{id}_{secret}``: ``id`` (8 hex characters) names the token in listings and the audit log,
``secret`` is 256 random bits (base64url). Only SHA-256 of the secret is stored; the token itself is shown
once, by ``inburgering token create``, and never written anywhere else.

>>> tokens = TokenStore(":memory:")
>>> issued = tokens.create(role="analyst", gemeenten=["GM0363"])
>>> tokens.verify(issued.token).scope().gemeenten
frozenset({'GM0363'})
>>> _ = tokens.revoke(issued.record.token_id); tokens.verify(issued.token) is None
True

``verify`` remembers the tokens it found valid, keyed by the SHA-256 of the whole token, for as long as the
database is unchanged: SQLite's ``PRAGMA data_version`` moves whenever another connection (``inburgering token
revoke`` in another process) commits, and this object's own writes clear the memory. So a revocation takes
effect on the very next request, and a request costs one ``PRAGMA`` instead of a table lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from inburgering.errors import UsageError
from inburgering.security.scope import AccessScope, Role

ROLES: tuple[Role, ...] = ("analyst", "admin")
_TOKEN = re.compile(r"^inb_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")
#: Valid tokens remembered by ``TokenStore.verify`` (the memory is emptied when full).
MAX_REMEMBERED = 1024
#: fullmatch and [0-9]: with re.match, "$" also matched before a final newline, and \d takes any Unicode digit
#: (Arabic-Indic, fullwidth), which no municipality code has.
_GEMEENTE = re.compile(r"GM[0-9]{4}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS token (
    token_id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'admin')),
    gemeenten TEXT NOT NULL,
    special_categories INTEGER NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    revoked TEXT
)
"""


@dataclass(frozen=True)
class TokenRecord:
    """What the token database knows about one token (never the token itself)."""

    token_id: str
    role: Role
    gemeenten: tuple[str, ...]
    special_categories: bool
    label: str
    created: str
    revoked: str | None

    def scope(self) -> AccessScope:
        return AccessScope(token_id=self.token_id, role=self.role, gemeenten=frozenset(self.gemeenten),
                           special_categories=self.special_categories)


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the only copy of the secret, to be handed to its holder."""

    token: str
    record: TokenRecord


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _sha256_any(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def default_token_db(store: str) -> Path:
    """Where the tokens of an embedded store live: ``{store}.tokens.sqlite`` beside the store folder."""
    if store == "memory:" or store.startswith(("http://", "https://")):
        raise UsageError(f"store {store} has no folder to keep tokens beside: set --token-db "
                         "or INBURGERING_TOKEN_DB")
    folder = Path(store)
    return folder.with_name(folder.name + ".tokens.sqlite")


def is_gemeente_code(code: str) -> bool:
    """Whether ``code`` is a municipality code: ``GM`` and four ASCII digits, nothing before or after.

    >>> is_gemeente_code("GM0363"), is_gemeente_code("GM0363\\n"), is_gemeente_code("GM\\u0660\\u0663\\u0666\\u0663")
    (True, False, False)
    """
    return _GEMEENTE.fullmatch(code) is not None


def check_gemeenten(codes: Iterable[str]) -> tuple[str, ...]:
    """Normalised municipality codes (``GM0363``); a malformed code is a usage error."""
    result = []
    for code in codes:
        upper = code.strip().upper()
        if not is_gemeente_code(upper):
            raise UsageError(f"--gemeente {code!r}: expected GM followed by 4 digits, e.g. GM0363")
        result.append(upper)
    return tuple(sorted(set(result)))


class TokenStore:
    """The token database (SQLite). ``path=":memory:"`` for tests."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open the token database {self.path}: {exc}") from exc
        self._lock = threading.Lock()  # one connection shared by the service's worker threads
        self._valid: dict[str, TokenRecord] = {}  # sha256(token) -> record, while data_version is unchanged
        self._data_version: object = None
        self._writes = 0  # this connection's own writes, which do not move data_version
        if self.path != ":memory:":
            Path(self.path).chmod(0o600)  # hashes only, but nobody else needs to read them

    def create(self, *, role: str, gemeenten: Iterable[str] = (), special_categories: bool = False,
               label: str = "") -> IssuedToken:
        """Make a token; the returned ``token`` string is its only copy."""
        if role not in ROLES:
            raise UsageError(f"--role {role!r}: expected one of {', '.join(ROLES)}")
        codes = check_gemeenten(gemeenten)
        token_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        record = TokenRecord(token_id, role, codes, special_categories, label, _now(), None)
        self._forget()
        self._run(
            "INSERT INTO token VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            (token_id, _sha256(secret), role, ",".join(codes), int(special_categories), label, record.created),
        )
        self._wrote()
        return IssuedToken(f"inb_{token_id}_{secret}", record)

    def verify(self, token: str) -> TokenRecord | None:
        """The record of a valid, unrevoked token; ``None`` for anything else (same answer for every failure)."""
        key = _sha256_any(token)
        version = self._run("PRAGMA data_version")[0][0]
        with self._lock:
            if version != self._data_version:
                self._valid.clear()
                self._data_version = version
            remembered = self._valid.get(key)
        if remembered is not None:
            return remembered
        record = self._verify(token)
        if record is not None:
            with self._lock:
                if version == self._data_version:
                    if len(self._valid) >= MAX_REMEMBERED:
                        self._valid.clear()
                    self._valid[key] = record
        return record

    def _verify(self, token: str) -> TokenRecord | None:
        match = _TOKEN.match(token)
        token_id, secret = match.groups() if match else ("", "")
        rows = self._run("SELECT secret_sha256, * FROM token WHERE token_id = ?", (token_id,))
        row = rows[0] if rows else None
        expected = str(row[0]) if row else "0" * 64
        # Compare even when there is no such token, so the answer takes the same time either way.
        ok = hmac.compare_digest(_sha256(secret), expected)
        if not (ok and match and row) or row[8] is not None:
            return None
        return _record(row[1:])

    def records(self) -> list[TokenRecord]:
        """Every token, revoked ones included, oldest first."""
        rows = self._run("SELECT * FROM token ORDER BY created, token_id")
        return [_record(row) for row in rows]

    def revoke(self, token_id: str) -> TokenRecord:
        """Revoke a token by its id; revoking twice keeps the first time."""
        self._run("UPDATE token SET revoked = coalesce(revoked, ?) WHERE token_id = ?", (_now(), token_id))
        self._forget()
        self._wrote()
        rows = self._run("SELECT * FROM token WHERE token_id = ?", (token_id,))
        if not rows:
            raise UsageError(f"no token with id {token_id!r} (see `inburgering token list`)")
        return _record(rows[0])

    def version(self) -> tuple[object, int]:
        """Moves whenever the tokens change: SQLite's ``data_version`` for other connections' writes (``inburgering
        token create`` while the service runs), a count of this connection's own."""
        version = self._run("PRAGMA data_version")[0][0]
        with self._lock:
            return version, self._writes

    def _wrote(self) -> None:
        with self._lock:
            self._writes += 1

    def _forget(self) -> None:
        """This connection wrote: its own writes do not move ``data_version``, so empty the memory here."""
        with self._lock:
            self._valid.clear()
            self._data_version = None

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise UsageError(f"token database {self.path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()


def _record(row: tuple[object, ...]) -> TokenRecord:
    token_id, _hash, role, gemeenten, special, label, created, revoked = row
    codes = tuple(str(gemeenten).split(",")) if gemeenten else ()
    return TokenRecord(str(token_id), role, codes, bool(special), str(label), str(created),  # type: ignore[arg-type]
                       None if revoked is None else str(revoked))
