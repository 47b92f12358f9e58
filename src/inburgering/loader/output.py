"""What the loader's commands print or write: query results as a table, CSV or JSON, and mapped RDF files."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    serialize,
)

from inburgering.errors import UsageError
from inburgering.loader.checking import no_validation
from inburgering.loader.pipeline import load
from inburgering.loader.report import LoadReport
from inburgering.namespaces import DERIVED_SUFFIX, PREFIXES
from inburgering.settings import Settings
from inburgering.store import QueryResult, open_store
from inburgering.store.publication import instance_graph_pattern


def _cell(term: object) -> str:
    """A table cell: an IRI shortened by the project prefixes (``inb:Inburgeraar``), a literal's lexical form."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        for prefix, namespace in PREFIXES.items():
            local = term.value.removeprefix(namespace)
            if local != term.value and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
    return str(getattr(term, "value", term))


def format_result(result: QueryResult, output: str) -> str:
    """A query result as text: ``table`` (aligned columns), ``csv`` or ``json`` (SPARQL 1.1 results formats).

    Graph results (CONSTRUCT, DESCRIBE) are Turtle for ``table`` and N-Triples otherwise.
    """
    if isinstance(result, QueryBoolean):
        if output == "table":
            return ("true" if bool(result) else "false") + "\n"
        return _results(result, output)
    if isinstance(result, QuerySolutions):
        if output != "table":
            return _results(result, output)
        names = [v.value for v in result.variables]
        rows = [[_cell(solution[name]) for name in names] for solution in result]
        widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
        lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
        lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
        return "\n".join(lines) + "\n"
    rdf = RdfFormat.TURTLE if output == "table" else RdfFormat.N_TRIPLES
    data = serialize(result, format=rdf, prefixes=PREFIXES if rdf == RdfFormat.TURTLE else None)
    return (data or b"").decode("utf-8")


def _results(result: QueryBoolean | QuerySolutions, output: str) -> str:
    fmt = QueryResultsFormat.JSON if output == "json" else QueryResultsFormat.CSV
    data = result.serialize(format=fmt) or b""
    return data.decode("utf-8") + ("\n" if output == "json" else "")


def _prefixes(base: str, triples: Sequence[Triple]) -> dict[str, str]:
    """The project prefixes plus one per instance type, ending at the last ``/`` (readable Turtle)."""
    # pyoxigraph escapes "/" in a local name (concept:leerroute\/B): leave out prefixes that end above a "/"
    prefixes = {k: v for k, v in PREFIXES.items() if k not in ("concept", "scheme")}
    for triple in triples:
        for term in (triple.subject, triple.object):
            if isinstance(term, NamedNode) and term.value.startswith(f"{base.rstrip('/')}/id/"):
                folder = term.value.rsplit("/", 1)[0] + "/"
                prefixes.setdefault(folder.rstrip("/").rsplit("/", 1)[-1], folder)
    return prefixes


def write_mapped(sources: Sequence[str | Path], *, settings: Settings, key: bytes, out: str | Path,
                 rejects_path: str | Path | None = None, gemeente: str | None = None,
                 source_format: str | None = None, reference_date: date | None = None) -> LoadReport:
    """Map and pseudonymise ``sources`` into an RDF file, without validating or publishing.

    ``.ttl``/``.nt`` get every graph's triples in one graph; ``.trig``/``.nq`` keep the instance graphs.
    """
    out = Path(out)
    fmt = RdfFormat.from_extension(out.suffix.lstrip(".").lower()) if out.suffix else None
    if fmt is None:
        raise UsageError(f"{out}: unknown RDF format (use .ttl, .nt, .trig or .nq)")
    store = open_store("memory:")
    with tempfile.TemporaryDirectory() as tmp:
        report = load(sources, settings=settings, key=key, store=store,
                      rejects_path=rejects_path or Path(tmp) / "rejects.jsonl", gemeente=gemeente,
                      source_format=source_format, validator=no_validation, reference_date=reference_date)
    pattern = instance_graph_pattern(settings.base_iri)
    # The mapping's output: the facts derived at load time (graphs ``…/afgeleid``) are not the mapping's.
    graphs = [g for g in store.named_graphs() if pattern.match(g.value) and not g.value.endswith(DERIVED_SUFFIX)]
    quads = [q for g in graphs for q in store.ox.quads_for_pattern(None, None, None, g)]  # type: ignore[attr-defined]
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt.supports_datasets:
        serialize(quads, str(out), format=fmt)
    else:
        triples = [q.triple for q in quads]
        prefixes = _prefixes(settings.base_iri, triples) if fmt == RdfFormat.TURTLE else None
        serialize(triples, str(out), format=fmt, prefixes=prefixes)
    return report
