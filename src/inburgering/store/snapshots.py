"""Publications of an embedded on-disk store: immutable checkpoints that readers open while a writer goes on.

A writer (a load, ``inburgering model publish``, ``forget``) changes the store folder itself; readers never
open it. After each publication the writer takes a RocksDB checkpoint of the store (``Store.backup``: hard links
to the immutable table files, so it costs a flush and a few links, not a copy) into
``{store}.publications/{id}/`` and then points ``{store}.publications/CURRENT`` at it with an atomic rename.
A reader (the service, its query workers, ``inburgering query``) opens the publication ``CURRENT`` names, read
only, and keeps using it until it moves on; so every answer comes from exactly one publication.

A reader holds a shared ``flock`` on ``{id}.lease`` while it has a publication open. :meth:`Publications.collect`
deletes a publication that is not current only when it can take that lock exclusively, so nothing is deleted
under a reader. Writers take ``writer.lock`` (exclusive, waiting) before they open the store, so a second load
waits for the first instead of failing on the store's lock.

>>> import tempfile, pyoxigraph as ox
>>> folder = Path(tempfile.mkdtemp()) / "store"
>>> live = ox.Store(str(folder))
>>> pubs = Publications(folder)
>>> pubs.current() is None
True
>>> pubs.checkpoint(live, "P1")
>>> pubs.current()
'P1'
>>> with pubs.open_current() as snapshot:
...     snapshot.publication, len(snapshot.store)
('P1', 0)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import pyoxigraph as ox

from inburgering.errors import StoreError

POINTER = "CURRENT"
LEASE = ".lease"
WRITER_LOCK = "writer.lock"
#: Written before a publication starts changing derived structures (the union graphs) in place and removed once
#: its checkpoint is current: when a writer finds it, the last one died half-way and repairs first.
IN_PROGRESS = "publishing"
#: ``settle``: how long the table files must stay as they are, how often they are looked at, and how long at most
#: a checkpoint waits for the compactions.
SETTLE_QUIET_S, SETTLE_POLL_S, SETTLE_LIMIT_S = 0.5, 0.05, 300.0


def publications_dir(store_path: str | Path) -> Path:
    """``{store}.publications``: beside the store folder, never inside RocksDB's own."""
    path = Path(store_path)
    return path.parent / f"{path.name}.publications"


def table_files(store_path: Path) -> frozenset[tuple[str, int]]:
    """The table files of a store or checkpoint folder and their sizes (``os.scandir``: no RocksDB call). A file
    that a running compaction deletes between the listing and its size is left out: it is gone."""
    files = set()
    with os.scandir(store_path) as entries:
        for entry in entries:
            if entry.name.endswith(".sst"):
                with contextlib.suppress(FileNotFoundError):
                    files.add((entry.name, entry.stat().st_size))
    return frozenset(files)


def settle(store_path: str | Path, *, quiet: float = SETTLE_QUIET_S, limit: float = SETTLE_LIMIT_S) -> float:
    """Wait, with the store open for writing, until RocksDB's compactions have stopped; the seconds waited.

    A bulk load adds table files that overlap the whole key space, which RocksDB merges in the background. A
    checkpoint taken before that holds every one of them, and a read-only open never compacts, so every reader of
    that publication looks each key up in all of them (the store has no Bloom filters): at national scale
    reading a municipality's graphs took 2.2 times as long from such a publication as from the same store
    settled (``inburgering store settle``, docs/performance.md). pyoxigraph
    tells nothing about compactions, so this watches the folder: none is running when no table file appeared,
    went or grew for ``quiet`` seconds (a running compaction writes its output continuously), and RocksDB
    schedules the next one as soon as one ends. Gives up after ``limit`` seconds (the checkpoint is then taken
    as it is)."""
    path = Path(store_path)
    started = time.monotonic()
    seen, since = table_files(path), started
    while True:
        time.sleep(SETTLE_POLL_S)
        now = time.monotonic()
        files = table_files(path)
        if files != seen:
            seen, since = files, now
        if now - since >= quiet or now - started >= limit:
            return now - started


