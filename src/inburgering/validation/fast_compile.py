"""Compiles SHACL core constraints and SHACL-SPARQL constraints into SPARQL SELECT queries.

Every query binds ``?this`` (the focus node) and, where the constraint reports one, ``?value`` (and ``?path``
for ``sh:closed``). A *focus pattern* is a group graph pattern that binds ``?this`` to the focus nodes; the
same compiler serves top-level shapes (focus = targets) and nested shapes (focus = value nodes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode

from inburgering.namespaces import RDF, RDFS, SH, XSD
from inburgering.validation.fast_shapes import Shape, SparqlConstraint, Term

#: XSD datatypes whose lexical forms SPARQL can check by casting (an ill-typed literal fails the cast).
CASTABLE = frozenset(XSD + t for t in (
    "boolean", "integer", "decimal", "float", "double", "date", "dateTime", "time", "duration",
    "dayTimeDuration", "yearMonthDuration", "string",
))
_NODE_KINDS = {
    "IRI": "isIRI(?value)", "BlankNode": "isBlank(?value)", "Literal": "isLiteral(?value)",
    "BlankNodeOrIRI": "(isBlank(?value) || isIRI(?value))",
    "BlankNodeOrLiteral": "(isBlank(?value) || isLiteral(?value))",
    "IRIOrLiteral": "(isIRI(?value) || isLiteral(?value))",
}
_COMPARISONS = {"minExclusive": ">", "minInclusive": ">=", "maxExclusive": "<", "maxInclusive": "<="}
_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_NOT_JOINABLE = re.compile(r"\b(LIMIT|OFFSET)\b|\bVALUES\s+\$this\b", re.IGNORECASE)
_AGGREGATE = re.compile(r"\b(GROUP\s+BY|COUNT|SUM|AVG|SAMPLE|GROUP_CONCAT|MIN|MAX)\b", re.IGNORECASE)
_GROUP_BY_THIS = re.compile(r"\bGROUP\s+BY\b[^{}]*?[?$]this\b", re.IGNORECASE)


@dataclass(frozen=True)
class Compiled:
    """One SELECT query for one constraint of one shape."""

    shape: Shape
    component: str
    sparql: str
    constraint: SparqlConstraint | None = None
    #: A SPARQL constraint that must be run once per focus node (``?this`` substituted), not joined.
    per_focus: bool = False


def term(t: Term) -> str:
    """A term in SPARQL syntax (N-Triples form, which SPARQL accepts)."""
    if isinstance(t, BlankNode):
        raise TypeError("blank nodes cannot be constants in a query")
    return str(t)


def target_pattern(shape: Shape) -> str:
    """The focus pattern of a shape's own targets (distinct focus nodes)."""
    branches = [f"{{ ?this <{RDF}type>/<{RDFS}subClassOf>* {term(c)} }}" for c in shape.target_classes]
    if shape.target_nodes:
        branches.append("{ VALUES ?this { " + " ".join(term(n) for n in shape.target_nodes) + " } }")
    branches += [f"{{ ?this {term(p)} ?_t }}" for p in shape.subjects_of]
    branches += [f"{{ ?_t {term(p)} ?this }}" for p in shape.objects_of]
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(branches) + " } }"


def value_pattern(shape: Shape) -> str:
    """Binds ``?value`` to each value node: the path's objects, or the focus node itself for node shapes."""
    return f"?this {shape.path} ?value ." if shape.path else "BIND(?this AS ?value)"


def values_focus(shape: Shape, focus: str) -> str:
    """A focus pattern binding ``?this`` to the value nodes of ``shape`` under ``focus`` (for nested shapes)."""
    if not shape.path:
        return focus
    return ("{ SELECT DISTINCT ?this WHERE { { SELECT (?this AS ?_o) WHERE { " + focus + " } } "
            f"?_o {shape.path} ?this . }} }}")


def _filter(shape: Shape, focus: str, condition: str) -> str:
    return f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {value_pattern(shape)} FILTER({condition}) }}"


