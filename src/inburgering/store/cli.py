"""``inburgering store status | gc | settle | backup | restore``: housekeeping of a store (docs/operations.md).

Exit codes: 0 done, 2 usage or store error. Nothing printed names a person: graph IRIs, municipality codes,
source names, times, sizes.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from inburgering.errors import UsageError
from inburgering.settings import Settings
from inburgering.store.housekeeping import StoreStatus, collect_garbage, settle_store, store_status


def register(subparsers: Any) -> None:
    """Add ``store`` and its actions to the command line."""
    parser = subparsers.add_parser("store", help="status, garbage collection, backup and restore of a store")
    actions = parser.add_subparsers(dest="store_action", metavar="ACTION", required=True)

    status = actions.add_parser("status", help="the current publication, what is published per municipality and "
                                "source with its load time, stale graphs, held publications, disk use")
    _store_option(status)
    status.add_argument("--json", action="store_true", help="print JSON instead of text")
    _grace_option(status)
    status.set_defaults(handler=run_status)

    gc = actions.add_parser("gc", help="drop stale graphs and delete publications no reader holds")
    _store_option(gc)
    _grace_option(gc)
    gc.set_defaults(handler=run_gc)
    settle = actions.add_parser(
        "settle", help="wait for the store's compactions, then give readers a checkpoint of the settled store (the "
                       "same publication; reads at national scale 2.2x faster; run it after a large load)")
    _store_option(settle)
    settle.set_defaults(handler=run_settle)

    backup = actions.add_parser("backup", help="copy the current publication of an embedded store into a new "
                                "folder (online: loads and readers go on)")
    _store_option(backup)
    backup.add_argument("folder", metavar="DIR", type=Path, help="the new backup folder")
    backup.add_argument("--token-db", type=Path,
                        help="token database to include (default: STORE.tokens.sqlite, when it exists)")
    backup.set_defaults(handler=run_backup)

    restore = actions.add_parser("restore", help="restore a backup into an embedded store folder")
    restore.add_argument("folder", metavar="DIR", type=Path, help="a folder made by `inburgering store backup`")
    _store_option(restore)
    restore.add_argument("--token-db", type=Path,
                         help="where to restore the token database (default: STORE.tokens.sqlite)")
    restore.add_argument("--force", action="store_true",
                         help="replace an existing store (waits for a running load; a running service follows)")
    restore.set_defaults(handler=run_restore)


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="store folder or remote store URL (default: $INBURGERING_STORE)")


def _grace_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grace", type=float, metavar="SECONDS",
                        help="keep graphs retired less than this long (remote stores; default 300)")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(store=args.store) if args.store else Settings()


def _grace(args: argparse.Namespace) -> timedelta | None:
    if args.grace is None:
        return None
    if args.grace < 0:
        raise UsageError(f"--grace {args.grace:g}: expected 0 or more seconds")
    return timedelta(seconds=args.grace)


def size(n: int | None) -> str:
    """Bytes for people.

    >>> size(0), size(1536), size(3 * 1024 ** 3)
    ('0 B', '1.5 KiB', '3.0 GiB')
    """
    if n is None:
        return "-"
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"


def run_status(args: argparse.Namespace) -> int:
    status = store_status(_settings(args), grace=_grace(args))
    if args.json:
        print(json.dumps(asdict(status), indent=1, ensure_ascii=False))
        return 0
    print(format_status(status))
    return 0


def format_status(status: StoreStatus) -> str:
    """The text of ``inburgering store status``."""
    lines = [f"store        {status.store} ({status.kind})",
             f"publication  {status.publication or 'none yet (load data or run `inburgering model publish`)'}"]
    lines.append(f"published    {len(status.sources)} municipality/source pair(s) (time of the last load):")
    for s in status.sources:
        special = f" + {s.special} special-category" if s.special else ""
        lines.append(f"  {s.gemeente}  {s.source or '(no source)':<8} {s.loaded or 'unknown':<32} "
                     f"{len(s.graphs) - s.special} graph(s){special}")
    lines.append(f"public       {', '.join(g.rsplit('/', 1)[-1] for g in status.public_graphs) or 'none'}")
    if status.stale is None:
        lines.append("stale        not checked: a writer (a load) holds the store now")
    else:
        lines.append(f"stale        {len(status.stale)} graph(s)" + (" (`inburgering store gc` drops them)"
                                                                    if status.stale else ""))
        lines += [f"  {g}" for g in status.stale]
    if status.retired_waiting:
        lines.append(f"retired      {len(status.retired_waiting)} graph(s) kept for the grace period")
    if status.kind == "embedded":
        for p in status.publications:
            role = "current" if p.current else "held" if p.in_use else "old"
            lines.append(f"{'publications' if p is status.publications[0] else '':<12} {role:<7} {p.id}  "
                         f"{size(p.disk.bytes)}, {size(p.disk.own_bytes)} of its own"
                         + ("; a reader uses it" if p.in_use else ""))
        lines.append(f"disk         store {size(status.store_bytes)}, publications {size(status.publications_bytes)}, "
                     f"together {size(status.total_bytes)} (files shared by hard links counted once)")
    if status.interrupted:
        lines.append("note         the last publication was interrupted; the next load or `model publish` "
                     "repairs it (readers are not affected)")
    return "\n".join(lines)


def run_gc(args: argparse.Namespace) -> int:
    report = collect_garbage(_settings(args), grace=_grace(args))
    for graph in report.dropped:
        print(f"dropped graph {graph}")
    for publication in report.collected:
        print(f"deleted publication {publication}")
    for publication in report.held:
        print(f"kept publication {publication}: a reader still holds it (a later gc or load deletes it)")
    for graph in report.waiting:
        print(f"kept retired graph {graph}: within the grace period (--grace)")
    summary = (f"{len(report.dropped)} graph(s) dropped, {len(report.collected)} publication(s) deleted, "
               f"{len(report.held)} held")
    if report.bytes_before is not None:
        summary += f"; disk {size(report.bytes_before)} -> {size(report.bytes_after)}"
    print(summary)
    if report.interrupted:
        print("note: the last publication was interrupted; the next load or `model publish` repairs it "
              "(readers are not affected)")
    return 0


def run_settle(args: argparse.Namespace) -> int:
    report = settle_store(_settings(args))
    print(f"settled in {report.seconds:.1f} s: checkpoint {report.publication} ({report.tables_after} table files) "
          f"replaces {report.replaced} ({report.tables_before}), the same publication")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    from inburgering.store.backup import backup

    report = backup(_settings(args), args.folder, token_db=args.token_db)
    manifest = report.manifest
    print(f"backed up publication {manifest.publication} of {manifest.source_store} to {report.folder}: "
          f"{len(manifest.files)} files, {size(manifest.bytes)}"
          + (", with the token database" if manifest.tokens else ""))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from inburgering.store.backup import restore

    report = restore(args.folder, _settings(args), force=args.force, token_db=args.token_db)
    print(f"restored publication {report.publication} into {report.store}"
          + (" (replacing the store that was there)" if report.replaced else "")
          + f": {report.files} files, {size(report.bytes)}"
          + (f"; tokens in {report.tokens}" if report.tokens else "")
          + f"; serve it with `inburgering serve --store {report.store}`")
    return 0
