"""Reads a SHACL shapes graph into plain dataclasses, the input of the fast (SPARQL-compiled) validator.

Only the parts of SHACL the compiler understands are read; anything else is reported by
:func:`unsupported`, so the fast path never silently skips a constraint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Store

from inburgering.namespaces import RDF, RDFS, SH

Node = NamedNode | BlankNode
Term = NamedNode | BlankNode | Literal
VIOLATION = NamedNode(SH + "Violation")

#: Constraint parameters the compiler handles (local names in the sh: namespace).
SUPPORTED = frozenset({
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
    "maxInclusive", "minLength", "maxLength", "pattern", "flags", "languageIn", "uniqueLang", "equals",
    "disjoint", "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node", "hasValue", "in",
    "closed", "ignoredProperties", "sparql", "qualifiedValueShape", "qualifiedMinCount",
    "qualifiedMaxCount", "qualifiedValueShapesDisjoint",
})
#: Shape properties that are not constraints.
NON_CONSTRAINTS = frozenset({
    "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "path", "property", "severity",
    "message", "deactivated", "name", "description", "order", "group", "defaultValue", "declare", "prefixes",
})


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint: its node, SELECT text (prefixes applied) and messages."""

    node: Node
    select: str
    messages: tuple[Literal, ...]


@dataclass
class Shape:
    """A node or property shape with its targets, constraint parameters and nested property shapes."""

    node: Node
    key: str
    path: str | None = None
    #: The IRI that names this shape in reports: its own, or "{node shape}#{path}" for a blank-node property shape.
    name: str = ""
    target_classes: list[NamedNode] = field(default_factory=list)
    target_nodes: list[Term] = field(default_factory=list)
    subjects_of: list[NamedNode] = field(default_factory=list)
    objects_of: list[NamedNode] = field(default_factory=list)
    params: dict[str, list[Term]] = field(default_factory=dict)
    lists: dict[str, list[Term]] = field(default_factory=dict)
    severity: NamedNode = VIOLATION
    messages: tuple[Literal, ...] = ()
    deactivated: bool = False
    properties: list[Shape] = field(default_factory=list)
    sparql: list[SparqlConstraint] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_classes or self.target_nodes or self.subjects_of or self.objects_of)

    def param(self, name: str) -> Term | None:
        values = self.params.get(name)
        return values[0] if values else None


