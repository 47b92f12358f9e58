"""Validate what a store publishes: each source's graphs against the shapes, then the sources against each other.

DUO and GGM data of one municipality are published side by side (``{base}/graph/{gm}/{source}/{loadId}``), about
the same person IRIs. The shapes describe what ONE source says about a person (one PIP date, one municipality):
the union of two sources that disagree would break them twice over. So the shapes run once per source, on that
source's graphs, and where two sources disagree ``validation.conflicts`` reports it as a warning naming both.

>>> from inburgering.store import open_store
>>> validate_store(open_store("memory:"), base="https://data.example.org", reference_date="2026-01-01").results
[]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import PROV, RDF, SH
from rdflib.term import Node

from inburgering.validation.conflicts import find_conflicts
from inburgering.validation.engine import reference_date_of, validate
from inburgering.validation.inputs import PublishedGraph, published_instance_graphs
from inburgering.validation.report import ValidationReport, ValidationResult

Engine = Literal["pyshacl", "fast"]


def by_source(graphs: Sequence[PublishedGraph]) -> dict[str | None, list[str]]:
    """Graph IRIs grouped by source, sources in name order (``None``, graphs with no recorded source, last).

    >>> by_source([PublishedGraph("g2", "GM0363", "ggm"), PublishedGraph("g1", "GM0363", "duo")])
    {'duo': ['g1'], 'ggm': ['g2']}
    """
    groups: dict[str | None, list[str]] = {}
    for graph in sorted(graphs, key=lambda g: (g.source is None, g.source or "", g.iri)):
        groups.setdefault(graph.source, []).append(graph.iri)
    return groups


def validate_store(store: Any, *, base: str, source: str | None = None, gemeente: str | None = None,
                   engine: Engine = "pyshacl", reference_date: dt.date | str | None = None,
                   lang: str = "nl") -> ValidationReport:
    """Validate the published instance graphs of ``store`` (only ``source``'s, only ``gemeente``'s when given).

    Each source's graphs are validated on their own with ``engine``; the cross-source conflicts that involve the
    selected graphs follow as ``sh:Warning`` results. A result found in two sources' runs (a shared institution)
    is reported once. With ``engine="pyshacl"`` the report keeps one SHACL report graph for all of it.
    """
    day = reference_date_of(reference_date)
    graphs = published_instance_graphs(store, base, source=source, gemeente=gemeente)
    parts = [_validate_part(store, iris, engine=engine, day=day, lang=lang) for iris in by_source(graphs).values()]
    conflicts = [c.result() for c in find_conflicts(store, base=base, source=source, gemeente=gemeente)] \
        if graphs else []
    results: dict[tuple[str, ...], ValidationResult] = {}
    for result in [r for part in parts for r in part.results] + conflicts:
        results.setdefault(_key(result), result)
    found = sorted(results.values(), key=lambda r: (r.shape, r.focus_node, r.path or "", r.value or ""))
    report_graph = _merged_graph([p.graph for p in parts if p.graph is not None], conflicts) \
        if engine == "pyshacl" else None
    return ValidationReport(conforms=not any(r.is_violation for r in found), results=found,
                            reference_date=day.isoformat(), lang=lang, graph=report_graph)


def _validate_part(store: Any, graphs: list[str], *, engine: Engine, day: dt.date, lang: str) -> ValidationReport:
    if engine == "fast":
        from inburgering.validation.fast_validators import to_validation_report, validate_store_fast

        fast = validate_store_fast(store, graphs=graphs, reference_date=day)
        return to_validation_report(fast, reference_date=day, lang=lang)  # type: ignore[return-value]
    return validate(store, graphs=graphs, reference_date=day, lang=lang)


def _key(result: ValidationResult) -> tuple[str, ...]:
    return (result.focus_node, result.shape, result.severity, result.path or "", result.value or "",
            result.constraint or "", *(f"{c.source} {c.graph} {c.value}" for c in result.claims))


def _merged_graph(graphs: list[Graph], conflicts: list[ValidationResult]) -> Graph:
    """One SHACL validation report holding the results of every part's report (each once) and the conflicts."""
    merged, report = Graph(), BNode()
    seen: set[tuple[str, ...]] = set()
    conforms = True
    for graph in graphs:
        for node in graph.subjects(RDF.type, SH.ValidationResult):
            severity = graph.value(node, SH.resultSeverity)
            key = tuple(str(graph.value(node, p)) for p in (SH.focusNode, SH.sourceShape, SH.value)) \
                + (str(severity), _path_text(graph, node))
            if key in seen:
                continue
            seen.add(key)
            conforms = conforms and severity != SH.Violation
            merged.add((report, SH.result, node))
            for triple in _closure(graph, node):
                merged.add(triple)
    for result in conflicts:
        node = BNode()
        merged.add((report, SH.result, node))
        for p, o in ((RDF.type, SH.ValidationResult), (SH.focusNode, URIRef(result.focus_node)),
                     (SH.resultPath, URIRef(result.path or "")), (SH.resultSeverity, SH.Warning),
                     (SH.sourceShape, URIRef(result.shape)),
                     (SH.sourceConstraintComponent, URIRef(result.constraint or ""))):
            merged.add((node, p, o))
        for lang, text in result.messages.items():
            merged.add((node, SH.resultMessage, RdfLiteral(text, lang=lang)))
        for claim in result.claims:
            merged.add((node, PROV.wasDerivedFrom, URIRef(claim.graph)))
    merged.add((report, RDF.type, SH.ValidationReport))
    merged.add((report, SH.conforms, RdfLiteral(conforms)))
    return merged


def _closure(graph: Graph, node: Node) -> list[tuple[Node, Node, Node]]:
    """The triples about ``node`` and, through blank nodes, about what it points to (paths, details)."""
    out, todo, done = [], [node], set()
    while todo:
        current = todo.pop()
        if current in done:
            continue
        done.add(current)
        for p, o in graph.predicate_objects(current):
            out.append((current, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def _path_text(graph: Graph, node: Node) -> str:
    path = graph.value(node, SH.resultPath)
    if isinstance(path, BNode):
        return " ".join(sorted(f"{p} {o}" for _, p, o in _closure(graph, path) if not isinstance(o, BNode)))
    return str(path)


__all__ = ["Engine", "by_source", "validate_store"]
