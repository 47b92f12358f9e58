"""Copies of published graphs without some persons: written unpublished, then published by ``forget``.

On the embedded store the copy streams the old graph's quads through :meth:`PersonRule.owns` into bulk writes;
on a remote store it is one server-side ``INSERT … WHERE`` (nothing crosses the network, and no result limit
applies) followed by one ``DELETE … WHERE`` per further :data:`~inburgering.erasure.persons.CHUNK` persons.
Either way the copy is invisible to readers until the publishing update, so it may take as many steps as it
likes. Its cost is the size of the graphs copied (one municipality's data of one source), not of the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import NamedNode, Quad, QuerySolutions

from inburgering.erasure.persons import PersonRule
from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore

#: Quads per bulk write of an embedded copy: bounds the memory a copy of a large graph holds.
WRITE_BATCH = 100_000


@dataclass
class GraphCopy:
    """One new graph: made from ``sources`` (the published graphs it replaces) without the persons."""

    graph: str
    gemeente: str
    sources: list[str]
    triples_before: int = 0
    triples_after: int = 0
    #: Persons with at least one triple in the copy (``void:entities``, as a load counts them).
    persons_after: int = 0

    @property
    def removed(self) -> int:
        return self.triples_before - self.triples_after


def _count(store: Store, query: str) -> int:
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    row = next(iter(result), None)
    return int(row["n"].value) if row is not None and row["n"] is not None else 0


def count_triples(store: Store, graph: str) -> int:
    return _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}")


def count_persons(store: Store, graph: str, *, base: str) -> int:
    """Persons with a resource of theirs as a subject in ``graph`` (distinct pseudonyms in subject IRIs)."""
    prefix = f'"{base.rstrip("/")}/id/"'
    return _count(store, (
        f"SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} "
        f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {prefix})) "
        f'BIND(SUBSTR(STRAFTER(STRAFTER(STR(?s), {prefix}), "/"), 1, 32) AS ?k) '
        '''FILTER(REGEX(?k, "^[0-9a-f]{32}$")) }'''))


def _copy_embedded(store: EmbeddedStore, copy: GraphCopy, rule: PersonRule) -> None:
    target = NamedNode(copy.graph)
    store.ox.add_graph(target)  # the copy exists even when nothing is left in it
    batch: list[Quad] = []
    for source in copy.sources:
        for quad in store.ox.quads_for_pattern(None, None, None, NamedNode(source)):
            if not rule.owns(quad):
                batch.append(Quad(quad.subject, quad.predicate, quad.object, target))
                if len(batch) >= WRITE_BATCH:
                    store.extend(batch)
                    batch = []
    if batch:
        store.extend(batch)


def _copy_remote(store: Store, copy: GraphCopy, rule: PersonRule) -> None:
    target = NamedNode(copy.graph)
    chunks = list(rule.chunks())
    first = f" FILTER(!{chunks[0].sparql_filter()})" if chunks else ""
    for source in copy.sources:
        store.update(f"INSERT {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {NamedNode(source)} "
                     f"{{ ?s ?p ?o }}{first} }}")
    for chunk in chunks[1:]:
        store.update(f"DELETE {{ GRAPH {target} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {target} {{ ?s ?p ?o }} "
                     f"FILTER({chunk.sparql_filter()}) }}")


def write_copies(store: Store, copies: Sequence[GraphCopy], rule: PersonRule, *, base: str) -> None:
    """Write every copy (unpublished) and fill in its counts."""
    for copy in copies:
        copy.triples_before = sum(count_triples(store, g) for g in copy.sources)
        if isinstance(store, EmbeddedStore):
            _copy_embedded(store, copy, rule)
        else:
            _copy_remote(store, copy, rule)
        copy.triples_after = count_triples(store, copy.graph)
        copy.persons_after = count_persons(store, copy.graph, base=base)
    store.flush()


__all__ = ["GraphCopy", "count_persons", "count_triples", "write_copies"]