@dataclass
class Snapshot:
    """One publication opened read-only, with its lease held until :meth:`close`."""

    publication: str
    path: Path
    store: ox.Store
    _lease: IO[bytes] = field(repr=False)

    def close(self) -> None:
        """Release the lease (the store handle goes with the last reference)."""
        with contextlib.suppress(OSError):
            self._lease.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Publications:
    """The publications (checkpoints) of the on-disk store at ``store_path``."""

    def __init__(self, store_path: str | Path) -> None:
        self.store_path = Path(store_path)
        self.folder = publications_dir(store_path)

    # -- reading ---------------------------------------------------------------------------------------------
    def current(self) -> str | None:
        """The id of the current publication, or ``None`` when none was made yet."""
        try:
            return (self.folder / POINTER).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def path(self, publication: str) -> Path:
        return self.folder / publication

    def lease(self, publication: str) -> IO[bytes] | None:
        """A shared lease on ``publication`` (a file object to close), or ``None`` when it is gone."""
        handle = (self.folder / f"{publication}{LEASE}").open("ab")
        fcntl.flock(handle, fcntl.LOCK_SH)
        if not (self.path(publication) / "CURRENT").is_file():  # collected before we got the lease
            handle.close()
            return None
        return handle

    def open(self, publication: str) -> Snapshot | None:
        """Open ``publication`` read-only with its lease; ``None`` when it was collected meanwhile."""
        lease = self.lease(publication)
        if lease is None:
            return None
        try:
            store = ox.Store.read_only(str(self.path(publication)))
        except OSError as exc:
            lease.close()
            raise StoreError(f"cannot open publication {publication} of {self.store_path}: {exc}") from exc
        return Snapshot(publication, self.path(publication), store, lease)

    def open_current(self, *, attempts: int = 5) -> Snapshot:
        """The current publication, opened; retries when a writer moved on and collected it meanwhile."""
        for _ in range(attempts):
            publication = self.current()
            if publication is None:
                raise StoreError(f"no publication in {self.store_path}: load data or run "
                                 "`inburgering model publish --store ...` first")
            snapshot = self.open(publication)
            if snapshot is not None:
                return snapshot
        raise StoreError(f"the publications of {self.store_path} kept moving; try again")

    # -- writing ---------------------------------------------------------------------------------------------
    def checkpoint(self, live: ox.Store, publication: str) -> None:
        """Make ``publication`` of ``live`` (the writer's open store) and make it current."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path(publication)
        if target.exists():  # a checkpoint of a crashed writer that never became current
            shutil.rmtree(target)
        live.flush()
        live.backup(str(target))
        pointer = self.folder / f"{POINTER}.tmp"
        pointer.write_text(publication + "\n", encoding="utf-8")
        with pointer.open("rb") as f:
            os.fsync(f.fileno())
        pointer.replace(self.folder / POINTER)

    def collect(self) -> list[str]:
        """Delete every publication but the current one that no reader holds; returns the ids deleted."""
        current, deleted = self.current(), list[str]()
        if not self.folder.is_dir():
            return deleted
        for entry in sorted(self.folder.iterdir()):
            if not entry.is_dir() or entry.name == current:
                continue
            with (self.folder / f"{entry.name}{LEASE}").open("ab") as lease:
                try:
                    fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader still answers from it: next time
                shutil.rmtree(entry, ignore_errors=True)
                (self.folder / f"{entry.name}{LEASE}").unlink(missing_ok=True)
                deleted.append(entry.name)
        return deleted

    def held(self) -> list[str]:
        """Publications other than the current one that still exist (held by a reader, or not yet collected)."""
        current = self.current()
        if not self.folder.is_dir():
            return []
        return sorted(e.name for e in self.folder.iterdir() if e.is_dir() and e.name != current)

    # -- the writer ------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self, *, wait_s: float) -> Iterator[None]:
        """Exclusive right to write the store; waits up to ``wait_s`` for a writer that holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / WRITER_LOCK).open("ab") as lock:
            deadline, told = time.monotonic() + wait_s, False
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreError(f"another writer (a load or model publish) holds {self.store_path} "
                                         f"since over {wait_s:.0f} s; try again later") from None
                    if not told:
                        print(f"inburgering: waiting for another writer of {self.store_path} to finish",
                              flush=True)
                        told = True
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def begin(self) -> None:
        """Mark a publication in progress (see ``IN_PROGRESS``)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / IN_PROGRESS).write_text(str(os.getpid()), encoding="utf-8")

    def interrupted(self) -> bool:
        """Whether the last writer died while a publication was in progress."""
        return (self.folder / IN_PROGRESS).exists()

    def end(self) -> None:
        (self.folder / IN_PROGRESS).unlink(missing_ok=True)


__all__ = ["Publications", "Snapshot", "publications_dir", "settle", "table_files"]
