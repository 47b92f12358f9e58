"""``inburgering forget`` (one person, by BSN or pseudonym) and ``inburgering retention`` (everyone due).

Exit codes: 0 done and proven (or a dry run); 1 the person is in no published graph (nothing changed), or the
proof found a trace; 2 usage error. Neither command prints or writes a BSN or a pseudonym.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from inburgering.erasure.erase import PURGE_WAIT_S, ForgetReport, forget
from inburgering.erasure.persons import check_pseudonym, pseudonym_of_bsn
from inburgering.erasure.record import append_audit, check_reason, operator
from inburgering.erasure.retention import Due, cutoff, due
from inburgering.errors import UsageError
from inburgering.loader.pseudonym import KEY_ENV, read_key
from inburgering.settings import Settings
from inburgering.store import Store, open_settings_store
from inburgering.store.publication import published_records


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {value!r}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="store folder or remote store URL (default: $INBURGERING_STORE)")
    parser.add_argument("--reason", help="why (goes into the audit log; a case number, never a BSN)")
    parser.add_argument("--operator", help="who runs it, for the audit log (default: the operating-system user)")
    parser.add_argument("--audit-log", type=Path, help="the audit log to append to (default: $INBURGERING_AUDIT_LOG "
                                                       "or var/audit.jsonl, the service's)")
    parser.add_argument("--dry-run", action="store_true", help="find and count, change nothing")
    parser.add_argument("--purge", action="store_true",
                        help="also remove what readers of the old publication may still use: a remote store's "
                             f"retired graphs at once, an embedded store's earlier publications once readers leave "
                             f"them (waits up to {PURGE_WAIT_S:.0f} s)")
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write the report as JSON (no personal data)")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``forget`` and ``retention`` to the command line."""
    f = subparsers.add_parser("forget", help="remove every fact of one person from every published graph, "
                                             "republish, prove nothing remains (AVG art. 17)")
    who = f.add_mutually_exclusive_group(required=True)
    who.add_argument("--bsn", help="the person's BSN, pseudonymised with the key here; '-' reads it from stdin "
                                   "(keeps it out of the process list and shell history)")
    who.add_argument("--pseudonym", help="the person's pseudonym (the last segment of {base}/id/persoon/…)")
    f.add_argument("--key-file", help=f"file holding the pseudonymisation key, for --bsn (default: ${KEY_ENV})")
    _common(f)
    f.set_defaults(handler=run_forget)

    r = subparsers.add_parser("retention", help="forget, in one publication, everyone whose civic-integration "
                                                "duty ended more than N years ago")
    r.add_argument("--years", type=int, help="N (default: $INBURGERING_RETENTION_YEARS)")
    r.add_argument("--reference-date", type=_date, metavar="YYYY-MM-DD", help="count from this day (default: today)")
    _common(r)
    r.set_defaults(handler=run_retention)


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.store:
        overrides["store"] = args.store
    if args.audit_log:
        overrides["audit_log"] = args.audit_log
    return Settings(**overrides)


def _open(settings: Settings) -> Store:
    """The store to change; a folder that is not there is a mistake, not a new empty store."""
    location = settings.store
    if location != "memory:" and "://" not in location and not Path(location).is_dir():
        raise UsageError(f"no store at {location}")
    return open_settings_store(settings)


def _prune_kept(settings: Settings, store: Store) -> str | None:
    """The service's kept answers over graphs this publication retired are deleted now, not at the service's
    next look (``service/kept.py``): the forgotten persons' rows leave that file too. Returns a line to print."""
    import sqlite3

    from inburgering.service.kept import kept_db_path, prune_kept

    path = kept_db_path(settings)
    try:
        removed = prune_kept(path, store, base=settings.base_iri)
    except (OSError, sqlite3.Error) as exc:
        return (f"  warning: the service's kept answers {path} could not be pruned ({exc}); a running service "
                "prunes them when it sees this publication, a stopped one when it starts")
    return f"  kept answers of saved queries: {removed} over the replaced graphs deleted" if removed else None


def _pseudonym(args: argparse.Namespace) -> str:
    if args.pseudonym is not None:
        return check_pseudonym(args.pseudonym)
    bsn = sys.stdin.readline() if args.bsn == "-" else args.bsn
    return pseudonym_of_bsn(bsn, key=read_key(key_file=args.key_file))


def _audit(settings: Settings, args: argparse.Namespace, report: ForgetReport, outcome: str,
           reason: str, **more: Any) -> None:
    from inburgering.loader.pipeline import display_location

    line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": report.kind,
            "id": report.run_id, "operator": operator(args.operator), "reason": reason,
            "store": display_location(settings.store), "outcome": outcome, "persons_requested": report.requested,
            "persons_found": report.found, "subjects_sha256": report.subjects,
            "triples_removed": report.triples_removed, "graphs_replaced": len(report.copies),
            "publication": report.publication, "purged": len(report.purged),
            "proof_clean": report.proof.clean if report.proof is not None else None, **more}
    append_audit(settings.audit_log, line)


def _finish(args: argparse.Namespace, report: ForgetReport, lines: list[str], **more: Any) -> None:
    if args.report:
        data = {**report.to_dict(), **more}
        args.report.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join([*lines, *describe(report)]))


