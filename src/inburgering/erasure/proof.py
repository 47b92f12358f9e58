"""The proof that nothing of the forgotten persons remains: SPARQL over every graph readers can see.

It looks for more than ``forget`` removed: any subject or object whose text **contains** a pseudonym
of theirs (or a V-nummer pseudonym), in every graph: the instance graphs, the union graphs, the public graphs
and the meta graph, and the default graph. On an on-disk embedded store it reads the current publication the
way the service does (a checkpoint, ``store/snapshots.py``), so it sees exactly what readers see; on a remote
store it reads the store and tells the publication's graphs from retired ones that wait out their grace period.
It costs a scan of the store per :data:`~inburgering.erasure.persons.CHUNK` persons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import QuerySolutions

from inburgering.erasure.persons import CHUNK, trace_filter
from inburgering.namespaces import is_provenance_graph, meta_graph
from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.publication import current_publication, public_graphs, published_graphs
from inburgering.store.snapshots import Publications
from inburgering.store.unions import registered_unions

DEFAULT_GRAPH = "(default graph)"


@dataclass
class Proof:
    """Triples that still hold a trace, per graph: in the publication readers see, and elsewhere in the store
    (retired graphs of a remote store within their grace period)."""

    publication: str | None
    graphs_checked: int
    in_publication: dict[str, int] = field(default_factory=dict)
    elsewhere: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Nothing readers can see holds a trace."""
        return not self.in_publication


def _traces(store: Store, needles: Sequence[str]) -> dict[str, int]:
    """Triples holding a needle, per graph. The default graph is looked at on the embedded store only: a remote
    store may make it the union of all graphs (Virtuoso), and nothing writes to it there."""
    found: dict[str, int] = {}
    people = sorted(set(needles))
    for start in range(0, len(people), CHUNK):
        condition = trace_filter(people[start:start + CHUNK])
        query = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({condition}) }} GROUP BY ?g"
        queries = [(query, True)]
        if isinstance(store, EmbeddedStore):
            queries.append((f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o FILTER({condition}) }}", False))
        for query, named in queries:
            result = store.query(query)
            assert isinstance(result, QuerySolutions)
            for row in result:
                n = int(row["n"].value)
                if n:
                    graph = row["g"].value if named else DEFAULT_GRAPH
                    found[graph] = found.get(graph, 0) + n
    return found


def _readable(store: Store, base: str) -> set[str]:
    graphs = set(published_graphs(store, base=base, special=True)) | set(public_graphs(store, base=base))
    provenance = {g.value for g in store.named_graphs() if is_provenance_graph(base, g.value)}
    return graphs | set(registered_unions(store, base=base)) | provenance | {meta_graph(base), DEFAULT_GRAPH}


def prove(store: Store, *, base: str, needles: Sequence[str]) -> Proof:
    """Look for ``needles`` (pseudonyms) in every graph of the current publication of ``store``."""
    if isinstance(store, EmbeddedStore) and store.path is not None and not store.read_only:
        publications = Publications(store.path)
        if publications.current() is not None:
            snapshot = publications.open_current()
            reader = EmbeddedStore.from_snapshot(snapshot)
            try:
                found = _traces(reader, needles)
                return Proof(snapshot.publication, len(reader.named_graphs()), in_publication=found)
            finally:
                reader.close()
    found = _traces(store, needles)
    readable = _readable(store, base)
    return Proof(current_publication(store, base=base), len(store.named_graphs()),
                 in_publication={g: n for g, n in found.items() if g in readable},
                 elsewhere={g: n for g, n in found.items() if g not in readable})


__all__ = ["Proof", "prove"]
