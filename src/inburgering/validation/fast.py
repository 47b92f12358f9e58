"""The fast validation path: SHACL shapes compiled to SPARQL and run on pyoxigraph.

pySHACL stays the reference validator; this engine must give the same results (focus node, path, value, source
shape, severity, constraint component) and is proved to by ``tests/validation/test_fast.py``. It answers in
seconds where whole-graph pySHACL takes minutes, because each constraint becomes one set-at-a-time query
instead of a Python loop over focus nodes (see ``docs/performance.md``).

>>> from pyoxigraph import Store, RdfFormat
>>> shapes = Store()
>>> shapes.load(b'''@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
... ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .''',
...             format=RdfFormat.TURTLE)
>>> data = Store()
>>> data.load(b'<http://example.org/a> a <http://example.org/C> .', format=RdfFormat.TURTLE)
>>> report = validate_fast(data, shapes=shapes)
>>> report.conforms, [str(r.focus) for r in report.results]
(False, ['<http://example.org/a>'])
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, QuerySolutions, RdfFormat, Store, Variable

from inburgering.errors import ValidationError
from inburgering.namespaces import RDF, RDFS, SH
from inburgering.validation.fast_compile import (
    Compiled,
    core_queries,
    sparql_query,
    target_pattern,
    value_pattern,
    values_focus,
)
from inburgering.validation.fast_shapes import VIOLATION, Shape, ShapesGraph, Term, unsupported


@dataclass(frozen=True)
class FastResult:
    """One validation result, as pySHACL would report it."""

    focus: Term
    path: str | None
    value: Term | None
    source_shape: str
    severity: NamedNode
    component: NamedNode
    messages: tuple[Literal, ...] = ()
    #: The shape's IRI, or "{node shape IRI}#{path}" for a blank-node property shape (as the pySHACL report names it).
    rule: str = ""

    def key(self) -> tuple[str, str, str, str, str, str]:
        """A comparable identity (no messages: pySHACL words its default messages its own way)."""
        return (str(self.focus), self.path or "", str(self.value) if self.value is not None else "",
                self.source_shape, str(self.severity), str(self.component))


@dataclass(frozen=True)
class FastReport:
    """The outcome of one fast validation run."""

    conforms: bool
    results: tuple[FastResult, ...]
    queries: int
    seconds: float


def load_shapes(paths: Iterable[Path]) -> Store:
    """An in-memory store holding the Turtle shapes files ``paths``."""
    store = Store()
    for path in paths:
        with path.open("rb") as f:
            store.load(f, format=RdfFormat.from_extension(path.suffix.lstrip(".")) or RdfFormat.TURTLE)
    return store


def validate_fast(data: Store, *, shapes: Store, default_graph: Sequence[str] | None = None) -> FastReport:
    """Validate ``data`` against ``shapes``; the data is the union of all graphs, or of ``default_graph``.

    Raises ``ValidationError`` when the shapes use a SHACL feature this engine does not compile.
    """
    started = time.perf_counter()
    graph, roots = _compiled(shapes)
    runner = _Runner(data, default_graph, graph)
    present = runner.classes()
    results: list[FastResult] = []
    for shape in roots:
        if _without_focus(shape, present):
            continue
        results += runner.evaluate(shape, target_pattern(shape))
    return FastReport(conforms=not any(r.severity == VIOLATION for r in results), results=tuple(results),
                      queries=runner.queries, seconds=time.perf_counter() - started)


_SHAPES_CACHE: dict[int, tuple[Store, ShapesGraph, list[Shape]]] = {}


def _without_focus(shape: Shape, classes: set[Term]) -> bool:
    """Whether ``shape`` targets only classes of which the data holds no instance: it then has no focus node, so
    no result (SHACL 2.1), and its queries need not run. In the loader's batches that is a third of the queries
    (docs/performance.md)."""
    return (bool(shape.target_classes) and not (shape.target_nodes or shape.subjects_of or shape.objects_of)
            and classes.isdisjoint(shape.target_classes))


def _compiled(shapes: Store) -> tuple[ShapesGraph, list[Shape]]:
    """The shapes read once per shapes store (the store is kept alive by the cache, so its id stays unique)."""
    cached = _SHAPES_CACHE.get(id(shapes))
    if cached is None or cached[0] is not shapes:
        graph = ShapesGraph(shapes)
        roots = graph.root_shapes()
        missing = [m for s in roots for m in unsupported(s)]
        if missing:
            raise ValidationError("the fast validator cannot compile " + ", ".join(sorted(set(missing))))
        cached = (shapes, graph, roots)
        _SHAPES_CACHE[id(shapes)] = cached
    return cached[1], cached[2]


class _Runner:
    """Runs compiled queries on one dataset and evaluates nested shapes (sh:node, sh:not, sh:or, …)."""

    def __init__(self, data: Store, default_graph: Sequence[str] | None, graph: ShapesGraph) -> None:
        self.data = data
        self.graph = graph
        self.default_graph: list[NamedNode | BlankNode | DefaultGraph] | None = (
            [NamedNode(g) for g in default_graph] if default_graph is not None else None)
        self.queries = 0

    def select(self, sparql: str, substitutions: dict[Variable, Term] | None = None) -> QuerySolutions:
        self.queries += 1
        try:
            result = self.data.query(sparql, default_graph=self.default_graph,
                                     use_default_graph_as_union=self.default_graph is None,
                                     substitutions=substitutions)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise ValidationError(f"compiled query does not parse ({exc}):\n{sparql}") from exc
        assert isinstance(result, QuerySolutions)
        return result

    def classes(self) -> set[Term]:
        """Every class with an instance in the data, its superclasses included: what a class target matches."""
        sparql = (f"SELECT DISTINCT ?c WHERE {{ {{ SELECT DISTINCT ?t WHERE {{ ?_s <{RDF}type> ?t }} }} "
                  f"?t <{RDFS}subClassOf>* ?c }}")
        return {row[0] for row in self.select(sparql)}

    def evaluate(self, shape: Shape, focus: str) -> list[FastResult]:
        """Every result of ``shape`` (and its property shapes) for the focus nodes ``focus`` binds."""
        if shape.deactivated:
            return []
        results: list[FastResult] = []
        for compiled in core_queries(shape, focus):
            results += self._run(compiled)
        for constraint in shape.sparql:
            results += self._run_sparql(sparql_query(shape, constraint, focus), focus)
        results += self._nested(shape, focus)
        for child in shape.properties:
            results += self.evaluate(child, focus)
        return results

    def failing(self, shape: Shape, focus: str) -> set[Term]:
        """The focus nodes (bound by ``focus``) that do not conform to ``shape``."""
        return {r.focus for r in self.evaluate(shape, focus)}

    def _result(self, shape: Shape, component: str, focus: Term, value: Term | None,
                path: str | None = None, messages: tuple[Literal, ...] = ()) -> FastResult:
        return FastResult(focus=focus, path=path or shape.path, value=value, source_shape=shape.key,
                          severity=shape.severity, component=NamedNode(SH + component),
                          messages=messages or shape.messages, rule=shape.name)

    def _run(self, compiled: Compiled) -> list[FastResult]:
        shape = compiled.shape
        out = []
        for values in _rows(self.select(compiled.sparql)):
            path = values.get("path")
            out.append(self._result(shape, compiled.component, values["this"], values.get("value"),
                                    str(path) if path is not None else None))
        return out

    def _run_sparql(self, compiled: Compiled, focus: str) -> list[FastResult]:
        shape = compiled.shape
        rows: list[tuple[Term, dict[str, Term]]] = []
        if compiled.per_focus:
            for node in self._focus_nodes(focus):
                rows += [(node, values) for values in _rows(self.select(compiled.sparql, {Variable("this"): node}))]
        else:
            rows = [(values["this"], values) for values in _rows(self.select(compiled.sparql))]
        out = []
        for node, values in rows:
            this = values.get("this") or node
            value = values.get("value", None if shape.is_property else node)
            path = values.get("path")
            messages = tuple(_fill(m, values) for m in (compiled.constraint.messages or shape.messages))  # type: ignore[union-attr]
            out.append(self._result(shape, compiled.component, this, value,
                                    str(path) if path is not None else None, messages))
        return out

    def _focus_nodes(self, focus: str) -> list[Term]:
        return [row["this"] for row in self.select(f"SELECT DISTINCT ?this WHERE {{ {focus} }}")]

    def _nested(self, shape: Shape, focus: str) -> list[FastResult]:
        checks = _nested_checks(shape)
        if not checks and "qualifiedValueShape" not in shape.params:
            return []
        pairs = [(row["this"], row["value"]) for row in
                 self.select(f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {value_pattern(shape)} }}")]
        candidates = values_focus(shape, focus)
        out: list[FastResult] = []
        for component, members, fails in checks:
            failing = [self.failing(self._shape_of(m), candidates) for m in members]
            for this, value in pairs:
                if fails([value in f for f in failing]):
                    out.append(self._result(shape, component, this, value))
        for q in shape.params.get("qualifiedValueShape", []):
            out += self._qualified(shape, q, pairs, focus, candidates)
        return out

    def _qualified(self, shape: Shape, q: Term, pairs: list[tuple[Term, Term]], focus: str,
                   candidates: str) -> list[FastResult]:
        bad = self.failing(self._shape_of(q), candidates)
        counts: dict[Term, int] = {this: 0 for this, _ in pairs}
        for this, value in pairs:
            counts[this] += value not in bad
        out = []
        low, high = shape.param("qualifiedMinCount"), shape.param("qualifiedMaxCount")
        for this in self._focus_nodes(focus):
            n = counts.get(this, 0)
            if low is not None and n < int(low.value):
                out.append(self._result(shape, "QualifiedMinCountConstraintComponent", this, None))
            if high is not None and n > int(high.value):
                out.append(self._result(shape, "QualifiedMaxCountConstraintComponent", this, None))
        return out

    def _shape_of(self, node: Term) -> Shape:
        return self.graph.shape(node)  # type: ignore[arg-type]


def _nested_checks(shape: Shape) -> list[tuple[str, list[Term], Callable[[list[bool]], bool]]]:
    """Each nested-shape component of ``shape``: its name, its member shapes, and a function that tells from
    whether a value fails each member whether it fails the component."""
    checks: list[tuple[str, list[Term], Callable[[list[bool]], bool]]] = []
    for n in shape.params.get("node", []):
        checks.append(("NodeConstraintComponent", [n], lambda bad: bad[0]))
    for n in shape.params.get("not", []):
        checks.append(("NotConstraintComponent", [n], lambda bad: not bad[0]))
    if "and" in shape.lists:
        checks.append(("AndConstraintComponent", shape.lists["and"], any))
    if "or" in shape.lists:
        checks.append(("OrConstraintComponent", shape.lists["or"], all))
    if "xone" in shape.lists:
        checks.append(("XoneConstraintComponent", shape.lists["xone"], lambda bad: bad.count(False) != 1))
    return checks


def _rows(solutions: QuerySolutions) -> list[dict[str, Term]]:
    """Distinct solutions as name → term dictionaries (unbound variables left out), as pySHACL dedups them."""
    names = [v.value for v in solutions.variables]
    seen: dict[tuple[object, ...], dict[str, Term]] = {}
    for row in solutions:
        terms = tuple(row)
        if terms not in seen:
            seen[terms] = {n: t for n, t in zip(names, terms) if t is not None}
    return list(seen.values())


def _fill(message: Literal, values: dict[str, Term]) -> Literal:
    def sub(m: re.Match[str]) -> str:
        term = values.get(m.group(1))
        return "" if term is None else getattr(term, "value", str(term))
    text = re.sub(r"\{[?$](\w+)\}", sub, message.value)
    return Literal(text, language=message.language) if message.language else Literal(text)
