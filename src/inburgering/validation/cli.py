"""``inburgering validate``: validate RDF files or a store's published instance graphs against the shapes.

Exit codes: 0 the data conforms (warnings are printed but allowed), 1 violations, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rdflib import Graph

from inburgering.errors import UsageError
from inburgering.settings import Settings
from inburgering.validation.engine import LANGUAGES, validate
from inburgering.validation.inputs import EXTENSIONS, published_graphs, read_rdf_files, store_graph
from inburgering.validation.report import ValidationReport, render_text


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate", help="validate RDF files or the store against the shapes and the rules of the law",
        description=__doc__)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--store", metavar="STORE",
                        help="a store folder or SPARQL endpoint URL: validate its published instance graphs")
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


def _data(args: argparse.Namespace) -> Graph:
    if args.store and args.files:
        raise UsageError("give either --store or files, not both")
    if args.store:
        return _store_data(args.store, args.base_iri or Settings().base_iri)
    if not args.files:
        raise UsageError("nothing to validate: give RDF files or --store STORE")
    return read_rdf_files(args.files)


def _store_data(location: str, base: str) -> Graph:
    if location.startswith(("http://", "https://")):
        from inburgering.store import open_settings_store

        store = open_settings_store(Settings(store=location))
    else:
        from inburgering.store import EmbeddedStore

        if not Path(location).is_dir():
            raise UsageError(f"{location}: no store folder there")
        store = EmbeddedStore(location, read_only=True)
    try:
        graphs = published_graphs(store, base)
        if not graphs:
            print(f"inburgering validate: no published instance graphs in {location} (base {base})",
                  file=sys.stderr)
        return store_graph(store, graphs)
    finally:
        store.close()


def _write_outputs(report: ValidationReport, args: argparse.Namespace) -> None:
    if args.report_ttl and report.graph is not None:
        args.report_ttl.write_text(report.graph.serialize(format="turtle"), encoding="utf-8")
    if args.json:
        args.json.write_text(report.to_json() + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Validate, print the report grouped by rule, write the requested files; return the exit code."""
    if getattr(args, "engine", "pyshacl") == "fast":
        from inburgering.validation.fast_validators import run_fast

        report: ValidationReport = run_fast(args)  # type: ignore[assignment]
        if args.report_ttl:
            raise UsageError("--report-ttl needs --engine pyshacl (the fast engine writes no SHACL report graph)")
    else:
        report = validate(_data(args), reference_date=args.reference_date, lang=args.lang)
    print(render_text(report, lang=args.lang))
    _write_outputs(report, args)
    return 0 if report.conforms else 1
