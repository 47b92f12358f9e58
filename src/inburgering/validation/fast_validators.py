"""The fast engine behind the project's two validation entry points: the loader's per-batch validator and
``inburgering validate --engine fast`` over a store.

Both put the same triples in front of the shapes as the pySHACL path does: the data, the ontology and concept
schemes (for class targets and ``sh:class``), and the reference-date triple the date rules read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple

from inburgering.namespaces import SH, SHAPES, XSD
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR
from inburgering.validation.fast import FastReport, FastResult, load_shapes, validate_fast

CONTEXT = NamedNode(SHAPES + "ValidatieContext")
REFERENTIEDATUM = NamedNode(SHAPES + "referentiedatum")
#: Graphs of the validator's own working store (never the project's store).
ONTOLOGY_GRAPH = NamedNode("urn:x-inburgering:validation:ontology")
DATA_GRAPH = NamedNode("urn:x-inburgering:validation:data")
CONTEXT_GRAPH = NamedNode("urn:x-inburgering:validation:context")


@lru_cache(maxsize=4)
def shapes_store(folder: Path | None = None) -> Store:
    """The project's shapes (``shapes/*.ttl``) in an in-memory store (cached; read only)."""
    return load_shapes(sorted((folder or SHAPES_DIR).glob("*.ttl")))


def ontology_files(folder: Path | None = None) -> list[Path]:
    """The ontology and concept-scheme files pySHACL mixes into the data (as ``validation.load_ontology``)."""
    root = folder or ONTOLOGY_DIR
    return sorted(p for p in root.rglob("*.ttl") if "source" not in p.parts)


def context_quad(reference_date: dt.date, graph: NamedNode = CONTEXT_GRAPH) -> Quad:
    """``shapes:ValidatieContext shapes:referentiedatum "YYYY-MM-DD"^^xsd:date`` in ``graph``."""
    return Quad(CONTEXT, REFERENTIEDATUM, Literal(reference_date.isoformat(), datatype=NamedNode(XSD + "date")),
                graph)


class FastValidator:
    """A loader validator (``loader.checking.Validator``): the shapes compiled to SPARQL over each batch.

    The ontology is loaded once into a private in-memory store; each batch replaces the data graph.
    """

    def __init__(self, *, shapes: Store | None = None, ontology: Sequence[Path] | None = None) -> None:
        self.shapes = shapes if shapes is not None else shapes_store()
        self.work = Store()
        for path in (ontology if ontology is not None else ontology_files()):
            self.work.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
        self.last: FastReport | None = None

    def report(self, triples: Sequence[Triple], *, reference_date: dt.date) -> FastReport:
        """Validate one batch and return the engine's own report."""
        self.work.remove_graph(DATA_GRAPH) if self.work.contains_named_graph(DATA_GRAPH) else None
        self.work.remove_graph(CONTEXT_GRAPH) if self.work.contains_named_graph(CONTEXT_GRAPH) else None
        self.work.bulk_extend(Quad(t.subject, t.predicate, t.object, DATA_GRAPH) for t in triples)
        self.work.add(context_quad(reference_date))
        graphs = [g.value for g in (ONTOLOGY_GRAPH, DATA_GRAPH, CONTEXT_GRAPH)]
        self.last = validate_fast(self.work, shapes=self.shapes, default_graph=graphs)
        return self.last

    def __call__(self, triples: Sequence[Triple], *, reference_date: dt.date) -> list[object]:
        from inburgering.loader.checking import Finding  # the loader's type; imported late (no import cycle)

        return [Finding(focus=r.focus.value if isinstance(r.focus, NamedNode) else str(r.focus),
                        severity=r.severity.value.removeprefix(SH), message=message_of(r),
                        rule=r.rule, path=r.path.strip("<>") if r.path else None,
                        value=getattr(r.value, "value", None))
                for r in self.report(triples, reference_date=reference_date).results]


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

    The ontology and the reference-date triple go into private graphs of the store for the run and are removed
    afterwards (the store must be writable).
    """
    ox: Store = getattr(store, "ox", store)  # type: ignore[assignment]
    day = reference_date if isinstance(reference_date, dt.date) else dt.date.fromisoformat(reference_date)
    try:
        for path in (ontology if ontology is not None else ontology_files()):
            ox.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
        ox.add(context_quad(day))
        return validate_fast(ox, shapes=shapes_store(),
                             default_graph=[*graphs, ONTOLOGY_GRAPH.value, CONTEXT_GRAPH.value])
    finally:
        for graph in (ONTOLOGY_GRAPH, CONTEXT_GRAPH):
            if ox.contains_named_graph(graph):
                ox.remove_graph(graph)


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
