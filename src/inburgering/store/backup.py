"""Online, consistent backup of an embedded store, and its restore.

A backup copies the **current publication**: the RocksDB checkpoint readers answer from
(``store/snapshots.py``). A checkpoint is immutable (no writer ever opens it, a read-only open writes nothing
into it) and its lease keeps it from being collected while it is copied, so the copy is consistent without
stopping anything: loads go on (they write the live store and make new checkpoints), readers go on, and the
backup holds exactly one whole publication. Taking the writer lock instead would make a backup wait for a
running load (up to half an hour) and stop loads while it copies; it would gain nothing, since what is not in
a publication is not published data.

The files are copied, not hard-linked, so the backup shares no file with the store; their SHA-256 is recorded
in ``inburgering-backup.json`` and checked again by :func:`restore`. A backup folder is a store of its own::

    BACKUP/inburgering-backup.json     the manifest: publication, files and their hashes, what is published
    BACKUP/store/                      the checkpoint, copied: a store folder
    BACKUP/store.publications/ID/      the same files hard-linked as its publication, so that
                                       `inburgering serve|query --store BACKUP/store` read it as it is
    BACKUP/tokens.sqlite               the token database (SQLite online backup), when the store has one

:func:`restore` copies ``store/`` to the target, checking every hash, makes its publication current (with the
same publication id) and puts the token database back.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from inburgering import __version__
from inburgering.errors import StoreError, UsageError
from inburgering.settings import Settings
from inburgering.store.embedded import WRITER_WAIT_S, EmbeddedStore
from inburgering.store.housekeeping import SourceStatus, is_remote, on_disk, sources_of
from inburgering.store.publication import current_publication, published_records
from inburgering.store.snapshots import POINTER, Publications, publications_dir

MANIFEST = "inburgering-backup.json"
FORMAT = 1
STORE = "store"
TOKENS = "tokens.sqlite"
CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupFile:
    path: str  # relative to the backup's store folder
    bytes: int
    sha256: str


@dataclass
class Manifest:
    """What ``inburgering-backup.json`` holds (no personal data: ids, times, codes, sizes, hashes)."""

    format: int
    created: str
    source_store: str
    publication: str
    inburgering: str
    pyoxigraph: str
    files: list[BackupFile]
    sources: list[SourceStatus]
    tokens: BackupFile | None

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise UsageError(f"{folder}: backup format {data.get('format')!r}, this version reads {FORMAT}")
            tokens = data.get("tokens")
            return cls(format=FORMAT, created=data["created"], source_store=data["source_store"],
                       publication=data["publication"], inburgering=data["inburgering"],
                       pyoxigraph=data["pyoxigraph"], files=[BackupFile(**f) for f in data["files"]],
                       sources=[SourceStatus(**s) for s in data["sources"]],
                       tokens=BackupFile(**tokens) if tokens else None)
        except FileNotFoundError:
            raise UsageError(f"{folder} is not a backup of inburgering (no {MANIFEST})") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"{folder}/{MANIFEST} cannot be read: {exc}") from None


def _copy(source: Path, target: Path, *, expect: str | None = None) -> str:
    """Copy one file, fsync it, and return its SHA-256 (checked against ``expect`` while copying)."""
    digest = hashlib.sha256()
    with source.open("rb") as src, target.open("xb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if expect is not None and digest.hexdigest() != expect:
        raise StoreError(f"{source} is damaged: its SHA-256 differs from the one the backup recorded")
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_tree(source: Path, target: Path, *, expected: dict[str, str] | None = None) -> list[BackupFile]:
    """Copy the files of ``source`` into the new folder ``target``; with ``expected`` (path: SHA-256) exactly
    those files, each checked, and nothing else."""
    if expected is None:
        names = sorted(f.relative_to(source).as_posix() for f in source.rglob("*") if not f.is_dir())
    else:
        names = sorted(expected)
        present = {f.relative_to(source).as_posix() for f in source.rglob("*") if not f.is_dir()}
        if present != set(names):
            odd = sorted(set(names) ^ present)
            raise StoreError(f"the backup at {source} is damaged: files missing or added: {', '.join(odd[:5])}")
    target.mkdir(parents=True)
    files = []
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        sha = _copy(source / name, target / name, expect=None if expected is None else expected[name])
        files.append(BackupFile(name, (target / name).stat().st_size, sha))
    _fsync_dir(target)
    return files


def _copy_tokens(source: Path, target: Path) -> None:
    """SQLite's online backup: consistent while the service reads and ``token create`` writes."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    target.chmod(0o600)


def _link_publication(store: Path, publication: str) -> None:
    """``store.publications/{publication}``: the store's files hard-linked, and ``CURRENT`` naming it."""
    folder = publications_dir(store)
    shutil.copytree(store, folder / publication, copy_function=os.link)
    (folder / POINTER).write_text(publication + "\n", encoding="utf-8")


@dataclass
class BackupReport:
    folder: Path
    manifest: Manifest


