"""The audit log: one JSON line per request with a token, per access to protected data, per SPARQL request and
per refused request; never personal data.

A line holds the time, the token id (never the token) and what was sent (``credentials``), the endpoint (the
path, never the query string), the resource IRI or the SHA-256 of the query text, the result count and the
outcome. A number that passes the elfproef in the path, the resource or the query becomes ``[bsn]`` first
(``redact.py``; the query is hashed after that). Handlers add what they know to the request's ``AuditRecord``
(``current()``); the middleware writes the line when the response is done.

>>> import io
>>> out = io.StringIO()
>>> AuditLog(stream=out).write(AuditRecord(method="GET", endpoint="/sparql", status=200, query_sha256="ab"))
>>> sorted(json.loads(out.getvalue()))[:5]
['credentials', 'endpoint', 'method', 'outcome', 'query_sha256']
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from inburgering.security.redact import mask_bsn
from inburgering.security.scope import AccessScope

OUTCOMES = {401: "unauthenticated", 403: "denied", 404: "not-found", 413: "refused", 429: "rate-limited"}
#: Answers that refuse a request: every one is logged, with a token or without (issue 13, finding 7).
REFUSALS = frozenset({400, 401, 403, 405, 411, 413, 414, 415, 422, 429, 431})


@dataclass
class AuditRecord:
    """What one request did; filled in as the request is handled."""

    method: str = ""
    endpoint: str = ""
    #: What the request carried: None (no Authorization header), "token" (a valid one), "invalid" (a header
    #: that is not a valid token: malformed, unknown, revoked), "repeated" (more than one header).
    credentials: str | None = None
    token_id: str | None = None
    role: str = "public"
    resource: str | None = None
    query_sha256: str | None = None
    result_count: int | None = None
    status: int = 0
    protected: bool = False
    time: str = ""

    @property
    def outcome(self) -> str:
        if self.status < 400:
            return "ok"
        return OUTCOMES.get(self.status, "refused" if self.status < 500 else "error")

    def as_line(self) -> dict[str, object]:
        """The JSON line; what the client typed (the path, the resource IRI) with BSNs masked."""
        line: dict[str, object] = {f: getattr(self, f) for f in _LINE_FIELDS}
        line["endpoint"] = mask_bsn(self.endpoint)
        line["resource"] = mask_bsn(self.resource) if self.resource is not None else None
        line["outcome"] = self.outcome
        return line


_LINE_FIELDS = tuple(f.name for f in fields(AuditRecord) if f.name != "protected")
_current: ContextVar[AuditRecord | None] = ContextVar("inburgering_audit", default=None)


def begin(method: str, endpoint: str) -> AuditRecord:
    """Start the record of a request (the middleware calls this)."""
    record = AuditRecord(method=method, endpoint=endpoint)
    _current.set(record)
    return record


def current() -> AuditRecord | None:
    """The record of the request being handled, if any."""
    return _current.get()


def query_hash(query: str) -> str:
    """SHA-256 of the query text with BSNs masked: the log says which query ran without holding what it asked
    for, and a BSN in it cannot be found by hashing candidates (there are only 10^9).

    >>> query_hash('ASK { ?p ?x "123456782" }') == query_hash('ASK { ?p ?x "[bsn]" }')
    True
    """
    return hashlib.sha256(mask_bsn(query).encode("utf-8", "surrogatepass")).hexdigest()


def note_scope(scope: AccessScope) -> None:
    """Record who is asking."""
    record = _current.get()
    if record is not None:
        record.token_id, record.role = scope.token_id, scope.role
        if scope.token_id is not None:
            record.credentials = "token"


def note_credentials(kind: str) -> None:
    """Record what the request's Authorization header was, when it was not a valid token."""
    record = _current.get()
    if record is not None:
        record.credentials = kind


def note_access(*, resource: str | None = None, query: str | None = None, result_count: int | None = None,
                protected: bool = True) -> None:
    """Record what was read: a resource IRI or a query (hashed), and how many results went back."""
    record = _current.get()
    if record is None:
        return
    if resource is not None:
        record.resource = resource
    if query is not None:
        record.query_sha256 = query_hash(query)
    if result_count is not None:
        record.result_count = result_count
    record.protected = record.protected or protected


class AuditLog:
    """An append-only JSON Lines file (or a stream, for tests); safe to call from several threads and processes.

    Each line is ONE ``write`` on a descriptor opened with ``O_APPEND``, so lines of several service processes
    never interleave, and it is in the operating system's hands before ``write`` returns (the middleware calls
    it before the last byte of the response is sent; there is no buffer in this process to lose). The
    descriptor stays open between lines; when the file is renamed or removed (log rotation) the next line
    opens the path again.
    """

    def __init__(self, path: Path | None = None, *, stream: TextIO | None = None) -> None:
        self.path = path
        self._stream = stream
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._inode: tuple[int, int] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: AuditRecord) -> None:
        record.time = record.time or datetime.now(UTC).isoformat(timespec="milliseconds")
        line = json.dumps(record.as_line(), ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            if self._stream is not None:
                self._stream.write(line)
                self._stream.flush()
            elif self.path is not None:
                data = line.encode("utf-8")
                fd = self._descriptor()
                written = os.write(fd, data)
                while written < len(data):  # a regular file takes it whole; stay correct if it does not
                    written += os.write(fd, data[written:])

    def _descriptor(self) -> int:
        """The open descriptor of ``path``, reopened when the path no longer names the file it has open."""
        assert self.path is not None
        try:
            stat = os.stat(self.path)
            current: tuple[int, int] | None = (stat.st_dev, stat.st_ino)
        except FileNotFoundError:
            current = None
        if self._fd is None or current != self._inode:
            self.close()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            stat = os.fstat(self._fd)
            self._inode = (stat.st_dev, stat.st_ino)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def should_log(record: AuditRecord, *, protected_prefixes: tuple[str, ...]) -> bool:
        """Log every request that carries a token (valid or not), every access to protected data, every
        refusal (``REFUSALS``), every error, and every request to a data endpoint (``/sparql``)."""
        return (record.credentials is not None or record.token_id is not None or record.protected
                or record.status in REFUSALS or record.status >= 500 or record.endpoint.startswith(protected_prefixes))