class ShapesGraph:
    """The shapes graph, read through pyoxigraph; shapes are built once and cached by node."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._shapes: dict[Term, Shape] = {}

    def objects(self, subject: Term, local: str, ns: str = SH) -> list[Term]:
        if isinstance(subject, Literal):  # a literal is never a subject: it has no objects
            return []
        return [q.object for q in self.store.quads_for_pattern(subject, NamedNode(ns + local), None)]  # type: ignore[misc]

    def subjects(self, local: str, obj: Term | None = None, ns: str = SH) -> list[Term]:
        seen: dict[Term, None] = {}
        for q in self.store.quads_for_pattern(None, NamedNode(ns + local), obj):
            seen.setdefault(q.subject, None)  # type: ignore[arg-type]
        return list(seen)

    def rdf_list(self, head: Term) -> list[Term]:
        items: list[Term] = []
        nil = NamedNode(RDF + "nil")
        while head != nil:
            first = self.objects(head, "first", RDF)
            if not first:
                break
            items.append(first[0])
            rest = self.objects(head, "rest", RDF)
            head = rest[0] if rest else nil
        return items

    def path(self, node: Term) -> str:
        """The SPARQL property path for a SHACL path node."""
        if isinstance(node, NamedNode):
            return str(node)
        if self.objects(node, "first", RDF):
            return "(" + "/".join(self.path(p) for p in self.rdf_list(node)) + ")"
        for local, fmt in (("inversePath", "^({})"), ("zeroOrMorePath", "({})*"),
                           ("oneOrMorePath", "({})+"), ("zeroOrOnePath", "({})?")):
            inner = self.objects(node, local)
            if inner:
                return fmt.format(self.path(inner[0]))
        alternatives = self.objects(node, "alternativePath")
        if alternatives:
            return "(" + "|".join(self.path(p) for p in self.rdf_list(alternatives[0])) + ")"
        raise ValueError(f"unsupported SHACL path {node}")

    def prefixes(self, constraint: Term) -> str:
        lines = []
        for owner in self.objects(constraint, "prefixes"):
            for decl in self.objects(owner, "declare"):
                prefix = self.objects(decl, "prefix")
                namespace = self.objects(decl, "namespace")
                if prefix and namespace:
                    lines.append(f"PREFIX {prefix[0].value}: <{namespace[0].value}>")
        return "\n".join(sorted(set(lines)))

    def shape(self, node: Node, key: str | None = None) -> Shape:
        """The shape at ``node`` (read once)."""
        if node in self._shapes:
            return self._shapes[node]
        path_nodes = self.objects(node, "path")
        shape = Shape(node=node, key=key or self.key(node), path=self.path(path_nodes[0]) if path_nodes else None)
        self._shapes[node] = shape
        self._read_targets(shape)
        self._read_params(shape)
        shape.name = shape.name or (node.value if isinstance(node, NamedNode) else shape.key)
        for child in self.objects(node, "property"):
            prop = self.shape(child)  # type: ignore[arg-type]
            if isinstance(child, BlankNode) and prop.name == prop.key and prop.path:
                prop.name = f"{shape.name}#{prop.path.strip('<>') if prop.path.startswith('<') else prop.path}"
            shape.properties.append(prop)
        return shape

    def key(self, node: Term) -> str:
        """A stable name for a shape: its IRI, or for a blank node its path and a digest of its content.

        pySHACL reports a copy of a blank-node shape, so identity has to come from content, not from the node.
        """
        if not isinstance(node, BlankNode):
            return str(node)
        path = self.objects(node, "path")
        digest = hashlib.sha1(self._signature(node, 0).encode()).hexdigest()[:12]
        return f"[{self.path(path[0]) if path else ''}]#{digest}"

    def _signature(self, node: Term, depth: int) -> str:
        if not isinstance(node, BlankNode) or depth > 12:
            return str(node) if not isinstance(node, BlankNode) else "_"
        parts = sorted(f"{q.predicate} {self._signature(q.object, depth + 1)}"  # type: ignore[arg-type]
                       for q in self.store.quads_for_pattern(node, None, None))
        return "[" + "; ".join(parts) + "]"

    def _read_targets(self, shape: Shape) -> None:
        node = shape.node
        shape.target_classes = [c for c in self.objects(node, "targetClass") if isinstance(c, NamedNode)]
        types = self.objects(node, "type", RDF)
        is_class = NamedNode(RDFS + "Class") in types or NamedNode("http://www.w3.org/2002/07/owl#Class") in types
        if is_class and isinstance(node, NamedNode):
            shape.target_classes.append(node)  # implicit class target
        shape.target_nodes = self.objects(node, "targetNode")
        shape.subjects_of = [p for p in self.objects(node, "targetSubjectsOf") if isinstance(p, NamedNode)]
        shape.objects_of = [p for p in self.objects(node, "targetObjectsOf") if isinstance(p, NamedNode)]

    def _read_params(self, shape: Shape) -> None:
        node = shape.node
        for quad in self.store.quads_for_pattern(node, None, None):
            iri = quad.predicate.value
            if not iri.startswith(SH):
                continue
            local = iri[len(SH):]
            if local in {"in", "languageIn", "and", "or", "xone", "ignoredProperties"}:
                shape.lists[local] = self.rdf_list(quad.object)  # type: ignore[arg-type]
            shape.params.setdefault(local, []).append(quad.object)  # type: ignore[arg-type]
        severity = shape.param("severity")
        if isinstance(severity, NamedNode):
            shape.severity = severity
        shape.messages = tuple(m for m in shape.params.get("message", []) if isinstance(m, Literal))
        shape.deactivated = _is_true(shape.param("deactivated"))
        for constraint in shape.params.get("sparql", []):
            if _is_true(next(iter(self.objects(constraint, "deactivated")), None)):
                continue
            select = self.objects(constraint, "select")
            if not select:
                raise ValueError(f"sh:sparql {constraint} of {shape.key} has no sh:select")
            text = self.prefixes(constraint) + "\n" + select[0].value
            messages = tuple(m for m in self.objects(constraint, "message") if isinstance(m, Literal))
            shape.sparql.append(SparqlConstraint(constraint, text, messages))  # type: ignore[arg-type]

    def root_shapes(self) -> list[Shape]:
        """Every shape with a target (the starting points of validation), in a stable order."""
        candidates: dict[Term, None] = {}
        for local in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"):
            for s in self.subjects(local):
                candidates.setdefault(s, None)
        for s in self.subjects("type", NamedNode(RDFS + "Class"), RDF):
            if self.objects(s, "type", RDF) and (
                    NamedNode(SH + "NodeShape") in self.objects(s, "type", RDF)
                    or NamedNode(SH + "PropertyShape") in self.objects(s, "type", RDF)):
                candidates.setdefault(s, None)
        return [self.shape(n) for n in sorted(candidates, key=str)]  # type: ignore[arg-type]


def _is_true(term: Term | None) -> bool:
    return isinstance(term, Literal) and term.value in {"true", "1"}


def unsupported(shape: Shape) -> Iterator[str]:
    """Names of the constraint parameters of ``shape`` (and its property shapes) the compiler cannot run."""
    for name in shape.params:
        if name not in SUPPORTED and name not in NON_CONSTRAINTS:
            yield f"{shape.key}: sh:{name}"
    for child in shape.properties:
        yield from unsupported(child)
