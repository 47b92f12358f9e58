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
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pyoxigraph import NamedNode, Quad, QuerySolutions

from inburgering.namespaces import (
    PROV,
    RDF,
    SPECIAL_SUFFIX,
    TOOI_GEMEENTE,
    VOCAB,
    gemeente_iri,
    instance_graph,
    meta_graph,
    public_graph,
)
from inburgering.store.base import Store
from inburgering.store.unions import UnionWriter, build_unions, registered_unions, union_graph_pattern

#: The public graphs a reader may always add to its dataset.
PUBLIC_GRAPHS = ("ontology", "concepts", "shapes", "dataset")


def _prefixes() -> str:
    return f"PREFIX inb: <{VOCAB}>\nPREFIX rdf: <{RDF}>\nPREFIX prov: <{PROV}>\n"


def gemeente_code(iri: str) -> str:
    """``GM0363`` from the TOOI IRI ``…/gemeente/gm0363``."""
    return iri.removeprefix(TOOI_GEMEENTE).upper()


def is_special(graph: str) -> bool:
    """Whether an instance graph holds special-category facts (its IRI ends in ``/bijzonder``)."""
    return graph.endswith(SPECIAL_SUFFIX)


def instance_graph_pattern(base: str) -> re.Pattern[str]:
    """Matches the IRIs of instance graphs under ``base`` (group 1: ``gm0363``)."""
    return re.compile(rf"^{re.escape(base.rstrip('/'))}/graph/(gm\d{{4}})/[^/]+(?:{SPECIAL_SUFFIX})?$")


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
            provenance: Iterable[Quad] = (), activity: str | None = None,
            unions: UnionWriter | None = None) -> None:
    """Make ``graphs`` (pairs of ``GM0363`` code and graph IRI) visible, in ONE update of the meta graph.

    The same update retires every graph published before for those municipalities (``inb:published false``),
    inserts ``provenance`` (quads in the meta graph) and swaps the registered union graphs for new ones, written
    just before (``store/unions.py``; ``unions``: the loader already wrote its graphs into them). It is one
    DELETE/INSERT operation, so any SPARQL 1.1 store applies it all or not at all.
    """
    meta = NamedNode(meta_graph(base))
    old_unions = _registrations(store, base)
    codes_in = {code.upper() for code, _ in graphs}
    pattern = instance_graph_pattern(base)
    kept = [g for g in published_graphs(store, base=base, special=True)
            if (m := pattern.match(g)) is None or m.group(1).upper() not in codes_in]
    union_quads = build_unions(store, base=base, union_id=unions.union_id if unions else new_union_id(),
                               members=[*kept, *(g for _, g in graphs), *public_graphs(store, base=base)],
                               written=unions.written if unions else frozenset())
    lines = []
    for code, graph in graphs:
        g = NamedNode(graph)
        lines.append(f"{g} a inb:InstanceGraph ; inb:gemeente {NamedNode(gemeente_iri(code))} ; "
                     "inb:published true .")
        if activity:
            lines.append(f"{g} prov:wasGeneratedBy {NamedNode(activity)} .")
    for quad in (*provenance, *union_quads):
        lines.append(f"{quad.subject} {quad.predicate} {quad.object} .")
    codes = " ".join(str(NamedNode(gemeente_iri(code))) for code in sorted({c for c, _ in graphs}))
    update = _prefixes() + (
        f"DELETE {{ GRAPH {meta} {{ ?old inb:published true .\n{old_unions} }} }}\n"
        f"INSERT {{ GRAPH {meta} {{ ?old inb:published false .\n" + "\n".join(lines) + "\n} }\n"
        f"WHERE {{ OPTIONAL {{ GRAPH {meta} {{ ?old a inb:InstanceGraph ; inb:published true ; inb:gemeente ?gm . "
        f"VALUES ?gm {{ {codes} }} }} }} }}")
    store.update(update)
    store.flush()