def core_queries(shape: Shape, focus: str) -> list[Compiled]:
    """Queries for the core constraints of ``shape`` (not nested shapes, not SPARQL) over ``focus``."""
    out: list[Compiled] = []

    def add(component: str, sparql: str) -> None:
        out.append(Compiled(shape, component, sparql))

    for c in shape.params.get("class", []):
        add("ClassConstraintComponent", f"SELECT DISTINCT ?this ?value WHERE {{ {{ {focus} {value_pattern(shape)} }} "
            f"MINUS {{ ?value <{RDF}type>/<{RDFS}subClassOf>* {term(c)} }} }}")
    for d in shape.params.get("datatype", []):
        check = f"!isLiteral(?value) || datatype(?value) != {term(d)}"
        if d.value in CASTABLE:
            check += f" || !isLiteral(COALESCE({term(d)}(STR(?value)), <urn:x-invalid>))"
        add("DatatypeConstraintComponent", _filter(shape, focus, check))
    for kind in shape.params.get("nodeKind", []):
        add("NodeKindConstraintComponent", _filter(shape, focus, "!" + _NODE_KINDS[kind.value[len(SH):]]))
    for name, op in _COMPARISONS.items():
        for bound in shape.params.get(name, []):
            add(name[0].upper() + name[1:] + "ConstraintComponent",
                _filter(shape, focus, f"!COALESCE(?value {op} {term(bound)}, false)"))
    for name, op in (("minLength", ">="), ("maxLength", "<=")):
        for n in shape.params.get(name, []):
            add(name[0].upper() + name[1:] + "ConstraintComponent",
                _filter(shape, focus, f"isBlank(?value) || !(STRLEN(STR(?value)) {op} {n.value})"))
    for pattern in shape.params.get("pattern", []):
        flags = shape.param("flags")
        args = f", {term(Literal(flags.value))}" if flags is not None else ""
        add("PatternConstraintComponent",
            _filter(shape, focus, f"isBlank(?value) || !REGEX(STR(?value), {term(Literal(pattern.value))}{args})"))
    if "languageIn" in shape.lists:
        tags = " || ".join(f"langMatches(lang(?value), {term(Literal(t.value))})" for t in shape.lists["languageIn"])
        add("LanguageInConstraintComponent", _filter(shape, focus, f"!isLiteral(?value) || !({tags or 'false'})"))
    if "in" in shape.lists:
        members = " || ".join(f"sameTerm(?value, {term(t)})" for t in shape.lists["in"])
        add("InConstraintComponent", _filter(shape, focus, f"!({members or 'false'})"))
    for v in shape.params.get("hasValue", []):
        if shape.path:
            add("HasValueConstraintComponent",
                f"SELECT DISTINCT ?this WHERE {{ {focus} MINUS {{ ?this {shape.path} {term(v)} }} }}")
        else:
            add("HasValueConstraintComponent", f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER(!sameTerm(?this, {term(v)})) }}")
    out += _count_queries(shape, focus)
    out += _pair_queries(shape, focus)
    if shape.param("closed") is not None and shape.param("closed").value == "true":  # type: ignore[union-attr]
        out.append(_closed_query(shape, focus))
    return out


def _count_queries(shape: Shape, focus: str) -> list[Compiled]:
    out = []
    path = shape.path or ""
    for n in shape.params.get("minCount", []):
        count = int(n.value)
        if count == 1:
            sparql = f"SELECT DISTINCT ?this WHERE {{ {focus} MINUS {{ ?this {path} ?_v }} }}"
        else:
            sparql = (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?_v }} }} "
                      f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {count})")
        out.append(Compiled(shape, "MinCountConstraintComponent", sparql))
    for n in shape.params.get("maxCount", []):
        sparql = (f"SELECT ?this WHERE {{ {focus} ?this {path} ?_v }} "
                  f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {int(n.value)})")
        out.append(Compiled(shape, "MaxCountConstraintComponent", sparql))
    if shape.param("uniqueLang") is not None and shape.param("uniqueLang").value == "true":  # type: ignore[union-attr]
        sparql = (f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {path} ?_a . ?this {path} ?_b . "
                  "FILTER(!sameTerm(?_a, ?_b) && lang(?_a) != \"\" && lang(?_a) = lang(?_b)) }")
        out.append(Compiled(shape, "UniqueLangConstraintComponent", sparql))
    return out


