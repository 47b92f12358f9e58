"""Municipalities' answers to saved queries, kept on disk (``partitioned.py``): a restart finds them again.

At 130,000 persons asking every municipality's answer to the cookbook's 17 queries takes about 35 minutes
(docs/performance.md); kept only in memory, each service process and every restart paid that again, on an
analyst's request. The file is an SQLite database (``{store}.kept.sqlite`` beside an embedded store, the setting
``kept_answers_db``), shared by the service processes of one store: what one asked, the others read.

- **Keys** as in memory: the query's text (its SHA-256), the names of the municipality's graphs (a published graph
  never changes under its name) and the digest of the public graphs. What an answer was asked for is in its key,
  so an answer is found again only for the same graphs.
- **Personal data.** Answers hold rows of persons (pseudonymised IRIs, dates, outcomes): the file is created
  readable by its owner only (0600), like the store, and every answer over a graph that is no longer published is
  deleted (``prune``): at each publication the service sees and by ``inburgering forget`` / ``retention`` right
  after their publication, so an erased person leaves this file when the person leaves the published graphs.
  It is derived data: deleting it loses nothing but time; ``store backup`` leaves it out.
- **The saved queries asked** (query text and scope: role, municipalities, special categories; never a token) are
  kept too, so that after a restart or a publication the service asks what analysts asked before, ahead of them.
- **Claims.** Before a process asks an answer in the background it claims the key for a while, so two service
  processes do not ask the same 300 municipalities side by side.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from inburgering.security.scope import AccessScope
from inburgering.settings import Settings
from inburgering.store.base import Store
from inburgering.store.publication import public_graphs, published_iris

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    query TEXT NOT NULL, graphs TEXT NOT NULL, digest TEXT NOT NULL,
    variables TEXT NOT NULL, rows BLOB NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (query, graphs, digest));
CREATE TABLE IF NOT EXISTS persons (graphs TEXT PRIMARY KEY, persons BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS asked (
    query TEXT NOT NULL, scope TEXT NOT NULL, text TEXT NOT NULL, base TEXT NOT NULL, max_results INTEGER NOT NULL,
    at REAL NOT NULL, PRIMARY KEY (query, scope));
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, until REAL NOT NULL);
"""


def query_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _graphs(graphs: Sequence[str]) -> str:
    return "\n".join(graphs)


def _pack(value: object) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def _unpack(blob: bytes) -> object:
    return json.loads(zlib.decompress(blob))


def kept_db_path(settings: Settings) -> Path | None:
    """The setting ``kept_answers_db``, else the default beside an embedded store."""
    return settings.kept_answers_db if settings.kept_answers_db is not None else default_kept_db(settings.store)


def default_kept_db(store: str) -> Path | None:
    """``{store}.kept.sqlite`` beside an embedded store's folder; ``None`` for ``memory:`` and remote stores."""
    if store == "memory:" or store.startswith(("http://", "https://")):
        return None
    folder = Path(store)
    return folder.with_name(folder.name + ".kept.sqlite")


@dataclass(frozen=True)
class Asked:
    """A saved query answered combined for a scope (its token left out)."""

    text: str
    base: str
    max_results: int
    scope: AccessScope


def _scope_json(scope: AccessScope) -> str:
    return json.dumps({"role": scope.role, "gemeenten": sorted(scope.gemeenten),
                       "special_categories": scope.special_categories}, sort_keys=True)


