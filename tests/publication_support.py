"""Publications made by hand for the housekeeping and /health tests: graphs of a municipality and source with a
few triples, published the way a load publishes them (with the load's end time in the provenance graph)."""

from __future__ import annotations

from datetime import UTC, datetime

from pyoxigraph import Literal, NamedNode, Quad

from inburgering.namespaces import DEFAULT_BASE, PROV, XSD, instance_graph, provenance_graph
from inburgering.store.base import Store
from inburgering.store.publication import Publication, publish

BASE = DEFAULT_BASE


def fill(store: Store, graph: str, n: int) -> None:
    """``n`` triples in ``graph`` (no person: numbered things)."""
    store.extend([Quad(NamedNode(f"https://example.org/thing/{i}"), NamedNode("https://example.org/p"),
                       Literal(str(i)), NamedNode(graph)) for i in range(n)])


def publish_load(store: Store, gemeente: str, source: str, load: str, *, triples: int = 5, special: bool = True,
                 plain: bool = True, ended: datetime | None = None) -> Publication:
    """Write and publish the graphs of one load of ``source`` for ``gemeente``: the plain graph and (``special``)
    its ``/bijzonder`` graph; the load activity ends at ``ended`` (default now)."""
    graphs = []
    if plain:
        graphs.append((gemeente, instance_graph(BASE, gemeente, source, load)))
    if special:
        graphs.append((gemeente, instance_graph(BASE, gemeente, source, load, special=True)))
    for _, graph in graphs:
        fill(store, graph, triples)
    activity = f"{BASE}/id/load/{load}"
    when = Literal((ended or datetime.now(UTC)).isoformat(), datatype=NamedNode(XSD + "dateTime"))
    provenance = [Quad(NamedNode(activity), NamedNode(PROV + "endedAtTime"), when, NamedNode(provenance_graph(BASE)))]
    return publish(store, base=BASE, graphs=graphs, provenance=provenance, activity=activity)