def new_union_id() -> str:
    """A fresh id for the union graphs of one publication (``store/unions.py``)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def _registrations(store: Store, base: str) -> str:
    """The meta-graph triples that register the current union graphs, as template text to delete them."""
    unions = sorted(registered_unions(store, base=base).items())
    return "\n".join(f"{NamedNode(u)} a prov:Collection ; prov:hadMember "
                     + ", ".join(str(NamedNode(m)) for m in sorted(members)) + " ." for u, members in unions)


def refresh_unions(store: Store, *, base: str) -> None:
    """Write new union graphs of what is published now, swap their registration in one update and drop the old
    ones: after the public graphs changed (``service/publish.py``). Publishing does this by itself."""
    members = published_graphs(store, base=base, special=True) + public_graphs(store, base=base)
    union_quads = build_unions(store, base=base, union_id=new_union_id(), members=members)
    lines = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in union_quads)
    meta = NamedNode(meta_graph(base))
    old = _registrations(store, base)
    store.update(_prefixes() + (f"DELETE {{ GRAPH {meta} {{\n{old}\n}} }}\n" if old else "")
                 + f"INSERT {{ GRAPH {meta} {{\n{lines}\n}} }} WHERE {{}}")
    store.flush()
    drop_stale_graphs(store, base=base, instance=False)


def public_quads(store: Store, *, base: str) -> list[Quad] | None:
    """The quads of the public graphs, on the embedded store (``None`` elsewhere): for
    :func:`replace_public_in_unions` after the public graphs are replaced."""
    ox = getattr(store, "ox", None)
    if ox is None:
        return None
    return [q for g in public_graphs(store, base=base) for q in ox.quads_for_pattern(None, None, None, NamedNode(g))]


def replace_public_in_unions(store: Store, *, base: str, before: list[Quad] | None) -> None:
    """Bring the registered unions up to date with the public graphs, which were ``before`` and just changed.

    On the embedded store the public triples of each union are changed in place (public data, readable by
    everyone; the public graphs themselves are replaced without a transaction too): a triple that is gone is
    removed unless an instance member holds it, the new ones are added. Elsewhere, or with no union registered
    yet, :func:`refresh_unions` writes new unions (a full copy).
    """
    ox = getattr(store, "ox", None)
    unions = {u: m for u, m in registered_unions(store, base=base).items() if not is_special(u)}
    if ox is None or before is None or not unions:
        refresh_unions(store, base=base)
        return
    public = public_graphs(store, base=base)
    now = [q for g in public for q in ox.quads_for_pattern(None, None, None, NamedNode(g))]
    current = {q.triple for q in now}
    gone = {q.triple for q in before} - current
    meta, lines = NamedNode(meta_graph(base)), []
    for union, members in sorted(unions.items()):
        node, instance = NamedNode(union), members - set(public)
        for t in gone:
            holders = ox.quads_for_pattern(t.subject, t.predicate, t.object)
            if not any(getattr(q.graph_name, "value", None) in instance for q in holders):
                ox.remove(Quad(t.subject, t.predicate, t.object, node))
        ox.bulk_extend(Quad(t.subject, t.predicate, t.object, node) for t in current)
        lines += [f"{node} prov:hadMember {NamedNode(g)} ." for g in public if g not in members]
    if lines:
        store.update(_prefixes() + f"INSERT DATA {{ GRAPH {meta} {{\n" + "\n".join(lines) + "\n} }")
    store.flush()


def stale_graphs(store: Store, *, base: str, instance: bool = True) -> list[str]:
    """Graphs in the store that no reader uses: instance graphs that are not published (superseded by a later
    load, or left by a crash) and union graphs that are not registered; ``instance=False``: union graphs only."""
    live = set(published_graphs(store, base=base, special=True)) if instance else set()
    live.update(registered_unions(store, base=base))
    patterns = [union_graph_pattern(base)] + ([instance_graph_pattern(base)] if instance else [])
    return sorted(g.value for g in store.named_graphs()
                  if any(p.match(g.value) for p in patterns) and g.value not in live)


def drop_stale_graphs(store: Store, *, base: str, instance: bool = True) -> list[str]:
    """Drop the graphs :func:`stale_graphs` finds (a load does this first); returns their IRIs.

    Only one load may run against a store at a time: a second one would drop the first one's unpublished graphs.
    """
    stale = stale_graphs(store, base=base, instance=instance)
    for graph in stale:
        store.drop_graph(graph)
    if stale:
        store.flush()
    return stale


__all__ = ["PUBLIC_GRAPHS", "drop_stale_graphs", "gemeente_code", "instance_graph", "instance_graph_pattern",
           "is_special", "new_union_id", "public_graphs", "public_quads", "publish", "published_graphs",
           "refresh_unions", "replace_public_in_unions", "stale_graphs"]