def _pair_queries(shape: Shape, focus: str) -> list[Compiled]:
    out = []
    vp = value_pattern(shape)
    for other in shape.params.get("equals", []):
        o = term(other)
        if shape.path:
            missing = f"{{ {{ {focus} ?this {o} ?value }} MINUS {{ ?this {shape.path} ?value }} }}"
        else:
            missing = f"{{ {focus} ?this {o} ?value FILTER(!sameTerm(?this, ?value)) }}"
        sparql = (f"SELECT DISTINCT ?this ?value WHERE {{ {{ {{ {focus} {vp} }} MINUS {{ ?this {o} ?value }} }} "
                  f"UNION {missing} }}")
        out.append(Compiled(shape, "EqualsConstraintComponent", sparql))
    for other in shape.params.get("disjoint", []):
        sparql = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {vp} ?this {term(other)} ?_o . FILTER(sameTerm(?value, ?_o)) }}"
        out.append(Compiled(shape, "DisjointConstraintComponent", sparql))
    for name, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for other in shape.params.get(name, []):
            sparql = (f"SELECT DISTINCT ?this ?value WHERE {{ {focus} {vp} ?this {term(other)} ?_o . "
                      f"FILTER(!COALESCE(?value {op} ?_o, false)) }}")
            out.append(Compiled(shape, name[0].upper() + name[1:] + "ConstraintComponent", sparql))
    return out


def _closed_query(shape: Shape, focus: str) -> Compiled:
    allowed = {p.path for p in shape.properties if p.path and p.path.startswith("<")}
    allowed |= {term(t) for t in shape.lists.get("ignoredProperties", [])}
    condition = " && ".join(f"!sameTerm(?path, {a})" for a in sorted(allowed)) or "true"
    sparql = f"SELECT DISTINCT ?this ?path ?value WHERE {{ {focus} ?this ?path ?value . FILTER({condition}) }}"
    return Compiled(shape, "ClosedConstraintComponent", sparql)


def sparql_query(shape: Shape, constraint: SparqlConstraint, focus: str) -> Compiled:
    """A SHACL-SPARQL constraint joined with the focus pattern, or marked to run once per focus node.

    Joining is the same as pre-binding ``$this`` when the query has one SELECT and no aggregation; other
    queries keep SHACL's pre-binding semantics by running once per focus node.
    """
    text = re.sub(r"\$this\b", "?this", constraint.select)
    text = re.sub(r"\$PATH\b", shape.path or "$PATH", text)
    if isinstance(shape.node, NamedNode):
        text = re.sub(r"\$currentShape\b", term(shape.node), text)
    selects = list(_SELECT.finditer(text))
    body = text[selects[0].start():] if selects else ""
    grouped_apart = not _AGGREGATE.search(body) or _GROUP_BY_THIS.search(body)  # each focus node its own group
    if len(selects) != 1 or _NOT_JOINABLE.search(body) or not grouped_apart:
        return Compiled(shape, "SPARQLConstraintComponent", text, constraint, per_focus=True)
    start = selects[0].end()
    brace = text.index("{", start)
    head = text[start:brace]
    if not re.search(r"\?this\b|\*", head):
        head = re.sub(r"^(\s*(DISTINCT|REDUCED)?)", r"\1 ?this ", head, count=1, flags=re.IGNORECASE)
    head = re.sub(r"^\s*(DISTINCT|REDUCED)?", " DISTINCT ", head, count=1, flags=re.IGNORECASE)
    joined = text[:selects[0].start()] + "SELECT" + head + "{ " + focus + " " + text[brace + 1:]
    return Compiled(shape, "SPARQLConstraintComponent", joined, constraint)
