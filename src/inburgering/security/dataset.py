"""The graphs a caller may read; ``service/sparql.py:run_query`` builds every query's dataset from them only.

So ``FROM``, ``FROM NAMED``, ``GRAPH ?g`` and the protocol's ``default-graph-uri``/``named-graph-uri`` can only
choose among them: any other graph (of this deployment outside the scope, or a "remote" IRI) is an empty graph.
Nothing is ever fetched, and whether a graph exists does not show.

>>> public_graphs("http://x")[0]
'http://x/graph/ontology'
"""

from __future__ import annotations

from inburgering.namespaces import (
    instance_graph_prefix,
    is_provenance_graph,
    meta_graph,
    provenance_graph,
    public_graph,
)
from inburgering.security.scope import AccessScope
from inburgering.store.base import Store
from inburgering.store.publication import PUBLIC_GRAPHS, published_graphs
from inburgering.store.unions import default_graphs as _union_defaults
from inburgering.store.unions import is_union_graph, registered_unions


def public_graphs(base: str) -> tuple[str, ...]:
    """The graphs anyone may read: ontology, concept schemes, shapes, dataset metadata."""
    return tuple(public_graph(base, name) for name in PUBLIC_GRAPHS)


def allowed_graphs(scope: AccessScope, store: Store, *, base: str) -> tuple[str, ...]:
    """Every graph ``scope`` may read, sorted.

    Everyone: the public graphs. A token: the published instance graphs of its municipalities, and their
    ``/bijzonder`` graphs only with the special-categories permission. An admin token also reads the provenance
    graph (loads and erasures), with the special-categories permission its municipalities' special provenance
    graphs (what is said about their ``/bijzonder`` graphs), and any graph that is not an instance graph (test
    and reference data); never the meta graph (the store's bookkeeping names every ``/bijzonder`` graph), never
    instance graphs outside its municipalities, never unpublished ones, never a union graph by name (a union is
    only ever the default graph of a reader who may read all its members: :func:`default_graphs`).
    """
    allowed = set(public_graphs(base))
    if scope.role == "admin":
        special = {provenance_graph(base, gm) for gm in scope.gemeenten} if scope.special_categories else set()
        municipal = instance_graph_prefix(base)
        allowed.add(provenance_graph(base))
        for graph in (g.value for g in store.named_graphs()):
            if is_provenance_graph(base, graph):
                if graph in special:  # only those that exist: every graph in a dataset costs every pattern
                    allowed.add(graph)
            elif not (graph.startswith(municipal) or graph == meta_graph(base)
                      or is_union_graph(base, graph)):
                allowed.add(graph)
    if scope.may_read_instance_data:
        allowed.update(published_graphs(store, base=base, gemeenten=sorted(scope.gemeenten),
                                        special=scope.special_categories))
    return tuple(sorted(allowed))


def default_graphs(readable: tuple[str, ...], store: Store, *, base: str) -> tuple[str, ...]:
    """The default graph for a reader of ``readable`` (:func:`allowed_graphs`): the same triples, with the
    registered union graphs whose members are all readable in place of those members (``store/unions.py``),
    except the municipalities' special provenance graphs, which are named graphs only (``GRAPH``, ``FROM``):
    every graph in the default graph costs every triple pattern of every query, and an admin of all
    municipalities with the permission has one such graph per municipality (the cookbook's queries then ran
    past their time limit)."""
    general = provenance_graph(base)
    plain = tuple(g for g in readable if g == general or not is_provenance_graph(base, g))
    return tuple(_union_defaults(plain, registered_unions(store, base=base)))
