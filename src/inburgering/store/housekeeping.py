"""Housekeeping of a store: what it publishes and holds (:func:`store_status`), removing what no reader needs
(:func:`collect_garbage`): stale graphs and publications (checkpoints) that no reader holds, and giving readers a
settled checkpoint of the current publication (:func:`settle_store`).

Neither ever breaks a reader. An embedded store's readers answer from publications with a lease held
(``store/snapshots.py``); only unleased, non-current ones are deleted. Graphs are dropped from the live store
only, which no reader opens, under the writer lock, so no load is half-way. A remote store has no snapshots: a
graph retired by a publication stays for a grace period (``RETIRED_GRACE``) for the requests that began before.

Nothing here names a person: graph IRIs, municipality codes, source names, times and sizes.

>>> from inburgering.settings import Settings
>>> store_status(Settings(store="memory:"))
Traceback (most recent call last):
...
inburgering.errors.UsageError: an in-memory store has nothing to keep or collect: give a store folder or URL
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from inburgering.errors import StoreError, UsageError
from inburgering.settings import Settings
from inburgering.store import open_settings_store
from inburgering.store.base import Store
from inburgering.store.embedded import WRITER_WAIT_S, EmbeddedStore
from inburgering.store.publication import (
    GraphRecord,
    current_publication,
    drop_stale_graphs,
    is_special,
    new_publication_id,
    public_graphs,
    published_records,
    stale_graphs,
)
from inburgering.store.snapshots import LEASE, Publications, settle, table_files


def is_remote(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def without_password(url: str) -> str:
    """``url`` without a password in it, to print.

    >>> without_password("https://dba:secret@example.org/sparql")
    'https://dba@example.org/sparql'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def on_disk(settings: Settings) -> Path:
    """The folder of an on-disk store; a usage error for ``memory:`` (a remote URL is the caller's case)."""
    if settings.store == "memory:":
        raise UsageError("an in-memory store has nothing to keep or collect: give a store folder or URL")
    return Path(settings.store)


# -- disk --------------------------------------------------------------------------------------------------------
def _files(folder: Path) -> Iterable[os.stat_result]:
    for root, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(FileNotFoundError):  # RocksDB deletes files while we look
                yield os.stat(os.path.join(root, name))


def _allocated(st: os.stat_result) -> int:
    return st.st_blocks * 512


@dataclass(frozen=True)
class Disk:
    """Bytes allocated on disk by a folder's files: ``bytes`` all of them; ``own_bytes`` those no other folder
    links to (a checkpoint shares its table files with the store by hard links), what deleting it frees."""

    bytes: int
    own_bytes: int


def disk_usage(folder: Path) -> Disk:
    total = own = 0
    seen: set[tuple[int, int]] = set()
    for st in _files(folder):
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        total += _allocated(st)
        own += _allocated(st) if st.st_nlink == 1 else 0
    return Disk(total, own)


def unique_usage(*folders: Path) -> int:
    """Bytes allocated by the files under ``folders``, each file counted once however many links it has."""
    seen: dict[tuple[int, int], int] = {}
    for folder in folders:
        for st in _files(folder):
            seen[(st.st_dev, st.st_ino)] = _allocated(st)
    return sum(seen.values())


# -- what is published ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceStatus:
    """The published graphs of one municipality and source; ``loaded``: when their load ended (ISO 8601)."""

    gemeente: str
    source: str | None
    loaded: str | None
    graphs: list[str]

    @property
    def special(self) -> int:
        return sum(1 for g in self.graphs if is_special(g))


