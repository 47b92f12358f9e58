"""Checks of the model files: parse, labels and definitions, no markup, no subclass cycle, concept schemes, OWL RL.

Each check returns a list of problems (empty when the model is sound); :func:`check_model` runs them all.

>>> from inburgering.paths import ONTOLOGY_DIR
>>> report = check_model(load_graph(ONTOLOGY_DIR), reasoning=False)
>>> report.ok, report.problems
(True, [])
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from inburgering import namespaces as ns
from inburgering.errors import SourceError

#: Classes and properties that must carry nl and en labels and definitions.
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)
#: HTML tags or entities, Markdown emphasis, links or headings: none may appear in any text of the model.
MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&[A-Za-z]+;|&#\d+;|(^|\s)[*_]{1,2}\w[^*_]*[*_]{1,2}(\s|$|[.,;])"
                    r"|\[[^\]]+\]\([^)]+\)|^#+\s", re.MULTILINE)
ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")


@dataclass
class CheckReport:
    """What :func:`check_model` found: a problem per line, and the number of triples checked."""

    triples: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_graph(ontology_dir: Path) -> Graph:
    """Every ``*.ttl`` of ``ontology_dir`` in one rdflib graph; a file that does not parse is a ``SourceError``."""
    g = Graph()
    files = sorted(ontology_dir.glob("*.ttl"))
    if not files:
        raise SourceError("no Turtle files found", file=str(ontology_dir))
    for path in files:
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            message = " ".join(str(exc).split())  # rdflib's message spans lines; the user sees one
            raise SourceError(f"not valid Turtle: {message}", file=str(path)) from exc
    return g


def own_terms(g: Graph) -> list[URIRef]:
    """The classes, properties and datatypes the vocabulary namespace defines."""
    terms = {s for t in TERM_TYPES for s in g.subjects(RDF.type, t)}
    return sorted(t for t in terms if isinstance(t, URIRef) and str(t).startswith(ns.VOCAB))


def _langs(g: Graph, s: Node, p: URIRef) -> set[str]:
    return {o.language or "" for o in g.objects(s, p) if isinstance(o, Literal)}


def missing_texts(g: Graph) -> list[str]:
    """Terms without a Dutch and an English ``rdfs:label`` and ``skos:definition``."""
    problems = []
    for term in own_terms(g):
        for p, name in ((RDFS.label, "rdfs:label"), (SKOS.definition, "skos:definition")):
            missing = {"nl", "en"} - _langs(g, term, p)
            if missing:
                problems.append(f"{term}: no {name} in {', '.join(sorted(missing))}")
    return problems


def markup(g: Graph) -> list[str]:
    """Literals that contain HTML or Markdown markup."""
    return [f"{s} {p}: markup in {str(o)[:60]!r}" for s, p, o in g
            if isinstance(o, Literal) and isinstance(o.value, str) and MARKUP.search(str(o))]


def subclass_cycles(g: Graph) -> list[str]:
    """Classes that are their own subclass, directly or through a cycle of ``rdfs:subClassOf``."""
    parents: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, o in g.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            parents[s].add(o)
    problems = []
    for start in sorted(parents):
        seen: set[URIRef] = set()
        todo = list(parents[start])
        while todo:
            node = todo.pop()
            if node == start:
                problems.append(f"{start} is a subclass of itself")
                break
            if node not in seen:
                seen.add(node)
                todo.extend(parents.get(node, ()))
    return problems


def concept_problems(g: Graph) -> list[str]:
    """NL-SBB: each concept in exactly one scheme, a notation unique in it, nl and en prefLabels, top concept."""
    problems = []
    notations: dict[tuple[Node, str], list[Node]] = defaultdict(list)
    for c in sorted(set(g.subjects(RDF.type, SKOS.Concept)), key=str):
        schemes = list(g.objects(c, SKOS.inScheme))
        if len(schemes) != 1:
            problems.append(f"{c}: in {len(schemes)} schemes, expected exactly one")
            continue
        found = [str(n) for n in g.objects(c, SKOS.notation)]
        if len(found) != 1:
            problems.append(f"{c}: {len(found)} notations, expected one")
        for n in found:
            notations[(schemes[0], n)].append(c)
        if {"nl", "en"} - _langs(g, c, SKOS.prefLabel):
            problems.append(f"{c}: needs skos:prefLabel in nl and en")
        if (c, SKOS.topConceptOf, schemes[0]) not in g and not list(g.objects(c, SKOS.broader)):
            problems.append(f"{c}: neither a top concept of its scheme nor narrower than another concept")
    problems += [f"notation {n!r} is used {len(cs)} times in {s}" for (s, n), cs in notations.items() if len(cs) > 1]
    return problems


def owl_rl_inconsistencies(g: Graph, extra: Iterable[tuple[Node, Node, Node]] = ()) -> list[str]:
    """Run the OWL 2 RL closure (owlrl) over a copy of ``g`` plus ``extra`` triples; its inconsistency messages."""
    import owlrl

    closure = Graph()
    for t in g:
        closure.add(t)
    for t in extra:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    messages = sorted(str(m) for m in closure.objects(None, ERROR))
    nothing = sorted(str(s) for s in closure.subjects(RDF.type, OWL.Nothing))
    return messages + [f"{s} is an instance of owl:Nothing" for s in nothing]


def check_model(g: Graph, *, reasoning: bool = True) -> CheckReport:
    """All checks; ``reasoning=False`` skips the (slower) OWL RL closure."""
    report = CheckReport(triples=len(g))
    report.problems += missing_texts(g) + markup(g) + subclass_cycles(g) + concept_problems(g)
    if reasoning:
        report.problems += [f"OWL RL: {m}" for m in owl_rl_inconsistencies(g)]
    return report
