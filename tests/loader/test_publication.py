"""Publication state: one update publishes, previous graphs are retired, stale graphs are dropped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pyoxigraph import NamedNode, Quad

from inburgering.namespaces import (
    PROV,
    RDF,
    VOCAB,
    gemeente_iri,
    instance_graph,
    meta_graph,
    provenance_graph,
)
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.publication import (
    current_publication,
    drop_stale_graphs,
    publish,
    published_graphs,
    published_records,
    stale_graphs,
)
from inburgering.store.unions import registered_unions, union_graph

BASE = "https://data.example.org"


def _fill(store: Any, graph: str) -> None:
    store.extend([Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                       NamedNode("http://example.org/o"), NamedNode(graph))])


def test_unpublished_graphs_are_not_listed_and_publishing_lists_them(store: Any) -> None:
    g = instance_graph(BASE, "GM0363", "duo", "L1")
    _fill(store, g)
    assert published_graphs(store, base=BASE) == []
    publish(store, base=BASE, graphs=[("GM0363", g)])
    assert published_graphs(store, base=BASE) == [g]


def test_filters_by_municipality_and_special_category(store: Any) -> None:
    a, a_special = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0363", "duo", "L1", special=True)
    b = instance_graph(BASE, "GM0599", "duo", "L1")
    publish(store, base=BASE, graphs=[("GM0363", a), ("GM0363", a_special), ("GM0599", b)])
    assert published_graphs(store, base=BASE) == sorted([a, b])
    assert published_graphs(store, base=BASE, special=True) == sorted([a, a_special, b])
    assert published_graphs(store, base=BASE, gemeenten=["gm0599"]) == [b]
    assert published_graphs(store, base=BASE, gemeenten=["GM0363"], special=True) == sorted([a, a_special])
    assert published_graphs(store, base=BASE, gemeenten=[]) == []


def test_a_new_load_retires_only_its_own_municipalities(store: Any) -> None:
    old_a, old_b = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0599", "duo", "L1")
    publish(store, base=BASE, graphs=[("GM0363", old_a), ("GM0599", old_b)])
    new_a = instance_graph(BASE, "GM0363", "duo", "L2")
    publish(store, base=BASE, graphs=[("GM0363", new_a)])
    assert published_graphs(store, base=BASE) == sorted([new_a, old_b])


def test_publish_is_a_single_update(store: Any) -> None:
    calls: list[str] = []

    class Recording:  # not an EmbeddedStore: the remote path, where the meta update is the whole publication
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def update(self, text: str) -> None:
            calls.append(text)
            store.update(text)

    first = publish(Recording(), base=BASE, graphs=[("GM0363", instance_graph(BASE, "GM0363", "duo", "L1")),
                                                    ("GM0599", instance_graph(BASE, "GM0599", "duo", "L1"))])
    assert len(calls) == 1 and "inb:published true" in calls[0] and first.id in calls[0]
    assert current_publication(store, base=BASE) == first.id


def test_a_load_retires_only_the_same_municipality_and_source(store: Any) -> None:
    duo1, ggm1 = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0363", "ggm", "L1")
    other = instance_graph(BASE, "GM0599", "duo", "L1")
    for g in (duo1, ggm1, other):
        _fill(store, g)
    publish(store, base=BASE, graphs=[("GM0363", duo1), ("GM0363", ggm1), ("GM0599", other)])
    duo2 = instance_graph(BASE, "GM0363", "duo", "L2")
    _fill(store, duo2)
    done = publish(store, base=BASE, graphs=[("GM0363", duo2)])
    assert done.retired == [duo1]
    assert published_graphs(store, base=BASE) == sorted([duo2, ggm1, other])
    assert published_graphs(store, base=BASE, sources=["ggm"]) == [ggm1]
    records = {r.graph: (r.gemeente, r.source) for r in published_records(store, base=BASE)}
    assert records == {duo2: ("GM0363", "duo"), ggm1: ("GM0363", "ggm"), other: ("GM0599", "duo")}


def test_graphs_of_an_earlier_version_without_a_source_are_retired_by_any_source(store: Any) -> None:
    legacy = f"{BASE}/graph/gm0363/20261101T000000Z-abcdef"
    _fill(store, legacy)
    store.update(f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ <{legacy}> a <{VOCAB}InstanceGraph> ; "
                 f"<{VOCAB}gemeente> <{gemeente_iri('GM0363')}> ; <{VOCAB}published> true }} }}")
    new = instance_graph(BASE, "GM0363", "ggm", "L2")
    _fill(store, new)
    assert publish(store, base=BASE, graphs=[("GM0363", new)]).retired == [legacy]
    assert published_graphs(store, base=BASE) == [new]


def test_retired_and_orphaned_graphs_are_dropped(store: Any) -> None:
    old, new = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0363", "duo", "L2")
    orphan = instance_graph(BASE, "GM0599", "duo", "crashed", special=True)
    for g in (old, new, orphan):
        _fill(store, g)
    _fill(store, BASE + "/graph/concepts")
    publish(store, base=BASE, graphs=[("GM0363", old)])
    publish(store, base=BASE, graphs=[("GM0363", new)])
    # Readers of the embedded store answer from checkpoints, so a retired graph goes at once; a remote store
    # keeps it for readers still at work (RETIRED_GRACE), then a later load or `store gc` drops it.
    names = {g.value for g in store.named_graphs()}
    assert {orphan, new} <= names  # a crashed load's graphs go when the next load starts (drop_stale_graphs)
    if isinstance(store, EmbeddedStore):
        assert old not in names and stale_graphs(store, base=BASE) == [orphan]
    else:
        assert old in names and stale_graphs(store, base=BASE) == [orphan]  # old: still in its grace period
        assert stale_graphs(store, base=BASE, grace=timedelta(0)) == sorted([old, orphan])
    assert drop_stale_graphs(store, base=BASE, grace=timedelta(0)) == sorted({orphan, old} & names)
    remaining = {g.value for g in store.named_graphs()}
    assert {new, BASE + "/graph/concepts"} <= remaining and not {old, orphan} & remaining


def test_embedded_unions_are_maintained_in_place(store: Any) -> None:
    if not isinstance(store, EmbeddedStore):
        assert registered_unions(store, base=BASE) == {}
        return
    a1, b1 = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0363", "ggm", "L1")
    shared = Quad(NamedNode("http://example.org/p1"), NamedNode(RDF + "type"), NamedNode("http://example.org/C"))
    store.extend([Quad(shared.subject, shared.predicate, shared.object, NamedNode(g)) for g in (a1, b1)])
    _fill(store, a1)
    publish(store, base=BASE, graphs=[("GM0363", a1), ("GM0363", b1)])
    a2 = instance_graph(BASE, "GM0363", "duo", "L2")
    store.extend([Quad(NamedNode("http://example.org/p2"), NamedNode(RDF + "type"), NamedNode("http://example.org/C"),
                       NamedNode(a2))])
    publish(store, base=BASE, graphs=[("GM0363", a2)])
    union = NamedNode(union_graph(BASE))
    held = {q.triple for q in store.ox.quads_for_pattern(None, None, None, union)}
    expected = {q.triple for g in (a2, b1) for q in store.ox.quads_for_pattern(None, None, None, NamedNode(g))}
    assert held == expected and shared.triple in held  # b1 still holds the shared triple; a1's own one went
    assert registered_unions(store, base=BASE) == {union.value: frozenset([a2, b1])}


def test_records_carry_their_load_end_from_either_graph_and_filter_by_municipality(store: Any) -> None:
    """The end of a graph's load is read from the provenance graph, or from the meta graph (where loads before
    2026-12 wrote it); a graph without a load has none; ``gemeenten`` keeps those municipalities' graphs only."""
    new, old = instance_graph(BASE, "GM0363", "duo", "L1"), instance_graph(BASE, "GM0599", "duo", "L0")
    bare = instance_graph(BASE, "GM0599", "ggm", "L1")
    publish(store, base=BASE, graphs=[("GM0363", new), ("GM0599", old), ("GM0599", bare)])
    ended = f"<{PROV}endedAtTime>"
    when = "^^<http://www.w3.org/2001/XMLSchema#dateTime>"
    store.update(f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ <{new}> <{PROV}wasGeneratedBy> <urn:load:1> . "
                 f"<{old}> <{PROV}wasGeneratedBy> <urn:load:0> . <urn:load:0> {ended} \"2026-11-01T00:00:00Z\"{when} }} "
                 f"GRAPH <{provenance_graph(BASE)}> {{ <urn:load:1> {ended} \"2026-12-01T00:00:00Z\"{when} }} }}")
    records = {r.graph: (r.gemeente, r.source, r.loaded) for r in published_records(store, base=BASE)}
    assert records == {new: ("GM0363", "duo", "2026-12-01T00:00:00Z"), old: ("GM0599", "duo", "2026-11-01T00:00:00Z"),
                       bare: ("GM0599", "ggm", None)}
    assert [r.graph for r in published_records(store, base=BASE, gemeenten=["GM0599"])] == sorted([old, bare])
    assert published_records(store, base=BASE, gemeenten=["GM0001"]) == []
