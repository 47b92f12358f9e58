"""``validate``: run the shapes on data with pySHACL, with an explicit reference date for the date rules.

The reference date ("today" for rules such as "not in the future") is not read from the clock inside a rule:
the validator adds one triple to its own copy of the data,
``shapes:ValidatieContext shapes:referentiedatum "YYYY-MM-DD"^^xsd:date``, and the rules read it. The
caller's data is never modified, and the same rules run unchanged as plain SPARQL (see ``fastpath``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from inburgering.errors import UsageError, ValidationError
from inburgering.namespaces import SHAPES
from inburgering.validation import sparql_cache
from inburgering.validation.inputs import to_rdflib
from inburgering.validation.report import ValidationReport, results_from_graph
from inburgering.validation.shapes import class_hierarchy, load_shapes, subclass_triples

CONTEXT = URIRef(SHAPES + "ValidatieContext")
REFERENTIEDATUM = URIRef(SHAPES + "referentiedatum")
LANGUAGES = ("nl", "en")

sparql_cache.install()


def reference_date_of(value: dt.date | str | None) -> dt.date:
    """The reference date: a ``date``, an ISO ``YYYY-MM-DD`` string, or ``None`` for today.

    >>> reference_date_of("2025-06-30")
    datetime.date(2025, 6, 30)
    """
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"reference date {value!r} is not a date (expected YYYY-MM-DD)") from exc


def with_context(graph: Graph, reference_date: dt.date) -> Graph:
    """Add the reference-date triple to ``graph`` (a graph the validator owns) and return it."""
    graph.remove((CONTEXT, REFERENTIEDATUM, None))
    graph.add((CONTEXT, REFERENTIEDATUM, Literal(reference_date.isoformat(), datatype=XSD.date)))
    return graph


def validate(data: Any, *, shapes: Graph | None = None, ont_graph: Graph | None = None,
             reference_date: dt.date | str | None = None, lang: str = "nl",
             graphs: Sequence[str] | None = None) -> ValidationReport:
    """Validate ``data`` against the project's shapes (or ``shapes``) and return a ``ValidationReport``.

    ``data`` is an rdflib graph or dataset, a pyoxigraph store, a project store (with ``graphs``), pyoxigraph
    quads, or RDF file paths; it is copied, never changed. ``ont_graph`` (default: the project's
    ontology) supplies the subclass hierarchy for class targets; only its ``rdfs:subClassOf`` triples are used. ``conforms`` is true when no result has
    severity ``sh:Violation``; warnings are reported but do not break conformance.

    >>> from rdflib import Graph
    >>> validate(Graph(), reference_date="2025-01-01").conforms
    True
    """
    if lang not in LANGUAGES:
        raise UsageError(f"language {lang!r} is not supported (use {' or '.join(LANGUAGES)})")
    day = reference_date_of(reference_date)
    data_graph = with_context(to_rdflib(data, graphs=graphs), day)
    shapes_graph = shapes if shapes is not None else load_shapes()
    ontology = subclass_triples(ont_graph) if ont_graph is not None else class_hierarchy()
    try:
        _, report_graph, _ = pyshacl.validate(
            data_graph, shacl_graph=shapes_graph, ont_graph=ontology if len(ontology) else None,
            inference="none", allow_warnings=True, inplace=True)
    except Exception as exc:  # pySHACL reports broken shapes with its own exception types
        raise ValidationError(f"the shapes cannot be applied: {exc}") from exc
    if not isinstance(report_graph, Graph):  # pySHACL returns a ValidationFailure for a shape it refuses
        raise ValidationError(f"the shapes cannot be applied: {getattr(report_graph, 'message', report_graph)}")
    results = results_from_graph(report_graph, shapes_graph)
    return ValidationReport(conforms=not any(r.is_violation for r in results), results=results,
                            reference_date=day.isoformat(), lang=lang, graph=report_graph)