def backup(settings: Settings, target: Path, *, token_db: Path | None = None) -> BackupReport:
    """Back up the current publication of the embedded store ``settings.store`` into the new folder ``target``;
    ``token_db``: the token database to include (default: the store's own, when it exists)."""
    if is_remote(settings.store):
        raise UsageError("a remote store is backed up with its server's own tools (docs/operations.md, "
                         "\"Backup and restore\"); `inburgering store backup` copies an embedded store")
    path = on_disk(settings)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} exists and is not empty: give a new folder for the backup")
    if not (path / "CURRENT").is_file():
        raise StoreError(f"no store at {path}")
    tokens = token_db if token_db is not None else _default_tokens(path)
    partial = target.with_name(f".{target.name}.partial-{secrets.token_hex(3)}")
    try:
        with Publications(path).open_current() as snapshot:  # the lease keeps it until the copy is done
            reader = EmbeddedStore.from_snapshot(snapshot)
            publication = current_publication(reader, base=settings.base_iri) or snapshot.publication
            sources = sources_of(published_records(reader, base=settings.base_iri))
            files = _copy_tree(snapshot.path, partial / STORE)
        _link_publication(partial / STORE, publication)
        token_file = None
        if tokens is not None and tokens.is_file():
            _copy_tokens(tokens, partial / TOKENS)
            token_file = BackupFile(TOKENS, (partial / TOKENS).stat().st_size, _sha256(partial / TOKENS))
        manifest = Manifest(FORMAT, datetime.now(UTC).isoformat(timespec="seconds"), str(path.resolve()),
                            publication, __version__, ox.__version__, files, sources, token_file)
        _check_opens(partial / STORE, settings, publication)
        (partial / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        partial.chmod(0o700)  # personal data (pseudonymised): as private as the store
        if target.exists():
            target.rmdir()
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BackupReport(target, manifest)


def _default_tokens(store: Path) -> Path:
    return store.with_name(store.name + ".tokens.sqlite")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _check_opens(store: Path, settings: Settings, publication: str) -> None:
    """Open the copy read-only and read its publication id: a copy that does not open fails here, not later."""
    try:
        copy = EmbeddedStore(store, read_only=True)
    except StoreError as exc:
        raise StoreError(f"the copy at {store} does not open as a store: {exc}") from exc
    try:
        found = current_publication(copy, base=settings.base_iri)
    finally:
        copy.close()
    if found not in (publication, None):
        raise StoreError(f"the copy at {store} holds publication {found}, expected {publication}")


@dataclass
class RestoreReport:
    store: Path
    publication: str
    files: int
    bytes: int
    tokens: Path | None
    replaced: bool


def restore(source: Path, settings: Settings, *, force: bool = False, token_db: Path | None = None,
            writer_wait_s: float = WRITER_WAIT_S) -> RestoreReport:
    """Restore the backup ``source`` into ``settings.store`` (an embedded store folder) so that it can be served.

    Refuses when the store or its token database exists, unless ``force``: then it waits for the store's writer
    lock (a running load finishes first) and replaces the store; a running service switches to the restored
    publication as to any new one, and readers of the replaced one keep it until they are done.
    """
    manifest = Manifest.read(source)
    if is_remote(settings.store):
        raise UsageError("`inburgering store restore` restores an embedded store (a folder); a remote store is "
                         "restored with its server's own tools")
    path = on_disk(settings)
    tokens = token_db if token_db is not None else _default_tokens(path)
    existing = [str(p) for p in (path, publications_dir(path) / POINTER)
                if p.exists() and not (p.is_dir() and not any(p.iterdir()))]
    if manifest.tokens is not None and tokens.exists():
        existing.append(str(tokens))
    if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").is_file():
        raise UsageError(f"{path} is a folder with files but not a store: restore into a new folder (not even "
                         "--force replaces what is not a store)")
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} exist{'s' if len(existing) == 1 else ''}: restore into a new "
                         "store, or add --force to replace it")
    if manifest.tokens is not None and (not (source / TOKENS).is_file()
                                        or _sha256(source / TOKENS) != manifest.tokens.sha256):
        raise StoreError(f"{source / TOKENS} is missing or damaged: its SHA-256 differs from the one recorded")
    publications = Publications(path)
    with publications.writer_lock(wait_s=writer_wait_s):
        incoming = path.with_name(f".{path.name}.restoring-{secrets.token_hex(3)}")
        try:
            _copy_tree(source / STORE, incoming, expected={f.path: f.sha256 for f in manifest.files})
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        replaced = path.exists()
        if replaced:  # no reader opens the live store, and we hold the writer lock: nobody has it open
            old = path.with_name(f".{path.name}.replaced-{secrets.token_hex(3)}")
            path.rename(old)
            incoming.rename(path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            incoming.rename(path)
        _fsync_dir(path.parent)
        _publish_restored(path, publications, manifest.publication)
    if manifest.tokens is not None:
        _copy_tokens(source / TOKENS, tokens)
    return RestoreReport(path, manifest.publication, len(manifest.files), manifest.bytes,
                         tokens if manifest.tokens is not None else None, replaced)


def _publish_restored(path: Path, publications: Publications, publication: str) -> None:
    """Make the restored store's checkpoint current, named by its publication id (or, when a checkpoint of that
    name exists, which a reader may hold, a new name beside it)."""
    name = publication
    if publications.path(name).exists():
        name = f"{publication}-restored-{secrets.token_hex(3)}"
    try:
        live = ox.Store(str(path))
    except OSError as exc:
        raise StoreError(f"the restored store at {path} does not open: {exc}") from exc
    try:
        publications.checkpoint(live, name)
        publications.end()  # the restored store is whole: an interrupted publication of the old one is gone
        publications.collect()
    finally:
        del live


__all__ = ["MANIFEST", "BackupReport", "Manifest", "RestoreReport", "backup", "restore"]
