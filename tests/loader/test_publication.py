"""Publication state: one update publishes, previous graphs are retired, stale graphs are dropped."""

from __future__ import annotations

from typing import Any

from pyoxigraph import NamedNode, Quad

from inburgering.namespaces import instance_graph, meta_graph
from inburgering.store.publication import drop_stale_graphs, publish, published_graphs, stale_graphs
from inburgering.store.unions import registered_unions

BASE = "https://data.example.org"


def _fill(store: Any, graph: str) -> None:
    store.extend([Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                       NamedNode("http://example.org/o"), NamedNode(graph))])


def test_unpublished_graphs_are_not_listed_and_publishing_lists_them(store: Any) -> None:
    g = instance_graph(BASE, "GM0363", "L1")
    _fill(store, g)
    assert published_graphs(store, base=BASE) == []
    publish(store, base=BASE, graphs=[("GM0363", g)])
    assert published_graphs(store, base=BASE) == [g]


def test_filters_by_municipality_and_special_category(store: Any) -> None:
    a, a_special = instance_graph(BASE, "GM0363", "L1"), instance_graph(BASE, "GM0363", "L1", special=True)
    b = instance_graph(BASE, "GM0599", "L1")
    publish(store, base=BASE, graphs=[("GM0363", a), ("GM0363", a_special), ("GM0599", b)])
    assert published_graphs(store, base=BASE) == sorted([a, b])
    assert published_graphs(store, base=BASE, special=True) == sorted([a, a_special, b])
    assert published_graphs(store, base=BASE, gemeenten=["gm0599"]) == [b]
    assert published_graphs(store, base=BASE, gemeenten=["GM0363"], special=True) == sorted([a, a_special])
    assert published_graphs(store, base=BASE, gemeenten=[]) == []


def test_a_new_load_retires_only_its_own_municipalities(store: Any) -> None:
    old_a, old_b = instance_graph(BASE, "GM0363", "L1"), instance_graph(BASE, "GM0599", "L1")
    publish(store, base=BASE, graphs=[("GM0363", old_a), ("GM0599", old_b)])
    new_a = instance_graph(BASE, "GM0363", "L2")
    publish(store, base=BASE, graphs=[("GM0363", new_a)])
    assert published_graphs(store, base=BASE) == sorted([new_a, old_b])


def test_publish_is_a_single_update(store: Any) -> None:
    calls: list[str] = []

    class Recording:
        def __getattr__(self, name: str) -> Any:
            return getattr(store, name)

        def update(self, text: str) -> None:
            calls.append(text)
            store.update(text)

    publish(Recording(), base=BASE, graphs=[("GM0363", instance_graph(BASE, "GM0363", "L1")),
                                            ("GM0599", instance_graph(BASE, "GM0599", "L1"))])
    # A remote store copies the union graphs with updates of their own (invisible until registered); the
    # publication itself, with the registration of the unions, is one update: the last one.
    switching = [text for text in calls if meta_graph(BASE) in text]
    assert switching == calls[-1:]
    assert "<http://www.w3.org/ns/prov#Collection>" in switching[0] and "inb:published true" in switching[0]


def test_stale_graphs_are_superseded_and_orphaned_ones_and_get_dropped(store: Any) -> None:
    old, new = instance_graph(BASE, "GM0363", "L1"), instance_graph(BASE, "GM0363", "L2")
    orphan = instance_graph(BASE, "GM0599", "crashed", special=True)
    for g in (old, new, orphan):
        _fill(store, g)
    _fill(store, BASE + "/graph/concepts")
    publish(store, base=BASE, graphs=[("GM0363", old)])
    first_union = set(registered_unions(store, base=BASE))
    publish(store, base=BASE, graphs=[("GM0363", new)])
    live_union = set(registered_unions(store, base=BASE))
    assert len(first_union) == len(live_union) == 1 and first_union != live_union
    assert stale_graphs(store, base=BASE) == sorted([old, orphan, *first_union])
    assert drop_stale_graphs(store, base=BASE) == sorted([old, orphan, *first_union])
    remaining = {g.value for g in store.named_graphs()}
    assert {new, BASE + "/graph/concepts", *live_union} <= remaining
    assert old not in remaining and orphan not in remaining and not first_union & remaining
