"""The graphs a caller may read; ``service/sparql.py:run_query`` builds every query's dataset from them only.

So ``FROM``, ``FROM NAMED``, ``GRAPH ?g`` and the protocol's ``default-graph-uri``/``named-graph-uri`` can only
choose among them: any other graph (of this deployment outside the scope, or a "remote" IRI) is an empty graph.
Nothing is ever fetched, and whether a graph exists does not show.

>>> public_graphs("http://x")[0]
'http://x/graph/ontology'
"""

from __future__ import annotations

from inburgering.namespaces import instance_graph_prefix, meta_graph, public_graph
from inburgering.security.scope import AccessScope
from inburgering.store.base import Store
from inburgering.store.publication import published_graphs
from inburgering.store.unions import is_union_graph, registered_unions
from inburgering.store.unions import default_graphs as _union_defaults

PUBLIC_GRAPH_NAMES = ("ontology", "concepts", "shapes", "dataset")


def public_graphs(base: str) -> tuple[str, ...]:
    """The graphs anyone may read: ontology, concept schemes, shapes, dataset metadata."""
    return tuple(public_graph(base, name) for name in PUBLIC_GRAPH_NAMES)


def allowed_graphs(scope: AccessScope, store: Store, *, base: str) -> tuple[str, ...]:
    """Every graph ``scope`` may read, sorted.

    Everyone: the public graphs. A token: the published instance graphs of its municipalities, and their
    ``/bijzonder`` graphs only with the special-categories permission. An admin token also reads the meta graph
    and any graph that is not an instance graph (test and reference data); never instance graphs outside its
    municipalities, never unpublished ones, never a union graph by name (a union is only ever the default graph
    of a reader who may read all its members: :func:`default_graphs`).
    """
    allowed = set(public_graphs(base))
    if scope.role == "admin":
        municipal = instance_graph_prefix(base)
        allowed.add(meta_graph(base))
        allowed.update(g.value for g in store.named_graphs()
                       if not g.value.startswith(municipal) and not is_union_graph(base, g.value))
    if scope.may_read_instance_data:
        allowed.update(published_graphs(store, base=base, gemeenten=sorted(scope.gemeenten),
                                        special=scope.special_categories))
    return tuple(sorted(allowed))


def default_graphs(readable: tuple[str, ...], store: Store, *, base: str) -> tuple[str, ...]:
    """The default graph for a reader of ``readable`` (:func:`allowed_graphs`): the same triples, with the
    registered union graphs whose members are all readable in place of those members (``store/unions.py``)."""
    return tuple(_union_defaults(readable, registered_unions(store, base=base)))
