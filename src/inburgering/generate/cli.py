"""``inburgering generate``: synthetic persons in one source format, with deliberate defects of known kinds."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from inburgering.errors import UsageError
from inburgering.generate.run import DEFAULT_REFERENCE_DATE, GenerateReport, generate, generate_parts
from inburgering.generate.writers import FORMATS


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {value!r}") from None


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"not a fraction between 0 and 1: {value}")
    return number


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``generate`` to the command line."""
    p = subparsers.add_parser("generate", help="write synthetic persons (DUO bundle, GGM SQLite or GGM CSV)",
                              description=__doc__)
    p.add_argument("--persons", type=int, required=True, metavar="N", help="number of persons")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    p.add_argument("--defects", type=_fraction, default=0.0, metavar="FRACTION",
                   help="share of persons with exactly one deliberate defect (default 0)")
    p.add_argument("--format", choices=FORMATS, required=True, help="output format")
    p.add_argument("--out", type=Path, required=True, metavar="PATH",
                   help="output file (.jsonl, .sqlite) or folder (ggm-csv); defects.json is written beside it")
    p.add_argument("--reference-date", type=_date, default=DEFAULT_REFERENCE_DATE, metavar="YYYY-MM-DD",
                   help=f"'today' of the data: nothing happens after it (default {DEFAULT_REFERENCE_DATE}, "
                        "fixed so that a seed always gives the same data)")
    p.add_argument("--reuse-bsns", action="store_true",
                   help="allow more persons than the 9,091 test BSNs (BSNs then repeat)")
    p.add_argument("--parts", type=int, default=1, metavar="K",
                   help="split into K parts of distinct persons, each with its own municipalities, written to "
                        "part-01/ … beside --out; load each part with its own pseudonym key (a benchmark device "
                        "for more than 9,091 distinct persons; default 1: one file)")
    p.set_defaults(handler=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    if args.parts != 1:
        if args.reuse_bsns:
            raise UsageError("--parts and --reuse-bsns exclude each other (parts hold distinct persons)")
        reports = generate_parts(persons=args.persons, parts=args.parts, seed=args.seed, defects=args.defects,
                                 format=args.format, out=args.out, reference_date=args.reference_date)
        for report in reports:
            _print(report)
        print(f"{sum(r.persons for r in reports)} persons in {len(reports)} parts; load each part with its own "
              "pseudonym key")
        return 0
    _print(generate(persons=args.persons, seed=args.seed, defects=args.defects, format=args.format, out=args.out,
                    reference_date=args.reference_date, reuse_bsns=args.reuse_bsns))
    return 0


def _print(report: GenerateReport) -> None:
    kinds = ", ".join(f"{k} {n}" for k, n in report.by_kind.items()) or "none"
    print(f"{report.persons} persons ({report.asielstatushouders} asielstatushouders) → {report.out} "
          f"[{report.format}], {report.defects} defects ({kinds}) → {report.defects_file}, "
          f"{report.persons_per_second:,.0f} persons/s")
