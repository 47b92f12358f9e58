"""Which instance graphs are published: the one place that reads and writes the publication state.

A load writes its graphs (``{base}/graph/{gm0363}/{loadId}`` and ``…/bijzonder``) while they are invisible,
then publishes them with ONE SPARQL update of the meta graph that also retires the municipality's previous
graphs. Readers (the service, the query command, the security layer) build their datasets from
:func:`published_graphs` only, so a half-written or crashed load is never seen.

>>> from inburgering.store import open_store
>>> store = open_store("memory:")
>>> base = "https://data.example.org"
>>> g = instance_graph(base, "GM0363", "L1")
>>> publish(store, base=base, graphs=[("GM0363", g)])
>>> published_graphs(store, base=base)
['https://data.example.org/graph/gm0363/L1']
>>> published_graphs(store, base=base, gemeenten=["GM0599"])
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pyoxigraph import NamedNode, Quad, QuerySolutions

from inburgering.namespaces import (
    PROV,
    RDF,
    TOOI_GEMEENTE,
    VOCAB,
    gemeente_iri,
    instance_graph,
    meta_graph,
    public_graph,
)
from inburgering.store.base import Store

#: The public graphs a reader may always add to its dataset.
PUBLIC_GRAPHS = ("ontology", "concepts", "shapes", "dataset")
_SPECIAL_SUFFIX = "/bijzonder"


def _prefixes() -> str:
    return f"PREFIX inb: <{VOCAB}>\nPREFIX rdf: <{RDF}>\nPREFIX prov: <{PROV}>\n"


def gemeente_code(iri: str) -> str:
    """``GM0363`` from the TOOI IRI ``…/gemeente/gm0363``."""
    return iri.removeprefix(TOOI_GEMEENTE).upper()


def is_special(graph: str) -> bool:
    """Whether an instance graph holds special-category facts (its IRI ends in ``/bijzonder``)."""
    return graph.endswith(_SPECIAL_SUFFIX)


def instance_graph_pattern(base: str) -> re.Pattern[str]:
    """Matches the IRIs of instance graphs under ``base`` (group 1: ``gm0363``)."""
    return re.compile(rf"^{re.escape(base.rstrip('/'))}/graph/(gm\d{{4}})/[^/]+(?:{_SPECIAL_SUFFIX})?$")


def published_graphs(store: Store, *, base: str, gemeenten: Iterable[str] | None = None,
                     special: bool = False) -> list[str]:
    """The published instance graphs, sorted.

    ``gemeenten``: only those municipalities (``GM0363`` codes; ``None`` = all). ``special=False`` leaves out the
    ``/bijzonder`` graphs (health, justice, addiction); ``special=True`` includes them as well.
    """
    wanted = None if gemeenten is None else {g.upper() for g in gemeenten}
    query = _prefixes() + (
        f"SELECT ?g ?gm WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ "
        "?g a inb:InstanceGraph ; inb:gemeente ?gm ; inb:published true } }")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    graphs = set()
    for row in result:
        graph, gm = row["g"].value, row["gm"].value
        if wanted is not None and gemeente_code(gm) not in wanted:
            continue
        if is_special(graph) and not special:
            continue
        graphs.add(graph)
    return sorted(graphs)


def public_graphs(store: Store, *, base: str) -> list[str]:
    """The public graphs (ontology, concepts, shapes, dataset) that exist in the store."""
    present = {g.value for g in store.named_graphs()}
    return [g for g in (public_graph(base, name) for name in PUBLIC_GRAPHS) if g in present]


def publish(store: Store, *, base: str, graphs: Sequence[tuple[str, str]],
            provenance: Iterable[Quad] = (), activity: str | None = None) -> None:
    """Make ``graphs`` (pairs of ``GM0363`` code and graph IRI) visible, in ONE update of the meta graph.

    The same update retires every graph published before for those municipalities (``inb:published false``)
    and inserts ``provenance`` (quads in the meta graph). It is one DELETE/INSERT operation, so any SPARQL 1.1
    store applies it all or not at all.
    """
    meta = NamedNode(meta_graph(base))
    lines = []
    for code, graph in graphs:
        g = NamedNode(graph)
        lines.append(f"{g} a inb:InstanceGraph ; inb:gemeente {NamedNode(gemeente_iri(code))} ; "
                     "inb:published true .")
        if activity:
            lines.append(f"{g} prov:wasGeneratedBy {NamedNode(activity)} .")
    for quad in provenance:
        lines.append(f"{quad.subject} {quad.predicate} {quad.object} .")
    codes = " ".join(str(NamedNode(gemeente_iri(code))) for code in sorted({c for c, _ in graphs}))
    update = _prefixes() + (
        f"DELETE {{ GRAPH {meta} {{ ?old inb:published true }} }}\n"
        f"INSERT {{ GRAPH {meta} {{ ?old inb:published false .\n" + "\n".join(lines) + "\n} }\n"
        f"WHERE {{ OPTIONAL {{ GRAPH {meta} {{ ?old a inb:InstanceGraph ; inb:published true ; inb:gemeente ?gm . "
        f"VALUES ?gm {{ {codes} }} }} }} }}")
    store.update(update)
    store.flush()


def stale_graphs(store: Store, *, base: str) -> list[str]:
    """Instance graphs in the store that are not published: superseded by a later load, or left by a crash."""
    live = set(published_graphs(store, base=base, special=True))
    pattern = instance_graph_pattern(base)
    return sorted(g.value for g in store.named_graphs() if pattern.match(g.value) and g.value not in live)


def drop_stale_graphs(store: Store, *, base: str) -> list[str]:
    """Drop the graphs :func:`stale_graphs` finds (a load does this first); returns their IRIs.

    Only one load may run against a store at a time: a second one would drop the first one's unpublished graphs.
    """
    stale = stale_graphs(store, base=base)
    for graph in stale:
        store.drop_graph(graph)
    if stale:
        store.flush()
    return stale


__all__ = ["PUBLIC_GRAPHS", "drop_stale_graphs", "gemeente_code", "instance_graph", "instance_graph_pattern",
           "is_special", "public_graphs", "publish", "published_graphs", "stale_graphs"]
