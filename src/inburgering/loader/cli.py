"""``inburgering load``, ``inburgering map`` and ``inburgering query``.

Exit codes of ``load``: 0 every person published, 1 some rejected, 2 nothing published or a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from inburgering.errors import UsageError
from inburgering.loader.checking import ENGINES, validator_for
from inburgering.loader.inputs import KINDS, detect_kind
from inburgering.loader.output import format_result, write_mapped
from inburgering.loader.pipeline import DEFAULT_BATCH, load
from inburgering.loader.progress import ProgressBar, count_persons
from inburgering.loader.pseudonym import KEY_ENV, read_key
from inburgering.namespaces import is_provenance_graph, meta_graph
from inburgering.settings import Settings
from inburgering.store import open_reader
from inburgering.store.publication import public_graphs, published_graphs
from inburgering.store.unions import default_graphs, registered_unions


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {value!r}") from None


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(store=args.store) if getattr(args, "store", None) else Settings()


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="a .jsonl DUO bundle, a .sqlite/.db GGM database, an SQLAlchemy URL or a folder of CSV files")
    parser.add_argument("--format", dest="source_format", choices=sorted(KINDS),
                        help="force the kind of every SOURCE instead of recognising it")
    parser.add_argument("--key-file", help=f"file holding the pseudonymisation key (default: ${KEY_ENV})")
    parser.add_argument("--gemeente", metavar="GMxxxx",
                        help="load only this municipality (others are rejected); also the default for records without one")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``load``, ``map`` and ``query`` to the command line."""
    p = subparsers.add_parser("load", help="load sources into the store: pseudonymise, map, validate, publish")
    p.add_argument("--store", help="store folder or remote store URL (default: $INBURGERING_STORE)")
    p.add_argument("--rejects", required=True, metavar="FILE", help="JSON Lines file for every rejected record")
    p.add_argument("--report", metavar="FILE", help="also write the load report as JSON")
    p.add_argument("--source", metavar="NAME",
                   help="name of the source in graph IRIs and provenance (default: duo for a DUO bundle, ggm for a "
                        "GGM database); a load replaces only the published data of the same municipality and source")
    p.add_argument("--all-or-nothing", action="store_true", help="refuse the whole load if any person is rejected")
    p.add_argument("--reference-date", type=_date, metavar="YYYY-MM-DD",
                   help='"today" for date rules (default: the load date)')
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH, help="persons validated together")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="SHACL engine: fast (default: the same shapes compiled to SPARQL, tested result for result "
                        "against pySHACL) or pyshacl (the reference, ~18x slower)")
    _source_options(p)
    p.set_defaults(handler=run_load)

    m = subparsers.add_parser("map", help="write the mapped, pseudonymised RDF of sources (no validation, no store)")
    m.add_argument("--out", required=True, metavar="FILE", help="output file: .ttl/.nt (one graph) or .trig/.nq")
    m.add_argument("--rejects", metavar="FILE", help="JSON Lines file for records that could not be mapped")
    _source_options(m)
    m.set_defaults(handler=run_map)

    q = subparsers.add_parser("query", help="run a SPARQL query over the published graphs")
    q.add_argument("--store", help="store folder or remote store URL (default: $INBURGERING_STORE)")
    q.add_argument("--format", dest="output", choices=("table", "csv", "json"), default="table")
    q.add_argument("--meta", action="store_true", help="also query the meta graph (what is published) and the provenance graphs (loads, erasures)")
    q.add_argument("query", metavar="QUERY", help="the query text, or @FILE to read it from a file")
    q.set_defaults(handler=run_query)


def run_load(args: argparse.Namespace) -> int:
    settings = _settings(args)
    key = read_key(key_file=args.key_file)
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    progress = ProgressBar(None)
    if progress.active:  # count only for a terminal: a script or a log does not wait for a total
        progress.total = count_persons([(s, detect_kind(s, args.source_format)) for s in args.sources])
    try:
        with _fewer_collections():
            report = load(args.sources, settings=settings, key=key, rejects_path=args.rejects,
                          gemeente=args.gemeente, source_format=args.source_format,
                          all_or_nothing=args.all_or_nothing, reference_date=args.reference_date,
                          batch_size=args.batch_size, progress=progress, validator=validator_for(args.engine),
                          source=args.source)
    finally:
        progress.done()
    if args.report:  # before printing: a script that stops reading the output still gets its report
        Path(args.report).write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    print(report.format_text())
    return report.exit_code


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector run less often during a load (in this process and the validation worker it forks).

    A load makes millions of short-lived objects, nearly all freed by reference counting; at the default
    threshold (700 allocations) the collector runs thousands of times a part and walks the young objects each
    time, and the objects already there (modules, compiled shapes) are frozen out of its full walks. Measured:
    docs/performance.md. The settings are restored afterwards (a test or a script may call several commands).
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def run_map(args: argparse.Namespace) -> int:
    settings = Settings()
    key = read_key(key_file=args.key_file)
    report = write_mapped(args.sources, settings=settings, key=key, out=args.out, rejects_path=args.rejects,
                          gemeente=args.gemeente, source_format=args.source_format)
    print(f"{report.persons_published} persons mapped to {args.out}, {report.persons_rejected} not mappable"
          + (f" (see {args.rejects})" if args.rejects and report.persons_rejected else ""))
    return report.exit_code


def _query_text(value: str) -> str:
    if not value.startswith("@"):
        return value
    try:
        return Path(value[1:]).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the query file {value[1:]}: {exc.strerror}") from exc


def run_query(args: argparse.Namespace) -> int:
    settings = _settings(args)
    text = _query_text(args.query)
    if settings.store != "memory:" and "://" not in settings.store and not Path(settings.store).is_dir():
        raise UsageError(f"no store at {settings.store}")
    store = open_reader(settings)
    try:
        base = settings.base_iri
        graphs = published_graphs(store, base=base, special=True) + public_graphs(store, base=base)
        if args.meta:
            graphs += [meta_graph(base)] + [g.value for g in store.named_graphs() if is_provenance_graph(base, g.value)]
        # The same triples as the list, in as few graphs as the union graphs allow (store/unions.py).
        defaults = default_graphs(graphs, registered_unions(store, base=base))
        result = store.query(text, default_graph=defaults, named_graphs=graphs)
        sys.stdout.write(format_result(result, args.output))
    finally:
        store.close()
    return 0