def run_forget(args: argparse.Namespace) -> int:
    settings = _settings(args)
    reason = check_reason(args.reason or "verzoek tot wissing (AVG art. 17)")
    pseudonym = _pseudonym(args)
    store = _open(settings)
    try:
        report = forget(store, base=settings.base_iri, pseudonyms=[pseudonym], kind="erasure",
                        dry_run=args.dry_run, purge=args.purge)
        pruned = _prune_kept(settings, store) if report.found and not args.dry_run else None
    finally:
        store.close()
    if not report.found:
        _finish(args, report, [(f"forget {report.run_id}: the person is in no published graph; nothing changed "
                                "(already forgotten, or a BSN pseudonymised with another key?)")])
        if not args.dry_run:
            _audit(settings, args, report, "not-found", reason)
        return 1
    if args.dry_run:
        _finish(args, report, [(f"forget {report.run_id} (dry run): the person is in {len(report.copies)} "
                                "graphs that would be replaced; nothing changed")])
        return 0
    outcome = "forgotten" if report.proof is not None and report.proof.clean else "traces-remain"
    _audit(settings, args, report, outcome, reason)
    _finish(args, report, [(f"forget {report.run_id}: 1 person forgotten, {report.triples_removed} triples "
                            f"removed, {len(report.copies)} graphs replaced in publication {report.publication}"),
                           f"  audit log: {settings.audit_log}", *filter(None, [pruned])])
    return 0 if outcome == "forgotten" else 1


def run_retention(args: argparse.Namespace) -> int:
    settings = _settings(args)
    years = args.years if args.years is not None else settings.retention_years
    if years is None:
        raise UsageError("give --years N or set INBURGERING_RETENTION_YEARS")
    reference = args.reference_date or date.today()
    cutoff(reference, years)  # refuses a negative N before the store is opened
    reason = check_reason(args.reason or f"bewaartermijn: plicht langer dan {years} jaar geleden geëindigd")
    store = _open(settings)
    try:
        rule = due(store, base=settings.base_iri, published=published_records(store, base=settings.base_iri),
                   reference=reference, years=years)
        text = (f"{len(rule.persons)} person(s) whose civic-integration duty ended before {rule.cutoff} "
                f"({years} years before {reference}) forgotten")
        report = forget(store, base=settings.base_iri, pseudonyms=sorted(rule.persons), kind="retention",
                        description=text, dry_run=args.dry_run or not rule.persons, purge=args.purge)
        pruned = _prune_kept(settings, store) if rule.persons and not args.dry_run else None
    finally:
        store.close()
    lines, summary = _due_lines(rule, dry_run=args.dry_run), _due_summary(rule)
    if args.dry_run or not rule.persons:
        _finish(args, report, lines, retention=summary)
        return 0
    outcome = "forgotten" if report.proof is not None and report.proof.clean else "traces-remain"
    _audit(settings, args, report, outcome, reason, years=years, reference_date=reference.isoformat(),
           cutoff=rule.cutoff.isoformat())
    _finish(args, report, [*lines, f"  audit log: {settings.audit_log}", *filter(None, [pruned])], retention=summary)
    return 0 if outcome == "forgotten" else 1


def _due_summary(rule: Due) -> dict[str, Any]:
    return {"years": rule.years, "reference_date": rule.reference.isoformat(), "cutoff": rule.cutoff.isoformat(),
            "due": len(rule.persons), "per_gemeente": rule.per_gemeente(), "kept_running": rule.kept_running,
            "kept_recent": rule.kept_recent, "kept_unknown": rule.kept_unknown}


def _due_lines(rule: Due, *, dry_run: bool) -> list[str]:
    verb = "would be forgotten (dry run: nothing changed)" if dry_run else "forgotten"
    lines = [(f"retention: {len(rule.persons)} persons whose duty ended before {rule.cutoff} ({rule.years} "
              f"years before {rule.reference}) {verb}")]
    lines += [f"  {code}: {n}" for code, n in rule.per_gemeente().items()]
    lines.append(f"  kept: {rule.kept_running} with a duty still running, {rule.kept_recent} whose duty ended on or "
                 f"after {rule.cutoff}, {rule.kept_unknown} with no current duty record")
    return lines


#: Replaced graphs listed one by one up to this many; beyond it a count (every one is in ``--report``).
LISTED = 8


def describe(report: ForgetReport) -> list[str]:
    """What happened, for the terminal: graphs replaced, what remains where, the proof."""
    if report.dry_run:
        more = len(report.copies) - LISTED
        return [f"  would replace {len(report.copies)} graphs:",
                *(f"    {source}" for c in report.copies[:LISTED] for source in c.sources),
                *([f"    … and {more} more (--report lists them all)"] if more > 0 else [])]
    lines = [f"  {c.graph}: {c.triples_before} → {c.triples_after} triples, replaces {', '.join(c.sources)}"
             for c in report.copies[:LISTED]]
    if len(report.copies) > LISTED:
        lines.append(f"  … and {len(report.copies) - LISTED} more graphs (--report lists them all)")
    proof = report.proof
    if proof is not None:
        if proof.clean:
            lines.append(f"  proof: no trace in any of the {proof.graphs_checked} graphs of publication "
                         f"{proof.publication} (SPARQL over every graph)")
        else:
            lines += [f"  PROOF FAILED: {n} triples still hold a trace in {g}" for g, n in proof.in_publication.items()]
        lines += [f"  retired, still stored until dropped: {g} ({n} triples with a trace); --purge drops it now"
                  for g, n in proof.elsewhere.items()]
    if report.purged:
        lines.append(f"  purged: {len(report.purged)} earlier publications or retired graphs")
    if report.held:
        lines.append(f"  {len(report.held)} earlier publications still held by readers: deleted once they leave "
                     "(at the next publication, or run again with --purge)")
    return lines


__all__ = ["register", "run_forget", "run_retention"]
