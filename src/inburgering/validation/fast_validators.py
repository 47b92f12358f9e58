"""The fast engine behind the project's two validation entry points: the loader's per-batch validator and
``inburgering validate --engine fast`` over a store.

Both put the same triples in front of the shapes as the pySHACL path does: the data, the ontology and concept
schemes (for class targets and ``sh:class``), and the reference-date triple the date rules read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple

from inburgering.namespaces import SH, SHAPES, XSD
from inburgering.validation.fast import FastReport, FastResult, load_shapes, validate_fast
from inburgering.validation.fast_shapes import VIOLATION
from inburgering.validation.shapes import ontology_files, shape_files

#: Municipalities are validated together until a part holds this many quads (about 500 persons): large enough
#: to spread the fixed cost of the queries, small enough that no rule's join grows out of hand.
PART_QUADS = 40_000
_GEMEENTE_GRAPH = re.compile(r"/graph/(gm\d{4})/")
CONTEXT = NamedNode(SHAPES + "ValidatieContext")
REFERENTIEDATUM = NamedNode(SHAPES + "referentiedatum")
#: Graphs of the validator's own working store (never the project's store).
ONTOLOGY_GRAPH = NamedNode("urn:x-inburgering:validation:ontology")
DATA_GRAPH = NamedNode("urn:x-inburgering:validation:data")
CONTEXT_GRAPH = NamedNode("urn:x-inburgering:validation:context")


@lru_cache(maxsize=4)
def shapes_store(folder: Path | None = None) -> Store:
    """The project's shapes (``shapes/*.ttl``) in an in-memory store (cached; read only)."""
    return load_shapes(shape_files(folder))


@lru_cache(maxsize=4)
def ontology_quads(paths: tuple[Path, ...]) -> list[Quad]:
    """The ontology files' triples as default-graph quads (read once)."""
    from pyoxigraph import DefaultGraph, parse

    quads: list[Quad] = []
    for path in paths:
        quads += [Quad(t.subject, t.predicate, t.object, DefaultGraph())
                  for t in parse(path=str(path), format=RdfFormat.TURTLE)]
    return quads


def validate_triples(triples: Iterable[Triple | Quad], *, reference_date: dt.date, shapes: Store | None = None,
                     ontology: Sequence[Quad] | None = None) -> FastReport:
    """Validate ``triples`` with the ontology mixed in, in a private in-memory store (one default graph)."""
    return _validate(reference_date, shapes, ontology, triples=triples)


def validate_ntriples(data: bytes, *, reference_date: dt.date, shapes: Store | None = None,
                      ontology: Sequence[Quad] | None = None, lenient: bool = False) -> FastReport:
    """Validate an N-Triples document with the ontology mixed in, in a private in-memory store.

    The data goes in through Oxigraph's parser: one call into Rust instead of a Python ``Quad`` per triple. The
    parser gives blank nodes new labels, so results name them differently: for data without blank nodes (the
    loader's mapped persons), :func:`validate_triples` otherwise. ``lenient`` skips the parser's check of every
    IRI: only for a document Oxigraph wrote from terms it checked when they were made.
    """
    return _validate(reference_date, shapes, ontology, text=data, lenient=lenient)


def _validate(reference_date: dt.date, shapes: Store | None, ontology: Sequence[Quad] | None, *,
              text: bytes = b"", lenient: bool = False, triples: Iterable[Triple | Quad] = ()) -> FastReport:
    """The shapes over ``text`` (N-Triples) and ``triples`` with the ontology and the reference date, all in the
    default graph of a private in-memory store (``load``: faster there than ``bulk_load``, docs/performance.md)."""
    from pyoxigraph import DefaultGraph

    default = DefaultGraph()
    work = Store()
    work.bulk_extend(ontology if ontology is not None else ontology_quads(tuple(ontology_files())))
    if text:
        work.load(text, format=RdfFormat.N_TRIPLES, lenient=lenient)
    work.bulk_extend(Quad(t.subject, t.predicate, t.object, default) for t in triples)
    work.add(context_quad(reference_date, default))
    return validate_fast(work, shapes=shapes if shapes is not None else shapes_store())


