"""Bulk writes to a remote store: quads cut into per-graph batches, sent by Graph Store Protocol or SPARQL Update.

Blank nodes are a snag for batching: the same ``_:b`` in two requests becomes two nodes. So triples without blank
nodes go out in batches of ``size``; triples that mention blank nodes are grouped by the blank nodes they share
(connected components: an OWL restriction, a SHACL property shape, an RDF list) and a group is never split.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Triple, serialize

from inburgering.errors import StoreError


@dataclass
class Batch:
    """Triples for one graph (``graph=None``: the default graph) that go out in one request."""

    graph: str | None
    triples: list[Triple] = field(default_factory=list)
    blank_nodes: bool = False

    def n_triples(self) -> bytes:
        return serialize(self.triples, format=RdfFormat.N_TRIPLES) or b""

    def insert_update(self) -> str:
        """The batch as one SPARQL update. Virtuoso refuses blank nodes in INSERT DATA, so those use INSERT WHERE."""
        body = self.n_triples().decode("utf-8")
        if self.graph is not None:
            body = f"GRAPH {NamedNode(self.graph)} {{\n{body}}}"
        return f"INSERT {{\n{body}\n}} WHERE {{}}" if self.blank_nodes else f"INSERT DATA {{\n{body}\n}}"


def _graph_key(quad: Quad) -> str | None:
    name = quad.graph_name
    if isinstance(name, DefaultGraph):
        return None
    if isinstance(name, NamedNode):
        return name.value
    raise StoreError(f"a remote store cannot hold a graph named by a blank node ({name})")


def _has_blank_node(quad: Quad) -> bool:
    return isinstance(quad.subject, BlankNode) or isinstance(quad.object, BlankNode)


def batches(quads: Iterable[Quad], *, size: int) -> Iterator[Batch]:
    """Cut ``quads`` into batches of at most ``size`` triples; triples linked by a blank node stay together."""
    plain: dict[str | None, Batch] = {}
    linked: dict[str | None, list[Triple]] = {}
    for quad in quads:
        key = _graph_key(quad)
        triple = Triple(quad.subject, quad.predicate, quad.object)
        if _has_blank_node(quad):
            linked.setdefault(key, []).append(triple)
            continue
        batch = plain.setdefault(key, Batch(key))
        batch.triples.append(triple)
        if len(batch.triples) >= size:
            yield plain.pop(key)
    yield from (b for b in plain.values() if b.triples)
    for key, triples in linked.items():
        yield from _pack(key, _components(triples), size)


def _components(triples: list[Triple]) -> list[list[Triple]]:
    """The triples grouped by connected blank nodes (union-find over blank node labels)."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for t in triples:
        labels = [n.value for n in (t.subject, t.object) if isinstance(n, BlankNode)]
        if len(labels) == 2:
            parent[root(labels[0])] = root(labels[1])
    groups: dict[str, list[Triple]] = {}
    for t in triples:
        node = t.subject if isinstance(t.subject, BlankNode) else t.object
        groups.setdefault(root(node.value), []).append(t)  # type: ignore[union-attr]
    return list(groups.values())


def _pack(graph: str | None, groups: list[list[Triple]], size: int) -> Iterator[Batch]:
    batch = Batch(graph, blank_nodes=True)
    for group in groups:
        if batch.triples and len(batch.triples) + len(group) > size:
            yield batch
            batch = Batch(graph, blank_nodes=True)
        batch.triples.extend(group)
    if batch.triples:
        yield batch


def in_graph(triples_or_quads: Iterable[Quad | Triple], graph: str | None) -> Iterator[Quad]:
    """Quads from a parser: triples of a triple format go to ``graph``; a quad format keeps its own graphs."""
    target = NamedNode(graph) if graph else DefaultGraph()
    for item in triples_or_quads:
        if isinstance(item, Quad):
            if graph and isinstance(item.graph_name, DefaultGraph):
                yield Quad(item.subject, item.predicate, item.object, target)
            else:
                yield item
        else:
            yield Quad(item.subject, item.predicate, item.object, target)


__all__ = ["Batch", "batches", "in_graph"]
