"""Validate-before-publish: the validator is a parameter; its findings are attributed to persons by IRI.

A validator takes the triples of a batch of persons and the reference date ("today" for date rules) and
returns :class:`Finding` objects. The default runs the project's SHACL shapes through
``inburgering.validation.validate``; a faster engine only has to return the same findings.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pyoxigraph import NamedNode, Triple

from inburgering.errors import UsageError
from inburgering.mapping import MappedPerson

_PSEUDONYM = re.compile(r"/id/[^/]+/([0-9a-f]{32})(?:-[^/]*)?$")


@dataclass(frozen=True)
class Finding:
    """One SHACL result: which node, which rule, how severe, and what it says."""

    focus: str
    severity: str  # "Violation", "Warning" or "Info"
    message: str
    rule: str | None = None
    path: str | None = None
    value: str | None = None

    @property
    def is_violation(self) -> bool:
        return self.severity == "Violation"


class Validator(Protocol):
    """What the loader needs from a validator."""

    def __call__(self, triples: Sequence[Triple], *, reference_date: date) -> Sequence[Finding]:
        """The findings for ``triples`` (a batch of whole persons), with "today" = ``reference_date``."""
        ...


def no_validation(triples: Sequence[Triple], *, reference_date: date) -> Sequence[Finding]:
    """A validator that finds nothing (for ``inburgering map`` and for tests of the pipeline alone)."""
    return ()


def attribute(findings: Sequence[Finding], persons: Sequence[MappedPerson]
              ) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Findings per person pseudonym, and the findings that belong to no person of the batch.

    A focus node belongs to the person who minted it (``{base}/id/{type}/{pseudonym}[-{key}]``); a shared node
    (an institution) belongs to every person of the batch that refers to it.
    """
    owner: dict[str, str] = {}
    for person in persons:
        for node in person.nodes:
            owner[node] = person.pseudonym
    known = {p.pseudonym for p in persons}
    by_person: dict[str, list[Finding]] = defaultdict(list)
    orphans: list[Finding] = []
    referrers: dict[str, set[str]] | None = None
    for finding in findings:
        who = owner.get(finding.focus)
        if who is None:
            match = _PSEUDONYM.search(finding.focus)
            who = match.group(1) if match and match.group(1) in known else None
        if who is not None:
            by_person[who].append(finding)
            continue
        if referrers is None:
            referrers = _referrers(persons)
        shared = referrers.get(finding.focus, set())
        for pseudonym in shared:
            by_person[pseudonym].append(finding)
        if not shared:
            orphans.append(finding)
    return dict(by_person), orphans


def _referrers(persons: Sequence[MappedPerson]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for person in persons:
        for triple in (*person.triples, *person.special):
            for term in (triple.subject, triple.object):
                if isinstance(term, NamedNode):
                    out[term.value].add(person.pseudonym)
    return out


def shacl_validator(*, lang: str = "nl") -> Validator:
    """The default validator: the project's shapes run by pySHACL (``inburgering.validation.validate``).

    Shapes and ontology are read once; each call validates one batch of persons.
    """
    from inburgering.validation import load_ontology, load_shapes, validate

    shapes, ontology = load_shapes(), load_ontology()

    def run(triples: Sequence[Triple], *, reference_date: date) -> Sequence[Finding]:
        report = validate(list(triples), shapes=shapes, ont_graph=ontology, reference_date=reference_date,
                          lang=lang)
        return [Finding(focus=r.focus_node, severity=r.severity.rsplit("#", 1)[-1], message=r.message(lang),
                        rule=r.shape or None, path=r.path, value=r.value) for r in report.results]

    return run


#: ``--engine`` choices: pySHACL is the reference; ``fast`` compiles the same shapes to SPARQL on pyoxigraph
#: (``inburgering.validation.fast``), proved result-for-result against pySHACL by the validation tests.
ENGINES = ("pyshacl", "fast")


def validator_for(engine: str) -> Validator:
    """The validator of an engine name (``pyshacl`` or ``fast``)."""
    if engine == "fast":
        from inburgering.validation.fast_validators import FastValidator

        return FastValidator()  # type: ignore[return-value]
    if engine != "pyshacl":
        raise UsageError(f"unknown validation engine {engine!r} (expected one of {', '.join(ENGINES)})")
    return shacl_validator()