def context_quad(reference_date: dt.date, graph: object = CONTEXT_GRAPH) -> Quad:
    """``shapes:ValidatieContext shapes:referentiedatum "YYYY-MM-DD"^^xsd:date`` in ``graph``."""
    return Quad(CONTEXT, REFERENTIEDATUM, Literal(reference_date.isoformat(), datatype=NamedNode(XSD + "date")),
                graph)  # type: ignore[arg-type]


class FastValidator:
    """A loader validator (``loader.checking.Validator``): the shapes compiled to SPARQL over each batch.

    Each batch is validated in a fresh in-memory store that holds the batch, the ontology and the reference date
    in its default graph: one graph is much faster to query than a union of named graphs.
    """

    def __init__(self, *, shapes: Store | None = None, ontology: Sequence[Path] | None = None) -> None:
        self.shapes = shapes if shapes is not None else shapes_store()
        self.ontology = ontology_quads(tuple(ontology) if ontology is not None else tuple(ontology_files()))
        self.last: FastReport | None = None

    def report(self, triples: Sequence[Triple], *, reference_date: dt.date) -> FastReport:
        """Validate one batch and return the engine's own report."""
        self.last = validate_triples(triples, reference_date=reference_date, shapes=self.shapes,
                                     ontology=self.ontology)
        return self.last

    def __call__(self, triples: Sequence[Triple], *, reference_date: dt.date) -> list[object]:
        return findings_of(self.report(triples, reference_date=reference_date))

    def ntriples(self, data: bytes, *, reference_date: dt.date) -> list[object]:
        """The loader findings for a batch given as an N-Triples document: what a validation worker gets, written
        by Oxigraph from the mapped terms (``worker.py``), so the IRIs are not checked again."""
        self.last = validate_ntriples(data, reference_date=reference_date, shapes=self.shapes,
                                      ontology=self.ontology, lenient=True)
        return findings_of(self.last)


def findings_of(report: FastReport) -> list[object]:
    """The report's results as the loader's ``Finding`` objects."""
    from inburgering.loader.checking import Finding  # the loader's type; imported late (no import cycle)

    return [Finding(focus=r.focus.value if isinstance(r.focus, NamedNode) else str(r.focus),
                    severity=r.severity.value.removeprefix(SH), message=message_of(r),
                    rule=r.rule, path=r.path.strip("<>") if r.path else None,
                    value=getattr(r.value, "value", None))
            for r in report.results]


def message_of(result: FastResult, lang: str = "nl") -> str:
    """The result's message in ``lang`` (else English, else any), or the constraint component's name."""
    for wanted in (lang, "en", ""):
        for m in result.messages:
            if (m.language or "") == wanted:
                return m.value
    if result.messages:
        return result.messages[0].value
    return f"{result.component.value.removeprefix(SH)} on {result.path or 'the node'}"


def validate_store_fast(store: object, *, graphs: Sequence[str], reference_date: dt.date | str,
                        ontology: Sequence[Path] | None = None) -> FastReport:
    """The fast engine over ``graphs`` of a project store (or a pyoxigraph ``Store``), with the ontology and
    concept schemes from ``ontology/`` mixed in, as the pySHACL path does.

    The graphs are validated per municipality (its instance graphs together), each in a private in-memory
    store: a query over one default graph is far faster than over a union of hundreds of named graphs, and every
    rule is about one person, whose facts all sit in their municipality's graphs. Results found in more than one
    part (a shared institution) are reported once, as one whole-graph run reports them. Reading the next part
    from the store (Oxigraph decodes every term from disk: about half the time) goes on in this thread while
    the part before is validated in another: both calls into Oxigraph release the GIL.
    """
    import time
    from concurrent.futures import Future, ThreadPoolExecutor

    started = time.perf_counter()
    day = reference_date if isinstance(reference_date, dt.date) else dt.date.fromisoformat(reference_date)
    onto = ontology_quads(tuple(ontology) if ontology is not None else tuple(ontology_files()))
    shapes = shapes_store()
    results: dict[FastResult, None] = {}
    queries = 0
    pending: list[Future[FastReport]] = []

    def collect(upto: int) -> None:  # the oldest validations, until at most ``upto`` are under way
        nonlocal queries
        while len(pending) > upto:
            report = pending.pop(0).result()
            queries += report.queries
            results.update(dict.fromkeys(report.results))

    texts: list[bytes] = []
    buffer: list[Quad] = []
    size = 0
    parts = _partitions(graphs)
    with ThreadPoolExecutor(max_workers=1) as validating:
        for i, part in enumerate(parts):
            for g in part:
                data = _graph_data(store, g)
                if isinstance(data, bytes):
                    texts.append(data)
                    size += data.count(b"\n")
                else:
                    buffer += data
                    size += len(data)
            if size >= PART_QUADS or i == len(parts) - 1:
                collect(1)  # one part waiting besides the one being validated: memory stays at a few parts
                pending.append(validating.submit(_validate, day, shapes, onto, text=b"".join(texts), lenient=True,
                                                 triples=buffer))
                texts, buffer, size = [], [], 0
        collect(0)
    found = tuple(results)
    return FastReport(conforms=not any(r.severity == VIOLATION for r in found), results=found, queries=queries,
                      seconds=time.perf_counter() - started)


