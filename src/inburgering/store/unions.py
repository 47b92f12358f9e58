"""Union graphs: the published graphs of one access class in one graph, maintained in place at each publication.

Oxigraph evaluates every triple pattern once per graph of a default graph given as a list: over the 43 graphs of
a 9,000-person store the analyst queries ran 5-40x slower than over the same triples in one graph
(docs/performance.md). So the embedded store keeps two union graphs:

- ``{base}/graph/union``: every published non-special instance graph and the public graphs;
- ``{base}/graph/union/bijzonder``: every published ``/bijzonder`` (special-category) graph.

Each is registered in the meta graph as a ``prov:Collection`` whose ``prov:hadMember`` are its members, changed
in the same update that publishes (``publication.publish``). A publication changes a union in place, at a cost
proportional to the change: the new graphs' triples are added, and a retired graph's triples are removed unless
another member still holds them. Readers never see this half-done: they read a checkpoint taken after it
(``store/snapshots.py``). A load into an on-disk store adds its graphs' triples to the unions as it writes them,
in the same bulk loads (:func:`copied_while_loading`): readers see neither before the publication's checkpoint,
and a load that dies leaves the store marked, so that the next publication rebuilds the unions. A reader uses a
union in place of its members only when it may read **every** member (:func:`default_graphs`), so the union holds
nothing the reader may not see, exactly as the list would.

Remote stores keep no unions: a reader there gets the list of graphs (an update of a remote union would have to
be one atomic request of the size of the change, which Virtuoso, one operation per request, cannot take).

>>> default_graphs(["https://d.org/graph/gm0363/duo/L1", "https://d.org/graph/ontology"],
...                {"https://d.org/graph/union": frozenset(["https://d.org/graph/gm0363/duo/L1",
...                                                          "https://d.org/graph/ontology"])})
['https://d.org/graph/union']
>>> default_graphs(["https://d.org/graph/ontology"],  # a reader who may not read every member never gets it
...                {"https://d.org/graph/union": frozenset(["https://d.org/graph/gm0363/duo/L1",
...                                                          "https://d.org/graph/ontology"])})
['https://d.org/graph/ontology']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet

from pyoxigraph import NamedNode, Quad, QuerySolutions, Triple

from inburgering.namespaces import PROV, SPECIAL_SUFFIX, meta_graph
from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore

COLLECTION = NamedNode(PROV + "Collection")
HAD_MEMBER = NamedNode(PROV + "hadMember")


def union_graph(base: str, *, special: bool = False) -> str:
    """``{base}/graph/union``, or ``…/union/bijzonder`` for the union of the special-category graphs."""
    return f"{base.rstrip('/')}/graph/union" + (SPECIAL_SUFFIX if special else "")


def is_union_graph(base: str, iri: str) -> bool:
    """Whether ``iri`` names a union graph of ``base``, of this version or an earlier one (never readable by
    name: see :func:`default_graphs`)."""
    plain = union_graph(base)
    return iri == plain or iri.startswith(plain + "/")


def union_graph_pattern(base: str) -> re.Pattern[str]:
    """Matches the IRIs of union graphs under ``base`` (this version's and earlier versions' ``union/{id}``)."""
    return re.compile(rf"^{re.escape(union_graph(base))}(?:/[^/]+)?(?:{SPECIAL_SUFFIX})?$")


def keeps_unions(store: Store) -> bool:
    """Whether publication maintains union graphs in ``store`` (the embedded store)."""
    return isinstance(store, EmbeddedStore)


def copied_while_loading(store: Store) -> bool:
    """Whether a load writes its graphs' triples into the unions with the graphs themselves (an on-disk embedded
    store: its readers read checkpoints, never the store a load writes). Copying them at publication instead
    read every new triple back into Python: 13 of a 24 s load of 8,667 persons (docs/performance.md)."""
    return isinstance(store, EmbeddedStore) and store.publications is not None


def union_of(base: str, graph: str) -> str:
    """The union graph an instance graph is a member of."""
    return union_graph(base, special=graph.endswith(SPECIAL_SUFFIX))


def withdraw(store: EmbeddedStore, *, base: str, graphs: Iterable[str]) -> int:
    """Take the triples of ``graphs`` (a load's, never published) out of the unions they were copied into, but
    those a registered member also holds; returns the number removed. For a load that stops before publishing."""
    members = registered_unions(store, base=base)
    removed = 0
    for graph in graphs:
        union = union_of(base, graph)
        removed += remove_triples(store, union, _triples(store, graph), members=members.get(union, frozenset()))
    return removed


def registered_unions(store: Store, *, base: str) -> dict[str, frozenset[str]]:
    """The registered union graphs and their members, read from the meta graph."""
    prefix = union_graph(base)
    query = (f"SELECT ?u ?m WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ ?u a {COLLECTION} ; "
             f"{HAD_MEMBER} ?m . FILTER(STRSTARTS(STR(?u), \"{prefix}\")) }} }}")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    members: dict[str, set[str]] = {}
    for row in result:
        members.setdefault(row["u"].value, set()).add(row["m"].value)
    return {u: frozenset(m) for u, m in members.items()}


def default_graphs(readable: Sequence[str], unions: Mapping[str, frozenset[str]]) -> list[str]:
    """The default graph to query for a reader of ``readable``: the same triples, in as few graphs as possible.

    A union replaces its members only when every member is readable; of overlapping unions the larger wins.
    """
    rest = set(readable)
    chosen = []
    for union, members in sorted(unions.items(), key=lambda item: (-len(item[1]), item[0])):
        if members and members <= rest:
            rest -= members
            chosen.append(union)
    return sorted(rest) + sorted(chosen)


def split_members(graphs: Iterable[str]) -> dict[bool, set[str]]:
    """Members by union: ``True`` → the special-category union, ``False`` → the plain one."""
    out: dict[bool, set[str]] = {False: set(), True: set()}
    for graph in graphs:
        out[graph.endswith(SPECIAL_SUFFIX)].add(graph)
    return out


def add_graphs(store: EmbeddedStore, union: str, graphs: Iterable[str]) -> int:
    """Copy the triples of ``graphs`` into ``union`` (a set: a triple already there stays once); returns the
    number of quads read."""
    node, n = NamedNode(union), 0
    for graph in graphs:
        quads = [Quad(q.subject, q.predicate, q.object, node)
                 for q in store.ox.quads_for_pattern(None, None, None, NamedNode(graph))]
        store.extend(quads)
        n += len(quads)
    return n


def remove_triples(store: EmbeddedStore, union: str, triples: Iterable[Triple], *, members: AbstractSet[str]) -> int:
    """Remove ``triples`` from ``union`` unless a graph of ``members`` holds them; one index lookup per triple."""
    node, removed, ox = NamedNode(union), 0, store.ox
    for triple in triples:
        holders = ox.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        if any(getattr(h.graph_name, "value", None) in members for h in holders):
            continue
        target = Quad(triple.subject, triple.predicate, triple.object, node)
        if target in ox:
            ox.remove(target)
            removed += 1
    store.generation += 1
    return removed


def rebuild(store: EmbeddedStore, *, base: str, members: Iterable[str]) -> None:
    """Drop every union graph and copy ``members`` into new ones (O(store): after a crash or an upgrade)."""
    pattern = union_graph_pattern(base)
    for graph in store.named_graphs():
        if pattern.match(graph.value):
            store.drop_graph(graph.value)
    for special, graphs in split_members(members).items():
        add_graphs(store, union_graph(base, special=special), sorted(graphs))


def member_lines(base: str, graphs: Iterable[str]) -> list[str]:
    """The meta-graph triples (N-Triples lines) that make ``graphs`` members of their unions."""
    return [f"{NamedNode(union_graph(base, special=special))} a {COLLECTION} ; {HAD_MEMBER} {NamedNode(g)} ."
            for special, members in split_members(graphs).items() for g in sorted(members)]


def register(store: Store, *, base: str, members: Iterable[str]) -> None:
    """Record in the meta graph which graphs each union holds (``prov:hadMember``), replacing what was there
    (after :func:`rebuild`; a publication moves only the members it changes, ``publication.publish``)."""
    meta = NamedNode(meta_graph(base))
    store.update(
        f"DELETE {{ GRAPH {meta} {{ ?u a {COLLECTION} ; {HAD_MEMBER} ?m }} }} WHERE {{ GRAPH {meta} "
        f"{{ ?u a {COLLECTION} ; {HAD_MEMBER} ?m . FILTER(STRSTARTS(STR(?u), \"{union_graph(base)}\")) }} }} ;\n"
        f"INSERT DATA {{ GRAPH {meta} {{\n" + "\n".join(member_lines(base, members)) + "\n} }")


def registered_counts(store: Store, *, base: str) -> dict[str, int]:
    """How many members each registered union has (one aggregate: cheap however many graphs the store has)."""
    query = (f"SELECT ?u (COUNT(?m) AS ?n) WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ ?u a {COLLECTION} ; "
             f"{HAD_MEMBER} ?m . FILTER(STRSTARTS(STR(?u), \"{union_graph(base)}\")) }} }} GROUP BY ?u")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    return {row["u"].value: int(row["n"].value) for row in result}


def _triples(store: EmbeddedStore, graph: str | None) -> set[Triple]:
    if graph is None:
        return set()
    return {q.triple for q in store.ox.quads_for_pattern(None, None, None, NamedNode(graph))}


def _difference(store: EmbeddedStore, graph: str | None, other: str | None) -> list[Triple]:
    """The triples of ``graph`` that ``other`` does not hold, worked out by Oxigraph (``MINUS``): only the
    difference comes into Python. Reading both graphs into Python sets took 13.5 of a 48 s reload of 20
    municipalities at national scale (docs/performance.md)."""
    if graph is None:
        return []
    if other is None:
        return list(_triples(store, graph))
    result = store.ox.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} "
                            f"MINUS {{ GRAPH {NamedNode(other)} {{ ?s ?p ?o }} }} }}")
    assert isinstance(result, QuerySolutions)
    return [Triple(s, p, o) for s, p, o in result]


def replace_members(store: EmbeddedStore, union: str, changes: Iterable[tuple[str | None, str | None]], *,
                    members: AbstractSet[str], copied: AbstractSet[str] = frozenset()) -> tuple[int, int]:
    """Change ``union`` in place for each ``(old, new)``: ``new`` replaces ``old`` as a member (either may be
    ``None``: a graph only added or only retired). Only the difference is written: the triples of ``new`` that
    ``old`` did not hold are added, those of ``old`` that ``new`` does not hold are removed unless a graph of
    ``members`` (the members after the change) holds them. A reload of unchanged data writes nothing. Graphs in
    ``copied`` are in the union already (their load wrote them there): nothing is added for them, and a graph
    only added is not read at all. Returns (added, removed)."""
    node, added, removed = NamedNode(union), 0, 0
    for old, new in changes:
        if new in copied and old is None:
            continue
        fresh = [] if new in copied else [Quad(t.subject, t.predicate, t.object, node)
                                          for t in _difference(store, new, old)]
        if fresh:
            store.extend(fresh)
        added += len(fresh)
        removed += remove_triples(store, union, _difference(store, old, new), members=members)
    return added, removed


__all__ = [
    "add_graphs",
    "copied_while_loading",
    "default_graphs",
    "is_union_graph",
    "keeps_unions",
    "member_lines",
    "rebuild",
    "register",
    "registered_counts",
    "registered_unions",
    "remove_triples",
    "replace_members",
    "split_members",
    "union_graph",
    "union_graph_pattern",
    "union_of",
    "withdraw",
]