class KeptFile:
    """The SQLite file of kept answers. Safe to use from several threads (one connection, one lock) and
    processes (SQLite's WAL and busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # personal data: the owner only
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get(self, query: str, graphs: Sequence[str], digest: str) -> tuple[tuple[str, ...], list[list[str]]] | None:
        """(variables, rows) kept for ``query`` over ``graphs`` with public ``digest``, or ``None``."""
        with self._lock:
            row = self._db.execute("SELECT variables, rows FROM answers WHERE query=? AND graphs=? AND digest=?",
                                   (query_key(query), _graphs(graphs), digest)).fetchone()
        if row is None:
            return None
        rows = _unpack(row[1])
        assert isinstance(rows, list)
        return tuple(json.loads(row[0])), rows

    def put(self, query: str, graphs: Sequence[str], digest: str, variables: Sequence[str],
            rows: Iterable[Sequence[str]]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                             (query_key(query), _graphs(graphs), digest, json.dumps(list(variables)),
                              _pack([list(r) for r in rows]), time.time()))

    def persons(self, graphs: Sequence[str]) -> list[str] | None:
        with self._lock:
            row = self._db.execute("SELECT persons FROM persons WHERE graphs=?", (_graphs(graphs),)).fetchone()
        if row is None:
            return None
        persons = _unpack(row[0])
        assert isinstance(persons, list)
        return persons

    def put_persons(self, graphs: Sequence[str], persons: Iterable[str]) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO persons VALUES (?, ?)", (_graphs(graphs), _pack(sorted(persons))))

    def remember(self, asked: Asked) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO asked VALUES (?, ?, ?, ?, ?, ?)",
                             (query_key(asked.text), _scope_json(asked.scope), asked.text, asked.base,
                              asked.max_results, time.time()))

    def asked(self, limit: int) -> list[Asked]:
        """The ``limit`` saved queries and scopes asked most recently, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT text, base, max_results, scope FROM asked ORDER BY at DESC LIMIT ?",
                                    (limit,)).fetchall()
        found = []
        for text, base, max_results, scope in reversed(rows):
            s = json.loads(scope)
            found.append(Asked(text, base, max_results, AccessScope(None, s["role"], frozenset(s["gemeenten"]),
                                                                    s["special_categories"])))
        return found

    def claim(self, key: str, *, lease_s: float) -> bool:
        """Whether this process may ask ``key`` now: no other holds an unexpired claim on it."""
        now = time.time()
        with self._lock:
            cursor = self._db.execute("INSERT INTO claims VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                                      "until=excluded.until WHERE claims.until < ?", (key, now + lease_s, now))
            return cursor.rowcount == 1

    def release(self, key: str) -> None:
        """The claim on ``key`` ends (asked, failed or cancelled)."""
        with self._lock:
            self._db.execute("DELETE FROM claims WHERE key=?", (key,))

    def prune(self, published: Callable[[], set[str]]) -> int:
        """Deletes every answer and persons list over a graph not in ``published()`` (the instance graphs published
        now and the public graphs; asked of the store only when the file holds answers); returns how many answers
        went."""
        with self._lock:
            kept = [g for (g,) in self._db.execute("SELECT DISTINCT graphs FROM persons UNION "
                                                   "SELECT DISTINCT graphs FROM answers")]
        if not kept:
            return 0
        now = published()
        gone = [g for g in kept if not now.issuperset(g.split("\n"))]
        if not gone:
            return 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                removed = sum(self._db.execute("DELETE FROM answers WHERE graphs=?", (g,)).rowcount for g in gone)
                self._db.executemany("DELETE FROM persons WHERE graphs=?", [(g,) for g in gone])
                self._db.execute("DELETE FROM claims WHERE until < ?", (time.time(),))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        log.info("kept answers: %d over %d graph sets no longer published deleted", removed, len(gone))
        return removed

    def forget_except(self, queries: Iterable[str]) -> int:
        """Deletes every answer to a query neither in ``queries`` (the texts asked ahead: ``ahead.py``) nor among
        the saved queries asked (yesterday's texts of a reference date that defaults to the day, say); returns how
        many went."""
        keys = [(query_key(text),) for text in queries]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (query TEXT PRIMARY KEY)")
                self._db.execute("DELETE FROM temp.keep")
                self._db.executemany("INSERT OR IGNORE INTO temp.keep VALUES (?)", keys)
                removed: int = self._db.execute(
                    "DELETE FROM answers WHERE query NOT IN (SELECT query FROM temp.keep) "
                    "AND query NOT IN (SELECT query FROM asked)").rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if removed:
            log.info("kept answers: %d to queries no longer asked deleted", removed)
        return removed

    def counts(self) -> dict[str, int]:
        """Rows per table, and the file's size in bytes with its write-ahead log (tests)."""
        with self._lock:
            found = {t: self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                     for t in ("answers", "persons", "asked")}
        found["bytes"] = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return found


def published_now(store: Store, *, base: str) -> set[str]:
    """The graphs an answer may be kept over: the instance graphs published now and the public graphs."""
    return published_iris(store, base=base) | set(public_graphs(store, base=base))


def prune_kept(path: Path | None, store: Store, *, base: str) -> int:
    """``KeptFile.prune`` of the file at ``path``, if there is one, against what ``store`` publishes now (the
    erasure commands, right after their publication)."""
    if path is None or not path.exists():
        return 0
    kept = KeptFile(path)
    try:
        return kept.prune(lambda: published_now(store, base=base))
    finally:
        kept.close()


__all__ = ["Asked", "KeptFile", "default_kept_db", "kept_db_path", "prune_kept", "published_now", "query_key"]
