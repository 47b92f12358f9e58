"""The graphs a caller may read; ``service/sparql.py:run_query`` builds every query's dataset from them only.

So ``FROM``, ``FROM NAMED``, ``GRAPH ?g`` and the protocol's ``default-graph-uri``/``named-graph-uri`` can only
choose among them: any other graph (of this deployment outside the scope, or a "remote" IRI) is an empty graph.
Nothing is ever fetched, and whether a graph exists does not show.

>>> public_graphs("http://x")[0]
'http://x/graph/ontology'
"""

from __future__ import annotations

import re

from pyoxigraph import NamedNode, QuerySolutions

from inburgering.namespaces import TOOI_GEMEENTE, VOCAB, meta_graph, public_graph
from inburgering.security.scope import AccessScope
from inburgering.store.base import Store

PUBLIC_GRAPH_NAMES = ("ontology", "concepts", "shapes", "dataset")
SPECIAL_SUFFIX = "/bijzonder"


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

