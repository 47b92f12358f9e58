"""Which graphs a scope may read: public ones for everyone, published instance graphs only within the scope."""

from __future__ import annotations

import pytest

from inburgering.namespaces import (
    VOCAB,
    gemeente_iri,
    instance_graph,
    is_provenance_graph,
    meta_graph,
    provenance_graph,
    public_graph,
)
from inburgering.security.dataset import allowed_graphs, public_graphs
from inburgering.security.scope import PUBLIC, AccessScope

BASE = "https://data.example.nl"
AMS, AMS_SPECIAL = instance_graph(BASE, "GM0363", "duo", "L2"), instance_graph(BASE, "GM0363", "duo", "L2", special=True)
UTR = instance_graph(BASE, "GM0344", "duo", "L1")
OLD = instance_graph(BASE, "GM0363", "duo", "L1")  # superseded by L2
HALF = instance_graph(BASE, "GM0363", "duo", "L3")  # being written, not published
OTHER = "http://example.org/test-graph"


@pytest.fixture
def published(store):  # type: ignore[no-untyped-def]
    rows = [(AMS, "GM0363", "true"), (AMS_SPECIAL, "GM0363", "true"), (UTR, "GM0344", "true"),
            (OLD, "GM0363", "false")]
    meta = " ".join(f"<{g}> a <{VOCAB}InstanceGraph> ; <{VOCAB}gemeente> <{gemeente_iri(gm)}> ; "
                    f"<{VOCAB}published> {flag} ." for g, gm, flag in rows)
    said = (provenance_graph(BASE), provenance_graph(BASE, "GM0363"), provenance_graph(BASE, "GM0344"))
    data = " ".join(f"GRAPH <{g}> {{ <{g}#s> <{g}#p> 1 }}" for g in (AMS, AMS_SPECIAL, UTR, OLD, HALF, OTHER, *said))
    store.update(f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ {meta} }} {data} }}")
    return store


def test_public_reads_only_public_graphs(published) -> None:  # type: ignore[no-untyped-def]
    assert set(allowed_graphs(PUBLIC, published, base=BASE)) == set(public_graphs(BASE))
    assert public_graph(BASE, "ontology") in public_graphs(BASE)


def test_analyst_reads_published_graphs_of_its_municipalities_only(published) -> None:  # type: ignore[no-untyped-def]
    scope = AccessScope(token_id="t", role="analyst", gemeenten=frozenset({"GM0363"}))
    graphs = set(allowed_graphs(scope, published, base=BASE)) - set(public_graphs(BASE))
    assert graphs == {AMS}


def test_special_categories_need_the_permission(published) -> None:  # type: ignore[no-untyped-def]
    scope = AccessScope(token_id="t", role="analyst", gemeenten=frozenset({"GM0363"}), special_categories=True)
    assert set(allowed_graphs(scope, published, base=BASE)) - set(public_graphs(BASE)) == {AMS, AMS_SPECIAL}


def test_admin_reads_provenance_and_other_graphs_but_not_other_municipalities(published) -> None:  # type: ignore[no-untyped-def]
    scope = AccessScope(token_id="t", role="admin", gemeenten=frozenset({"GM0344"}))
    graphs = set(allowed_graphs(scope, published, base=BASE))
    assert {provenance_graph(BASE), OTHER, UTR} <= graphs
    assert not graphs & {AMS, AMS_SPECIAL, OLD, HALF, meta_graph(BASE)}
    assert not any(is_provenance_graph(BASE, g) and g != provenance_graph(BASE) for g in graphs)
    special = AccessScope(token_id="t", role="admin", gemeenten=frozenset({"GM0344"}), special_categories=True)
    assert set(allowed_graphs(special, published, base=BASE)) - graphs == {provenance_graph(BASE, "GM0344")}


def test_a_token_without_municipalities_reads_no_instance_data(published) -> None:  # type: ignore[no-untyped-def]
    scope = AccessScope(token_id="t", role="analyst")
    assert set(allowed_graphs(scope, published, base=BASE)) == set(public_graphs(BASE))
