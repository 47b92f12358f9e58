"""The validation report as plain data: one ``ValidationResult`` per SHACL result, grouped and rendered for people."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

VIOLATION = str(SH.Violation)
WARNING = str(SH.Warning)
INFO = str(SH.Info)


@dataclass(frozen=True)
class Claim:
    """What one source states: its name (``inb:bron``), the graph that holds the statement, and the value."""

    source: str
    graph: str
    value: str


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result. ``shape`` is the IRI of the rule or property shape that produced it; ``claims``: for a
    cross-source conflict (``validation/conflicts.py``), what each of the two sources states."""

    focus_node: str
    shape: str
    severity: str
    path: str | None = None
    value: str | None = None
    messages: dict[str, str] = field(default_factory=dict)
    constraint: str | None = None
    claims: tuple[Claim, ...] = ()

    @property
    def is_violation(self) -> bool:
        return self.severity == VIOLATION

    def message(self, lang: str = "nl") -> str:
        """The message in ``lang``, else English, else any message, else the constraint component."""
        for key in (lang, "en", ""):
            if key in self.messages:
                return self.messages[key]
        if self.messages:
            return next(iter(self.messages.values()))
        return f"fails {self.constraint or self.shape}"


@dataclass
class ValidationReport:
    """What ``validate`` returns. ``conforms`` is true when no result has severity ``sh:Violation``."""

    conforms: bool
    results: list[ValidationResult]
    reference_date: str
    lang: str = "nl"
    graph: Graph | None = field(default=None, repr=False, compare=False)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.is_violation]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if not r.is_violation]

    def by_shape(self) -> dict[str, list[ValidationResult]]:
        """Results grouped by rule or shape IRI, violations' groups first, then by IRI."""
        groups: dict[str, list[ValidationResult]] = defaultdict(list)
        for result in self.results:
            groups[result.shape].append(result)
        order = sorted(groups, key=lambda s: (not any(r.is_violation for r in groups[s]), s))
        return {shape: sorted(groups[shape], key=lambda r: (r.focus_node, r.path or "", r.value or ""))
                for shape in order}

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary: counts per shape and every result."""
        return {
            "conforms": self.conforms,
            "reference_date": self.reference_date,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "by_shape": {shape: len(results) for shape, results in self.by_shape().items()},
            "results": [dict(asdict(r), message=r.message(self.lang)) for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.summary(), ensure_ascii=False, indent=2)


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def results_from_graph(report_graph: Graph, shapes: Graph) -> list[ValidationResult]:
    """Read every ``sh:ValidationResult`` of a pySHACL report graph into ``ValidationResult`` objects.

    pySHACL drops the language tag of the messages of SPARQL-based rules; they get it back here, in the
    returned results and in ``report_graph`` itself.
    """
    results = []
    for node in list(report_graph.subjects(SH.resultSeverity, None)):
        source = report_graph.value(node, SH.sourceShape)
        templates = _templates(shapes, report_graph.value(node, SH.sourceConstraint), source)
        messages: dict[str, str] = {}
        for message in list(report_graph.objects(node, SH.resultMessage)):
            lang = message.language if isinstance(message, Literal) and message.language else ""
            if not lang and (lang := _language_of(str(message), templates)):
                report_graph.remove((node, SH.resultMessage, message))
                report_graph.add((node, SH.resultMessage, Literal(str(message), lang=lang)))
            messages.setdefault(lang, str(message))
        results.append(ValidationResult(
            focus_node=_text(report_graph.value(node, SH.focusNode)) or "",
            shape=_shape_iri(source, shapes),
            severity=str(report_graph.value(node, SH.resultSeverity)),
            path=_text(report_graph.value(node, SH.resultPath)),
            value=_text(report_graph.value(node, SH.value)),
            messages=messages,
            constraint=_text(report_graph.value(node, SH.sourceConstraintComponent)),
        ))
    return sorted(results, key=lambda r: (r.shape, r.focus_node, r.path or "", r.value or ""))


def _templates(shapes: Graph, constraint: Node | None, shape: Node | None) -> list[tuple[re.Pattern[str], str]]:
    """The ``sh:message`` templates of a SPARQL constraint (or its shape) as regexes, with their language."""
    found = []
    for node in (constraint, shape):
        for template in shapes.objects(node, SH.message) if node is not None else ():
            if isinstance(template, Literal) and template.language:
                parts = re.split(r"\{[?$]\w+\}", str(template))
                found.append((re.compile("^" + ".*".join(map(re.escape, parts)) + "$", re.DOTALL), template.language))
    return found


def _language_of(text: str, templates: list[tuple[re.Pattern[str], str]]) -> str:
    """pySHACL drops the language tag when it fills in a SPARQL message template; recover it from the template."""
    return next((lang for pattern, lang in templates if pattern.match(text)), "")


def _shape_iri(source: Node | None, shapes: Graph) -> str:
    """The IRI of the shape; a blank-node property shape is named by its node shape and path."""
    if isinstance(source, URIRef) or source is None:
        return _text(source) or ""
    parent = shapes.value(None, SH.property, source)
    path = shapes.value(source, SH.path)
    return f"{parent}#{path}" if parent is not None else _text(source) or ""


def render_text(report: ValidationReport, *, lang: str = "nl") -> str:
    """The human-readable report: one block per rule (violations first), one line per result."""
    lines = []
    for shape, results in report.by_shape().items():
        kind = "VIOLATION" if results[0].is_violation else "WARNING"
        lines.append(f"{kind} {shape} ({len(results)})")
        for r in results:
            where = r.focus_node + (f"  {r.path}" if r.path else "") + (f" = {r.value}" if r.value else "")
            lines.append(f"  {where}")
            lines.append(f"    {r.message(lang)}")
    verdict = "conforms" if report.conforms else "does not conform"
    lines.append(f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s): {verdict} "
                 f"(reference date {report.reference_date})")
    return "\n".join(lines)
