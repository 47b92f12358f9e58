"""Where persons are published: the graphs to copy, found by index look-ups, not by scanning the store.

A person's node ``{base}/id/persoon/{pseudonym}`` is in every graph of every source that holds anything of theirs
(the mapping writes it with the person's first triples); the special-category graph of the same load is copied
with its main graph anyway, because a publication retires the graphs of a municipality and source together.
So three look-ups find every graph: the node as subject, the node as object, the pseudonym as a literal.
The proof afterwards (``erasure/proof.py``) scans everything, so a graph this missed would not go unnoticed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, QuerySolutions

from inburgering.erasure.persons import CHUNK
from inburgering.erasure.rewrite import GraphCopy
from inburgering.errors import UsageError
from inburgering.namespaces import inb, instance_graph, thing_iri
from inburgering.store.base import Store
from inburgering.store.publication import GraphRecord, is_special


@dataclass
class Located:
    """Where the persons are: the published graphs that hold them, and what else of theirs the graph says."""

    #: Pseudonym → the published instance graphs that mention the person.
    graphs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: V-nummer pseudonyms of the persons (literals to look for in the proof).
    vnummers: set[str] = field(default_factory=set)

    @property
    def found(self) -> list[str]:
        return sorted(p for p, graphs in self.graphs.items() if graphs)


def _rows(store: Store, query: str) -> QuerySolutions:
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    return result


def locate(store: Store, *, base: str, pseudonyms: Sequence[str], published: Sequence[GraphRecord]) -> Located:
    """The ``published`` graphs that hold each of ``pseudonyms`` (by the person node or the pseudonym literal)."""
    live = {r.graph for r in published}
    out = Located()
    people = sorted(set(pseudonyms))
    vnummer = NamedNode(inb("vnummerPseudoniem"))
    for start in range(0, len(people), CHUNK):
        chunk = people[start:start + CHUNK]
        nodes = " ".join(str(NamedNode(thing_iri(base, "persoon", p))) for p in chunk)
        literals = " ".join(str(Literal(p)) for p in chunk)
        owner = {thing_iri(base, "persoon", p): p for p in chunk} | {p: p for p in chunk}
        queries = ((f"SELECT DISTINCT ?g ?x WHERE {{ VALUES ?x {{ {nodes} }} GRAPH ?g {{ {{ ?x ?p ?o }} UNION "
                    f"{{ ?s ?p ?x }} }} }}"),
                   f"SELECT DISTINCT ?g ?x WHERE {{ VALUES ?x {{ {literals} }} GRAPH ?g {{ ?s ?p ?x }} }}")
        for query in queries:
            for row in _rows(store, query):
                if row["g"].value in live:
                    out.graphs[owner[row["x"].value]].add(row["g"].value)
        for row in _rows(store, f"SELECT DISTINCT ?g ?v WHERE {{ VALUES ?x {{ {nodes} }} "
                                f"GRAPH ?g {{ ?x {vnummer} ?v }} }}"):
            if row["g"].value in live:
                out.vnummers.add(row["v"].value)
    return out


def plan_copies(*, base: str, located: Located, published: Sequence[GraphRecord], run_id: str) -> list[GraphCopy]:
    """One copy per graph of every municipality and source that holds one of the persons: a publication
    replaces the graphs of a municipality and source together, so its special-category graph is copied too."""
    touched = {g for graphs in located.graphs.values() for g in graphs}
    by_graph = {r.graph: r for r in published}
    pairs = set()
    for graph in sorted(touched):
        record = by_graph[graph]
        if record.source is None:
            raise UsageError(f"{graph} was published by a version that did not keep sources apart; load that "
                             f"municipality's sources again, then forget")
        pairs.add((record.gemeente, record.source))
    copies: dict[str, GraphCopy] = {}
    for record in published:
        if (record.gemeente, record.source) not in pairs:
            continue
        assert record.source is not None
        target = instance_graph(base, record.gemeente, record.source, run_id, special=is_special(record.graph))
        copies.setdefault(target, GraphCopy(target, record.gemeente, [])).sources.append(record.graph)
    return [copies[g] for g in sorted(copies)]


__all__ = ["Located", "locate", "plan_copies"]
