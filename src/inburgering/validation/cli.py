"""``inburgering validate``: validate RDF files or a store's published instance graphs against the shapes.

With ``--store`` each source's graphs (``inb:bron`` in the meta graph: duo, ggm, …) are validated on their own,
and where two sources disagree about a person (learning route, PIP date, municipality, duty dates) a warning names
both values and both sources (``validation/conflicts.py``). ``--source`` and ``--gemeente`` narrow it down.

Exit codes: 0 the data conforms (warnings are printed but allowed), 1 violations, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from rdflib import Graph

from inburgering.errors import UsageError
from inburgering.settings import Settings
from inburgering.validation.engine import LANGUAGES, validate
from inburgering.validation.inputs import EXTENSIONS, read_rdf_files
from inburgering.validation.report import ValidationReport, render_text

_GEMEENTE = re.compile(r"GM[0-9]{4}")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate RDF files or the store against the shapes and the rules of the law",
        description=__doc__)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--store", metavar="STORE",
                        help="a store folder or SPARQL endpoint URL: validate its published instance graphs")
    parser.add_argument("--source", metavar="NAME",
                        help="with --store: only the graphs of this source (duo, ggm, or the name given to load); "
                             "conflicts between it and the other sources are reported too")
    parser.add_argument("--gemeente", metavar="GMxxxx",
                        help="with --store: only the graphs of this municipality, and the conflicts that touch them")
    parser.add_argument("files", nargs="*", metavar="FILE", type=Path,
                        help=f"RDF files ({' '.join(EXTENSIONS)}); their union is validated")
    parser.add_argument("--lang", choices=LANGUAGES, default="nl", help="language of the messages (default nl)")
    parser.add_argument("--report-ttl", type=Path, metavar="FILE", help="write the SHACL validation report (Turtle)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write a JSON summary of the results")
    parser.add_argument("--reference-date", metavar="YYYY-MM-DD",
                        help="'today' for the date rules (default: today)")
    parser.add_argument("--base-iri", help="deployment base IRI of the store's graphs (default: from the settings)")
    parser.add_argument("--engine", choices=("pyshacl", "fast"), default="pyshacl",
                        help="pyshacl (the reference, default) or fast (the shapes compiled to SPARQL on Oxigraph, "
                             "same results; no --report-ttl)")
    parser.set_defaults(handler=run)


def _files_data(args: argparse.Namespace) -> Graph:
    if not args.files:
        raise UsageError("nothing to validate: give RDF files or --store STORE")
    return read_rdf_files(args.files)


def _check_args(args: argparse.Namespace) -> None:
    if args.store and args.files:
        raise UsageError("give either --store or files, not both")
    if not args.store and (getattr(args, "source", None) or getattr(args, "gemeente", None)):
        raise UsageError("--source and --gemeente select graphs of a store: give --store STORE")
    gemeente = getattr(args, "gemeente", None)
    if gemeente and not _GEMEENTE.fullmatch(gemeente.upper()):
        raise UsageError(f"--gemeente {gemeente!r}: expected GM followed by four digits (GM0363)")


def _open_store(location: str) -> Any:
    if location.startswith(("http://", "https://")):  # the settings' credentials and endpoints
        from inburgering.store import open_settings_store

        return open_settings_store(Settings(store=location))
    from inburgering.store import EmbeddedStore

    if not Path(location).is_dir():
        raise UsageError(f"{location}: no store folder there")
    return EmbeddedStore(location, read_only=True)


def _store_report(args: argparse.Namespace) -> ValidationReport:
    """Each source's published graphs against the shapes, then the conflicts between sources."""
    from inburgering.validation.inputs import published_instance_graphs
    from inburgering.validation.published import validate_store

    base = args.base_iri or Settings().base_iri
    source, gemeente = getattr(args, "source", None), getattr(args, "gemeente", None)
    store = _open_store(args.store)
    try:
        graphs = published_instance_graphs(store, base, source=source, gemeente=gemeente)
        if not graphs:
            which = "".join(f" {k} {v}" for k, v in (("of source", source), ("of", gemeente)) if v)
            print(f"inburgering validate: no published instance graphs{which} in {args.store} (base {base})",
                  file=sys.stderr)
        else:
            sources = sorted({g.source or "(no source recorded)" for g in graphs})
            print(f"inburgering validate: {len(graphs)} published graph(s), source(s) {', '.join(sources)}",
                  file=sys.stderr)
        return validate_store(store, base=base, source=source, gemeente=gemeente,
                              engine=getattr(args, "engine", "pyshacl"), reference_date=args.reference_date,
                              lang=args.lang)
    finally:
        store.close()


def _write_outputs(report: ValidationReport, args: argparse.Namespace) -> None:
    if args.report_ttl and report.graph is not None:
        args.report_ttl.write_text(report.graph.serialize(format="turtle"), encoding="utf-8")
    if args.json:
        args.json.write_text(report.to_json() + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Validate, print the report grouped by rule, write the requested files; return the exit code."""
    _check_args(args)
    fast = getattr(args, "engine", "pyshacl") == "fast"
    if fast and args.report_ttl:
        raise UsageError("--report-ttl needs --engine pyshacl (the fast engine writes no SHACL report graph)")
    if args.store:
        report = _store_report(args)
    elif fast:
        from inburgering.validation.fast_validators import run_fast

        report = run_fast(args)  # type: ignore[assignment]
    else:
        report = validate(_files_data(args), reference_date=args.reference_date, lang=args.lang)
    print(render_text(report, lang=args.lang))
    _write_outputs(report, args)
    return 0 if report.conforms else 1
