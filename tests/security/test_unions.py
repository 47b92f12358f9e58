"""Union graphs (store/unions.py) make queries faster and must never widen what a scope reads.

The deployment of conftest.py registers a union of every municipality's main graphs plus the public graphs, and
one of every ``/bijzonder`` graph. A reader gets a union only when it may read every member; nobody reads a
union by name.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from inburgering.namespaces import VOCAB, meta_graph
from inburgering.security.dataset import allowed_graphs, default_graphs
from inburgering.security.scope import PUBLIC, AccessScope
from inburgering.store import open_store
from inburgering.store.unions import is_union_graph, registered_unions

from .conftest import BASE, SIZES, Deployment
from .test_access import ONTHEFFINGEN, PERSONS, PERSONS_IN_GRAPHS, count

ALL = tuple(SIZES)


#: Remote stores keep no union graphs (store/unions.py): there every reader gets the list, as tests/store/test_unions.py
#: checks; these tests are about who may use the embedded store's unions.
pytestmark = pytest.mark.not_on("oxigraph", "virtuoso")

@pytest.fixture(scope="module")
def client(deployment: Deployment) -> TestClient:
    with deployment.client() as c:
        yield c  # type: ignore[misc]


@pytest.fixture(scope="module")
def unions(deployment: Deployment) -> dict[str, frozenset[str]]:
    store = open_store(str(deployment.store))
    try:
        found = registered_unions(store, base=BASE)
    finally:
        store.close()
    assert len(found) == 2, found  # the fixture's store has both kinds
    return found


def _defaults(deployment: Deployment, scope: AccessScope) -> tuple[str, ...]:
    store = open_store(str(deployment.store))
    try:
        return default_graphs(allowed_graphs(scope, store, base=BASE), store, base=BASE)
    finally:
        store.close()


def test_a_scope_of_every_municipality_reads_one_union_per_kind(deployment: Deployment,
                                                              unions: dict[str, frozenset[str]]) -> None:
    plain = _defaults(deployment, AccessScope(token_id="t", role="analyst", gemeenten=frozenset(ALL)))
    assert len(plain) == 1 and is_union_graph(BASE, plain[0]) and not plain[0].endswith("/bijzonder")
    special = _defaults(deployment, AccessScope(token_id="t", role="analyst", gemeenten=frozenset(ALL),
                                                special_categories=True))
    assert sorted(special) == sorted(unions)


def test_a_smaller_scope_keeps_its_list_and_never_gets_a_union(deployment: Deployment) -> None:
    for scope in (PUBLIC, AccessScope(token_id="t", role="analyst", gemeenten=frozenset({"GM0363", "GM0599"}),
                                      special_categories=True),
                  AccessScope(token_id="t", role="admin", gemeenten=frozenset({"GM0363"}))):
        defaults = _defaults(deployment, scope)
        assert not any(is_union_graph(BASE, g) for g in defaults), scope
        store = open_store(str(deployment.store))
        try:
            assert set(defaults) == set(allowed_graphs(scope, store, base=BASE))
        finally:
            store.close()


def test_the_union_answers_as_the_list_of_its_members(client: TestClient, deployment: Deployment) -> None:
    everything = deployment.token("analyst", *ALL, special=True)
    assert count(client, PERSONS, everything) == sum(SIZES.values())
    assert count(client, ONTHEFFINGEN, everything) == sum(1 for p in deployment.persons if p.special)
    # GRAPH ?g still ranges over the real graphs, never over a union
    assert count(client, PERSONS_IN_GRAPHS, everything) == sum(SIZES.values())
    graphs = client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                        headers={"Accept": "application/sparql-results+json", **everything}).json()
    assert not [b for b in graphs["results"]["bindings"] if is_union_graph(BASE, b["g"]["value"])]
    no_special = deployment.token("analyst", *ALL)
    assert count(client, ONTHEFFINGEN, no_special) == 0
    assert count(client, PERSONS, no_special) == sum(SIZES.values())


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_nobody_reads_a_union_by_name(client: TestClient, deployment: Deployment, role: str,
                                      unions: dict[str, frozenset[str]]) -> None:
    token = deployment.token(role, "GM0363")
    for union in unions:
        assert count(client, f"SELECT (COUNT(*) AS ?n) FROM <{union}> WHERE {{ ?s ?p ?o }}", token) == 0
        assert count(client, f"SELECT (COUNT(*) AS ?n) FROM NAMED <{union}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
                     token) == 0
        assert count(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{union}> {{ ?s ?p ?o }} }}", token) == 0
        assert count(client, PERSONS, token, **{"default-graph-uri": union}) == 0
    assert count(client, PERSONS, token) == SIZES["GM0363"]
    # not even the meta graph, where unions are registered (it names every /bijzonder graph)
    meta = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{meta_graph(BASE)}> {{ ?u <{VOCAB}published> ?x }} }}"
    assert count(client, meta, token) == 0