def _moment(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # an xsd:dateTime without a zone is taken as UTC: the loader writes UTC only
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def latest(values: Iterable[str | None]) -> str | None:
    """The latest of ``xsd:dateTime`` values as stores give them, in UTC and one spelling (each store writes its
    own); a value that is no date is given as it is when there is nothing else.

    >>> latest(["2026-03-01T13:00:00+01:00", "2026-03-01T12:00:00.5Z"]), latest(["yesterday", None])
    ('2026-03-01T12:00:00.500000Z', 'yesterday')
    """
    given = [v for v in values if v]
    moments = [m for m in map(_moment, given) if m is not None]
    if not moments:
        return given[0] if given else None
    return max(moments).astimezone(UTC).isoformat().replace("+00:00", "Z")


def sources_of(records: Iterable[GraphRecord], *, special: bool = True) -> list[SourceStatus]:
    """Group published graph records per municipality and source (``special=False``: without the special-category
    graphs, and without a municipality and source that has nothing else)."""
    groups: dict[tuple[str, str | None], list[GraphRecord]] = {}
    for record in records:
        if special or not record.special:
            groups.setdefault((record.gemeente, record.source), []).append(record)
    return [SourceStatus(gemeente, source, latest(r.loaded for r in rs),
                         sorted(r.graph for r in rs))
            for (gemeente, source), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]


@dataclass(frozen=True)
class PublicationStatus:
    """One publication (checkpoint) on disk; ``in_use``: a reader holds its lease now."""

    id: str
    current: bool
    in_use: bool
    disk: Disk


@dataclass
class StoreStatus:
    """What ``inburgering store status`` reports."""

    store: str
    kind: str  # "embedded" or "remote"
    publication: str | None
    sources: list[SourceStatus]
    public_graphs: list[str]
    #: Graphs ``gc`` would drop now; ``None`` when a writer holds an embedded store (a load in progress).
    stale: list[str] | None
    #: Retired graphs of a remote store kept for the grace period (``gc`` drops them after it).
    retired_waiting: list[str] = field(default_factory=list)
    writer_busy: bool = False
    #: The last writer died while publishing (or loading): the next load or ``model publish`` repairs the unions
    #: first. While a writer runs, the mark is its own and this is false.
    interrupted: bool = False
    publications: list[PublicationStatus] = field(default_factory=list)
    store_bytes: int | None = None
    publications_bytes: int | None = None
    #: Store and publications together, files shared by hard links counted once.
    total_bytes: int | None = None


def lease_in_use(publications: Publications, publication: str) -> bool:
    """Whether a reader holds ``publication``'s lease (a shared ``flock``) now."""
    path = publications.folder / f"{publication}{LEASE}"
    if not path.exists():
        return False
    with path.open("ab") as lease:
        try:
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(lease, fcntl.LOCK_UN)
    return False


def _published(store: Store, base: str) -> tuple[str | None, list[GraphRecord], list[str]]:
    return current_publication(store, base=base), published_records(store, base=base), public_graphs(store, base=base)


def store_status(settings: Settings, *, grace: timedelta | None = None) -> StoreStatus:
    """The status of ``settings.store`` (see :class:`StoreStatus`); reads, never waits for a writer."""
    if is_remote(settings.store):
        return _remote_status(settings, grace=grace)
    path = on_disk(settings)
    if not (path / "CURRENT").is_file():
        raise StoreError(f"no store at {path}")
    base, publications = settings.base_iri, Publications(path)
    publication, records, public = None, list[GraphRecord](), list[str]()
    if publications.current() is not None:
        reader = EmbeddedStore.from_snapshot(publications.open_current())
        try:
            publication, records, public = _published(reader, base)
        finally:
            reader.close()
    stale, busy = _live_stale(publications, base)
    current = publications.current()
    pubs = [PublicationStatus(p, p == current, lease_in_use(publications, p), disk_usage(publications.path(p)))
            for p in ([current] if current else []) + publications.held()]
    return StoreStatus(
        store=str(path), kind="embedded", publication=publication, sources=sources_of(records), public_graphs=public,
        stale=stale, writer_busy=busy, interrupted=publications.interrupted() and not busy, publications=pubs,
        store_bytes=disk_usage(path).bytes, publications_bytes=unique_usage(publications.folder),
        total_bytes=unique_usage(path, publications.folder))


def _live_stale(publications: Publications, base: str) -> tuple[list[str] | None, bool]:
    """The stale graphs of the live store, read under the writer lock if it is free (else ``None``, busy): the
    live store is only consistent between writers, and a load's own graphs are not stale."""
    locked = False
    try:
        with publications.writer_lock(wait_s=0):
            locked = True
            live = EmbeddedStore(publications.store_path, read_only=True)
            try:
                return stale_graphs(live, base=base), False
            finally:
                live.close()
    except StoreError:
        if locked:
            raise
        return None, True


def _remote_status(settings: Settings, *, grace: timedelta | None) -> StoreStatus:
    store = open_settings_store(settings)
    try:
        base = settings.base_iri
        publication, records, public = _published(store, base)
        stale = stale_graphs(store, base=base, grace=grace)
        waiting = sorted(set(stale_graphs(store, base=base, grace=timedelta(0))) - set(stale))
    finally:
        store.close()
    return StoreStatus(store=without_password(settings.store), kind="remote", publication=publication, sources=sources_of(records),
                       public_graphs=public, stale=stale, retired_waiting=waiting)


# -- collecting -------------------------------------------------------------------------------------------------------
@dataclass
class GcReport:
    """What ``inburgering store gc`` removed and what it left for later."""

    #: Graphs dropped: unpublished leftovers of crashed loads, retired graphs past the grace.
    dropped: list[str]
    #: Publications (checkpoints) deleted: not current, no reader held them.
    collected: list[str] = field(default_factory=list)
    #: Publications kept because a reader still holds them (a later gc or publication deletes them).
    held: list[str] = field(default_factory=list)
    #: Retired graphs of a remote store still within the grace.
    waiting: list[str] = field(default_factory=list)
    bytes_before: int | None = None
    bytes_after: int | None = None
    #: The last writer died while publishing (see :class:`StoreStatus`).
    interrupted: bool = False


def collect_garbage(settings: Settings, *, grace: timedelta | None = None,
                    writer_wait_s: float = WRITER_WAIT_S) -> GcReport:
    """Drop stale graphs and delete publications no reader holds (see the module docstring).

    An embedded store is opened for writing, so this waits (up to ``writer_wait_s``) for a load that runs. On a
    remote store, run it when no load writes: like a load's own clean-up at its start, it takes every
    unpublished instance graph for a leftover.
    """
    if is_remote(settings.store):
        store = open_settings_store(settings)
        try:
            waiting = set(stale_graphs(store, base=settings.base_iri, grace=timedelta(0)))
            dropped = drop_stale_graphs(store, base=settings.base_iri, grace=grace)
        finally:
            store.close()
        return GcReport(dropped=dropped, waiting=sorted(waiting - set(dropped)))
    path = on_disk(settings)
    if not (path / "CURRENT").is_file():
        raise StoreError(f"no store at {path}")
    publications = Publications(path)
    before = unique_usage(path, publications.folder)
    store = EmbeddedStore(path, writer_wait_s=writer_wait_s)  # the writer lock: no load is half-way
    try:
        dropped = drop_stale_graphs(store, base=settings.base_iri, grace=grace)
        collected = publications.collect()
        held = publications.held()
    finally:
        store.close()
    return GcReport(dropped=dropped, collected=collected, held=held, bytes_before=before,
                    bytes_after=unique_usage(path, publications.folder), interrupted=publications.interrupted())


@dataclass(frozen=True)
class SettleReport:
    """What ``settle_store`` did: the checkpoint now current, the one it replaced, their table files, and the
    seconds it waited for RocksDB's compactions."""

    publication: str
    replaced: str
    tables_before: int
    tables_after: int
    seconds: float


def settle_store(settings: Settings, *, writer_wait_s: float = WRITER_WAIT_S) -> SettleReport:
    """Let RocksDB finish the compactions the last writes left (``snapshots.settle``), then make a checkpoint of
    the settled store current: the same publication (the same graphs and ``owl:versionInfo``) in a new folder,
    whose readers look keys up in fewer table files. Waits (up to ``writer_wait_s``) for a load that runs; the
    replaced checkpoint is deleted once no reader holds it (as ``gc`` does). For an embedded store."""
    if is_remote(settings.store):
        raise UsageError("store settle is for an embedded store; a SPARQL server compacts its own storage")
    path = on_disk(settings)
    if not (path / "CURRENT").is_file():
        raise StoreError(f"no store at {path}")
    publications = Publications(path)
    store = EmbeddedStore(path, writer_wait_s=writer_wait_s)  # the writer lock: no load is half-way
    try:
        replaced = publications.current()  # read under the lock: a load may have published while this waited
        if replaced is None:
            raise StoreError(f"no publication in {path}: load data or run `inburgering model publish` first")
        before = len(table_files(publications.path(replaced)))
        seconds = settle(path)
        publication = new_publication_id()
        publications.checkpoint(store.ox, publication)
        publications.collect()
    finally:
        store.close()
    return SettleReport(publication, replaced, before, len(table_files(publications.path(publication))), seconds)


__all__ = [
    "Disk",
    "GcReport",
    "PublicationStatus",
    "SettleReport",
    "SourceStatus",
    "StoreStatus",
    "collect_garbage",
    "disk_usage",
    "lease_in_use",
    "settle_store",
    "sources_of",
    "store_status",
    "unique_usage",
]
