"""The graphs a caller may read, and the refusal of graphs that are not part of this dataset at all.

``service/sparql.py:run_query`` builds every query's dataset from :func:`allowed_graphs` only, so ``FROM``,
``FROM NAMED``, ``GRAPH ?g`` and the protocol's ``default-graph-uri``/``named-graph-uri`` can only choose among
them. A graph of this deployment outside the scope simply looks empty (its existence does not leak); an IRI
that is not a graph of this deployment at all (a "remote FROM") is refused.

>>> refuse_remote(["http://x/graph/gm0363/L1"], allowed=(), base="http://x")
>>> refuse_remote(["http://evil.example/data.ttl"], allowed=(), base="http://x")
Traceback (most recent call last):
...
inburgering.security.dataset.RemoteGraphRefused: <http://evil.example/data.ttl> is not a graph of this dataset: remote graphs are never fetched
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import NamedNode, QuerySolutions

from inburgering.errors import QueryError
from inburgering.namespaces import TOOI_GEMEENTE, VOCAB, meta_graph, public_graph
from inburgering.security.scope import AccessScope
from inburgering.store.base import Store

PUBLIC_GRAPH_NAMES = ("ontology", "concepts", "shapes", "dataset")
SPECIAL_SUFFIX = "/bijzonder"


class RemoteGraphRefused(QueryError):
    """A query or request names a graph outside this deployment (the service never fetches documents)."""


def public_graphs(base: str) -> tuple[str, ...]:
    """The graphs anyone may read: ontology, concept schemes, shapes, dataset metadata."""
    return tuple(public_graph(base, name) for name in PUBLIC_GRAPH_NAMES)


def _instance_pattern(base: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(base.rstrip('/'))}/graph/gm\d{{4}}/")


def published_instance_graphs(store: Store, *, base: str) -> dict[str, str]:
    """Every published instance graph (special-category ones included) with its municipality (``GM0363``)."""
    query = (f"SELECT ?g ?gemeente WHERE {{ GRAPH {NamedNode(meta_graph(base))} {{ ?g a <{VOCAB}InstanceGraph> ; "
             f"<{VOCAB}gemeente> ?gemeente ; <{VOCAB}published> true }} }}")
    result = store.query(query)
    graphs: dict[str, str] = {}
    if isinstance(result, QuerySolutions):
        for row in result:
            graph, gemeente = row["g"], row["gemeente"]
            if isinstance(graph, NamedNode) and isinstance(gemeente, NamedNode):
                graphs[graph.value] = gemeente.value.removeprefix(TOOI_GEMEENTE).upper()
    return graphs


def allowed_graphs(scope: AccessScope, store: Store, *, base: str) -> tuple[str, ...]:
    """Every graph ``scope`` may read, sorted.

    Everyone: the public graphs. A token: the published instance graphs of its municipalities, and their
    ``/bijzonder`` graphs only with the special-categories permission. An admin token also reads the meta graph
    and any graph that is not an instance graph (test and reference data); never instance graphs outside its
    municipalities, never unpublished ones.
    """
    allowed = set(public_graphs(base))
    if scope.role == "admin":
        instance = _instance_pattern(base)
        allowed.add(meta_graph(base))
        allowed.update(g.value for g in store.named_graphs() if not instance.match(g.value))
    if scope.may_read_instance_data:
        for graph, gemeente in published_instance_graphs(store, base=base).items():
            special = graph.endswith(SPECIAL_SUFFIX)
            if scope.covers(gemeente) and (scope.special_categories or not special):
                allowed.add(graph)
    return tuple(sorted(allowed))


def refuse_remote(requested: Iterable[str], *, allowed: Iterable[str], base: str) -> None:
    """Refuse a requested graph that is neither readable nor a graph name of this deployment."""
    readable = set(allowed)
    own = base.rstrip("/") + "/graph/"
    for graph in requested:
        if graph not in readable and not graph.startswith(own):
            raise RemoteGraphRefused(f"<{graph}> is not a graph of this dataset: remote graphs are never fetched")
