"""Union graphs: the published graphs of one access class copied into one graph, so a reader queries one graph.

Oxigraph evaluates every triple pattern once per graph of a default graph given as a list: over the 43 graphs of
a 9,000-person store the analyst queries ran 5-40x slower than over the same triples in one graph
(docs/performance.md). So each publication also writes, while they are still invisible:

- ``{base}/graph/union/{id}``: every published non-special instance graph and the public graphs;
- ``{base}/graph/union/{id}/bijzonder``: every published ``/bijzonder`` (special-category) graph.

Each is registered in the meta graph as a ``prov:Collection`` whose ``prov:hadMember`` are its source graphs, in
the same update that publishes (``publication.publish``), and never written again. A reader uses a union
in place of its members only when it may read **every** member (:func:`default_graphs`): then the union holds
nothing the reader may not see, exactly as the list would. Unregistered unions (superseded, or left by a crash)
are stale graphs, dropped by the next load.

>>> from pyoxigraph import Literal, NamedNode, Quad
>>> from inburgering.store import open_store
>>> store, base = open_store("memory:"), "https://data.example.org"
>>> g = "https://data.example.org/graph/gm0363/L1"
>>> store.extend([Quad(NamedNode(g + "#s"), NamedNode(g + "#p"), Literal(1), NamedNode(g))])
>>> meta = build_unions(store, base=base, union_id="u1", members=[g])
>>> default_graphs([g, "https://data.example.org/graph/ontology"], registered_unions(store, base=base))
['https://data.example.org/graph/gm0363/L1', 'https://data.example.org/graph/ontology']
>>> store.update(f"INSERT DATA {{ {' '.join(f'GRAPH {q.graph_name} {{ {q.triple} }}' for q in meta)} }}")
>>> default_graphs([g, "https://data.example.org/graph/ontology"], registered_unions(store, base=base))
['https://data.example.org/graph/ontology', 'https://data.example.org/graph/union/u1']
>>> default_graphs([], registered_unions(store, base=base))  # a reader who may not read g never gets the union
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from pyoxigraph import NamedNode, Quad, QuerySolutions, Triple

from inburgering.namespaces import PROV, RDF, SPECIAL_SUFFIX, instance_graph_prefix, meta_graph
from inburgering.store.base import Store

COLLECTION = NamedNode(PROV + "Collection")
HAD_MEMBER = NamedNode(PROV + "hadMember")


def union_prefix(base: str) -> str:
    """``{base}/graph/union/``: every union graph's IRI starts with it."""
    return f"{base.rstrip('/')}/graph/union/"


def union_graph(base: str, union_id: str, *, special: bool = False) -> str:
    """``{base}/graph/union/{id}``, or ``…/bijzonder`` for the union of the special-category graphs."""
    return union_prefix(base) + union_id + (SPECIAL_SUFFIX if special else "")


def is_union_graph(base: str, iri: str) -> bool:
    """Whether ``iri`` names a union graph of ``base`` (never readable by name: see :func:`default_graphs`)."""
    return iri.startswith(union_prefix(base))


def union_graph_pattern(base: str) -> re.Pattern[str]:
    """Matches the IRIs of union graphs under ``base``."""
    return re.compile(rf"^{re.escape(union_prefix(base))}[^/]+(?:{SPECIAL_SUFFIX})?$")


def _copy(store: Store, sources: Iterable[str], target: str) -> None:
    """Copy the triples of ``sources`` into ``target``; the embedded store copies without a SPARQL round trip."""
    ox = getattr(store, "ox", None)
    node = NamedNode(target)
    for source in sources:
        if ox is not None:
            ox.bulk_extend(Quad(q.subject, q.predicate, q.object, node)
                           for q in ox.quads_for_pattern(None, None, None, NamedNode(source)))
        else:  # one operation per request: Virtuoso refuses several (store/remote.py)
            store.update(f"INSERT {{ GRAPH {node} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {NamedNode(source)} "
                         "{ ?s ?p ?o } }")


class UnionWriter:
    """The loader's batch writer, writing every batch also into the load's union graphs.

    ``write`` takes what ``loader.writer.GraphWriter.write`` takes (graph IRI → its triples) and adds the union
    graphs to the same batch, so the triples are written twice in one bulk load instead of read back later.
    Publication then copies in only the graphs the load does not replace (``publication.publish(unions=…)``
    reads ``union_id`` and ``written``). Until publication registers them, the unions are invisible like the
    load's own graphs.
    """

    def __init__(self, writer: Any, *, base: str, union_id: str) -> None:
        self.writer, self.base, self.union_id = writer, base, union_id
        self.written: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.writer, name)

    def write(self, batch: Mapping[str, Sequence[Triple]]) -> None:
        unions: dict[str, list[Triple]] = {}
        prefix = instance_graph_prefix(self.base)
        for graph, triples in batch.items():
            if triples and graph.startswith(prefix):
                self.written.add(graph)
                unions.setdefault(union_graph(self.base, self.union_id, special=graph.endswith(SPECIAL_SUFFIX)),
                                  []).extend(triples)
        self.writer.write({**batch, **unions})


def build_unions(store: Store, *, base: str, union_id: str, members: Sequence[str],
                 written: Set[str] = frozenset()) -> list[Quad]:
    """Write the union graphs of ``members`` (published instance graphs and public graphs); returns the quads
    that register them in the meta graph, for the caller to insert in its publishing update.

    ``written``: members already in the unions of ``union_id`` (:class:`UnionWriter`). Until the returned quads
    are in the store the unions are invisible to every reader.
    """
    meta = NamedNode(meta_graph(base))
    special = sorted(g for g in members if g.endswith(SPECIAL_SUFFIX))
    plain = sorted(g for g in members if not g.endswith(SPECIAL_SUFFIX))
    quads: list[Quad] = []
    for graphs, is_special in ((plain, False), (special, True)):
        if not graphs:
            continue
        union = union_graph(base, union_id, special=is_special)
        _copy(store, [g for g in graphs if g not in written], union)
        node = NamedNode(union)
        quads.append(Quad(node, NamedNode(RDF + "type"), COLLECTION, meta))
        quads += [Quad(node, HAD_MEMBER, NamedNode(g), meta) for g in graphs]
    store.flush()
    return quads


def registered_unions(store: Store, *, base: str) -> dict[str, frozenset[str]]:
    """The registered union graphs and their members (source graphs), read from the meta graph."""
    query = (f"SELECT ?u ?m WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ ?u a {COLLECTION} ; "
             f"{HAD_MEMBER} ?m . FILTER(STRSTARTS(STR(?u), \"{union_prefix(base)}\")) }} }}")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    members: dict[str, set[str]] = {}
    for row in result:
        members.setdefault(row["u"].value, set()).add(row["m"].value)
    return {u: frozenset(m) for u, m in members.items()}


def default_graphs(readable: Sequence[str], unions: Mapping[str, frozenset[str]]) -> list[str]:
    """The default graph to query for a reader of ``readable``: the same triples, in as few graphs as possible.

    A union replaces its members only when every member is readable; the unions of one publication have
    disjoint members, and of overlapping unions the larger one wins.
    """
    rest = set(readable)
    chosen = []
    for union, members in sorted(unions.items(), key=lambda item: (-len(item[1]), item[0])):
        if members and members <= rest:
            rest -= members
            chosen.append(union)
    return sorted(rest) + sorted(chosen)


__all__ = ["UnionWriter", "build_unions", "default_graphs", "is_union_graph", "registered_unions", "union_graph",
           "union_graph_pattern", "union_prefix"]