def _graph_data(store: object, graph: str) -> bytes | list[Quad]:
    """The triples of one named graph: as Oxigraph's N-Triples of it (written in Rust, its IRIs checked when they
    were stored), or as quads from a remote store and for a graph with blank nodes, whose labels a parse would
    change (the results name them as the store does)."""
    ox = getattr(store, "ox", store)
    if hasattr(ox, "dump"):
        text: bytes = ox.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))
        if b"_:" not in text:
            return text
    return _graph_quads(store, graph)


def _graph_quads(store: object, graph: str) -> list[Quad]:
    """The quads of one named graph: straight from pyoxigraph, or with one CONSTRUCT from a remote store."""
    ox = getattr(store, "ox", store)
    name = NamedNode(graph)
    if hasattr(ox, "quads_for_pattern"):
        return list(ox.quads_for_pattern(None, None, None, name))
    result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}")  # type: ignore[attr-defined]
    return [Quad(t.subject, t.predicate, t.object, name) for t in result]


def _partitions(graphs: Sequence[str]) -> list[list[str]]:
    """Instance graphs grouped by municipality (``…/graph/gm0363/…``); any other graph is a part of its own."""
    parts: dict[str, list[str]] = {}
    for graph in graphs:
        match = _GEMEENTE_GRAPH.search(graph)
        parts.setdefault(match.group(1) if match else graph, []).append(graph)
    return list(parts.values())


def to_validation_report(report: FastReport, *, reference_date: dt.date | str, lang: str = "nl") -> object:
    """The fast engine's report as the project's ``ValidationReport`` (what ``inburgering validate`` prints)."""
    from inburgering.validation.report import ValidationReport, ValidationResult

    results = []
    for r in report.results:
        messages: dict[str, str] = {}
        for m in r.messages:
            messages.setdefault(m.language or "", m.value)
        results.append(ValidationResult(
            focus_node=getattr(r.focus, "value", str(r.focus)), shape=r.rule, severity=r.severity.value,
            path=r.path.strip("<>") if r.path else None,
            value=getattr(r.value, "value", None) if r.value is not None else None,
            messages=messages, constraint=r.component.value))
    results.sort(key=lambda x: (x.shape, x.focus_node, x.path or "", x.value or ""))
    day = reference_date.isoformat() if isinstance(reference_date, dt.date) else reference_date
    return ValidationReport(conforms=report.conforms, results=results, reference_date=day, lang=lang)


def run_fast(args: object) -> object:
    """``inburgering validate --engine fast FILE…``: the same inputs as the pySHACL path, the project's report type.
    (A store goes through ``validation.published.validate_store``, source by source.)"""
    from pyoxigraph import parse

    from inburgering.errors import UsageError
    from inburgering.validation.engine import reference_date_of
    from inburgering.validation.inputs import read_rdf_file

    day = reference_date_of(getattr(args, "reference_date", None))
    files = getattr(args, "files", [])
    if not files:
        raise UsageError("nothing to validate: give RDF files or --store STORE")
    triples: list[Triple] = []
    for path in files:
        read_rdf_file(Path(path))  # the pySHACL path's checks and one-line errors for bad input
        fmt = RdfFormat.from_extension(Path(path).suffix.lstrip(".").lower())
        triples += [q.triple if isinstance(q, Quad) else q for q in parse(path=str(path), format=fmt)]
    report = validate_triples(triples, reference_date=day)
    return to_validation_report(report, reference_date=day, lang=getattr(args, "lang", "nl"))
