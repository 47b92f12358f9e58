"""Batches of a bulk write to a remote store: bounded in size, and a blank-node structure is never split."""

from __future__ import annotations

from pyoxigraph import BlankNode, RdfFormat, parse

from inburgering.store.remote_write import batches, in_graph

TURTLE = b"""@prefix ex: <http://ex.org/> .
ex:a ex:list ( 1 2 3 ) .
ex:b ex:shape [ ex:path ex:p ; ex:node [ ex:min 2 ] ] .
ex:c ex:shape [ ex:path ex:q ] .
""" + b"\n".join(b"ex:s%d ex:p %d ." % (i, i) for i in range(7))


def test_plain_triples_are_cut_to_size_and_blank_node_groups_stay_whole() -> None:
    out = list(batches(in_graph(parse(TURTLE, format=RdfFormat.TURTLE), "http://ex.org/g"), size=3))
    plain = [b for b in out if not b.blank_nodes]
    linked = [b for b in out if b.blank_nodes]
    assert [len(b.triples) for b in plain] == [3, 3, 1]
    assert sorted(len(b.triples) for b in linked) == [2, 4, 7]  # c's shape (2), b's shape (4), a's list (7)
    for batch in linked:  # every blank node of a batch is used only in that batch
        labels = {n.value for t in batch.triples for n in (t.subject, t.object) if isinstance(n, BlankNode)}
        others = {n.value for b in linked if b is not batch for t in b.triples for n in (t.subject, t.object)
                  if isinstance(n, BlankNode)}
        assert not labels & others
    assert {b.graph for b in out} == {"http://ex.org/g"}


def test_insert_update_uses_insert_where_for_blank_nodes() -> None:
    out = list(batches(in_graph(parse(TURTLE, format=RdfFormat.TURTLE), None), size=100))
    texts = {b.blank_nodes: b.insert_update() for b in out}
    assert texts[False].startswith("INSERT DATA {") and "GRAPH" not in texts[False]
    assert texts[True].startswith("INSERT {") and texts[True].rstrip().endswith("WHERE {}")
