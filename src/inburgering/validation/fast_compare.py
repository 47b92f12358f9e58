"""Puts pySHACL's results and the fast engine's results side by side, so they can be compared exactly.

Used by the equivalence tests and by the validation benchmark: the fast path is only trusted because its
result set equals pySHACL's on the shapes fixture suite and on generated data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import NamedNode, RdfFormat, Store, Triple

from inburgering.errors import ValidationError
from inburgering.namespaces import SH
from inburgering.validation.fast import FastResult
from inburgering.validation.fast_shapes import ShapesGraph, Term

Key = tuple[str, str, str, str, str, str]


@dataclass(frozen=True)
class Comparison:
    """Result keys only the reference found, and only the fast engine found (as multisets)."""

    reference: int
    fast: int
    only_reference: tuple[Key, ...]
    only_fast: tuple[Key, ...]

    @property
    def identical(self) -> bool:
        return not self.only_reference and not self.only_fast


def pyshacl_keys(results_graph: object, shapes_graph: object) -> list[Key]:
    """Comparable keys of every result in a pySHACL results graph (rdflib graphs, shapes as given to pySHACL)."""
    store = Store()
    for graph in (shapes_graph, results_graph):
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES)  # type: ignore[attr-defined]
    shapes = ShapesGraph(store)
    keys = []
    for quad in store.quads_for_pattern(None, NamedNode(SH + "result"), None):
        r = quad.object

        if isinstance(r, Triple):
            raise ValidationError(f"a pySHACL report names an RDF-star triple as sh:result: {r}")

        def one(local: str, r: Term = r) -> str:
            values = shapes.objects(r, local)
            return str(values[0]) if values else ""

        path_nodes = shapes.objects(r, "resultPath")
        source = shapes.objects(r, "sourceShape")[0]
        keys.append((one("focusNode"), shapes.path(path_nodes[0]) if path_nodes else "", one("value"),
                     shapes.key(source), one("resultSeverity"), one("sourceConstraintComponent")))
    return keys


def compare(reference: Iterable[Key], fast: Iterable[FastResult]) -> Comparison:
    """Compare result multisets; equal keys must occur equally often."""
    ref = Counter(reference)
    got = Counter(r.key() for r in fast)
    return Comparison(reference=sum(ref.values()), fast=sum(got.values()),
                      only_reference=tuple(sorted((ref - got).elements())),
                      only_fast=tuple(sorted((got - ref).elements())))
