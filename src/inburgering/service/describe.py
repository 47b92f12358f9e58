"""The service's own queries: a resource's description (with the labels of what it links to) and small SELECTs.

Both see exactly the caller's graphs: the SELECTs and, on stores other than the embedded one, the description
go through ``sparql.run_query`` on the in-process engine; on an embedded store the description is read from
the store's indexes over the same readable graphs (``lookup.py``).
"""

from __future__ import annotations

import weakref

from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from inburgering.errors import QueryError
from inburgering.security.scope import AccessScope
from inburgering.service.deps import Runtime
from inburgering.service.lookup import DescriptionReader
from inburgering.service.sparql import ProtocolDataset, covers_store, derived, readable_graphs, run_query
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.unions import default_graphs as union_defaults
from inburgering.store.unions import registered_unions

LABELS = "<http://www.w3.org/2000/01/rdf-schema#label>, <http://www.w3.org/2004/02/skos/core#prefLabel>"
#: Inverse links worth showing on a page: scheme membership and the class/property hierarchy.
INVERSE = ("<http://www.w3.org/2004/02/skos/core#inScheme>, <http://www.w3.org/2004/02/skos/core#topConceptOf>, "
           "<http://www.w3.org/2004/02/skos/core#broader>, <http://www.w3.org/2000/01/rdf-schema#subClassOf>, "
           "<http://www.w3.org/2000/01/rdf-schema#subPropertyOf>, <http://www.w3.org/2000/01/rdf-schema#domain>")

# FILTER(... IN ...) rather than VALUES: with VALUES Oxigraph 0.5 starts from all label triples (≈150 ms on the
# demo store); with the filter every branch starts from the resource and stays well under a millisecond.
_DESCRIBE = """CONSTRUCT { %(r)s ?p ?o . ?o ?lp ?ol . ?p ?pp ?pl . ?o ?bp ?bo . ?s ?ip %(r)s . ?s ?sp ?sl }
WHERE {
  { %(r)s ?p ?o }
  UNION { %(r)s ?p ?o . ?o ?lp ?ol . FILTER(?lp IN (%(labels)s)) }
  UNION { %(r)s ?p ?o . ?p ?pp ?pl . FILTER(?pp IN (%(labels)s)) }
  UNION { %(r)s ?p ?o . FILTER(isBlank(?o)) ?o ?bp ?bo }
  UNION { ?s ?ip %(r)s . FILTER(?ip IN (%(inverse)s)) OPTIONAL { ?s ?sp ?sl . FILTER(?sp IN (%(labels)s)) } }
}"""


def iri_term(iri: str) -> str:
    """``<iri>`` for a SPARQL text, validated by pyoxigraph (so no request text can break out of the IRI)."""
    try:
        return str(NamedNode(iri))
    except ValueError as exc:
        raise QueryError(f"not a valid IRI: {iri!r}") from exc


async def _run(runtime: Runtime, scope: AccessScope, query: str, media_type: str,
               max_results: int | None = None, *, named_unions: bool = False) -> bytes:
    settings = runtime.settings
    answer = await run_query(runtime.local_engine, runtime.store, query, scope, ProtocolDataset(),
                             media_type=media_type, base=settings.base_iri, timeout_s=settings.query_timeout_s,
                             max_results=max_results or settings.max_results, named_unions=named_unions)
    if answer.error_kind:
        raise QueryError(answer.error)
    return answer.body


_READERS: weakref.WeakKeyDictionary[EmbeddedStore, DescriptionReader] = weakref.WeakKeyDictionary()


def _reader(store: object) -> DescriptionReader | None:
    if not isinstance(store, EmbeddedStore):
        return None
    store = store.current()  # the pinned publication of a live store: one reader (and label index) for each
    reader = _READERS.get(store)
    if reader is None or reader.ox is not store.ox:
        reader = _READERS[store] = DescriptionReader(store.ox)
    return reader


def warm(store: EmbeddedStore) -> None:
    """Build the label index of ``store`` now (a new publication, before the service switches to it)."""
    reader = _reader(store)
    if reader is not None:
        reader.labels(store.generation)


def _readable_set(runtime: Runtime, store: EmbeddedStore, scope: AccessScope) -> tuple[frozenset[str], bool]:
    """The graphs to look in for the scope, and whether its graphs are every graph of the store (decided before
    any lookup).

    The same triples as the scope's readable graphs in as few graphs as possible: a union graph in place of its
    members when the scope may read every member (``store/unions.py``), as for its SPARQL default graph. Every
    lookup names each of these graphs, so a page cost one seek per graph and lookup: for a token of every
    municipality (about 600 graphs at 130,000 persons) 90 ms on the event loop, where the two unions take a few
    seeks; a union holds only what the scope reads, so the lookups still depend on the scope alone."""
    base = runtime.settings.base_iri
    readable = readable_graphs(store, scope, base=base)

    def lookup_graphs() -> frozenset[str]:
        unions = derived(store, ("unions", base), lambda: registered_unions(store, base=base))
        return frozenset(union_defaults(readable, unions))

    return derived(store, ("lookup-graphs", readable), lookup_graphs), covers_store(store, readable)


def describe_local(runtime: Runtime, scope: AccessScope, iri: str) -> list[Triple] | None:
    """The description read from an embedded store's indexes (``lookup.py``), on the calling thread; ``None``
    for other stores. The same triples as the CONSTRUCT below over the caller's readable graphs, and every
    lookup confined to those graphs."""
    store = runtime.store
    reader = _reader(store)
    if reader is None:
        return None
    assert isinstance(store, EmbeddedStore)
    graphs, every = _readable_set(runtime, store, scope)
    return reader.describe(iri, graphs, generation=store.generation, max_results=runtime.settings.max_results,
                           every_graph=every)


def holds_local(runtime: Runtime, scope: AccessScope, iri: str) -> bool | None:
    """Whether the caller's graphs say anything about ``iri`` (lookups in those graphs only); ``None`` for
    stores other than the embedded one. Lets a page that needs a query answer "not found" without one, at a
    cost that does not depend on whether ``iri`` exists outside the scope."""
    store = runtime.store
    reader = _reader(store)
    if reader is None:
        return None
    assert isinstance(store, EmbeddedStore)
    graphs, every = _readable_set(runtime, store, scope)
    return reader.holds(iri, graphs, every_graph=every)


async def describe(runtime: Runtime, scope: AccessScope, iri: str) -> list[Triple]:
    """The triples about ``iri`` plus labels of linked resources; empty when it is unknown in the scope.

    An embedded store answers from its indexes (a fraction of a millisecond, so on the event loop); other
    stores run the CONSTRUCT query below."""
    local = describe_local(runtime, scope, iri)
    if local is not None:
        return local
    return await describe_sparql(runtime, scope, iri)


async def describe_sparql(runtime: Runtime, scope: AccessScope, iri: str) -> list[Triple]:
    """The description by the CONSTRUCT query (any store)."""
    query = _DESCRIBE % {"r": iri_term(iri), "labels": LABELS, "inverse": INVERSE}
    body = await _run(runtime, scope, query, "application/n-triples")
    return list(parse(body, format=RdfFormat.N_TRIPLES))


async def select(runtime: Runtime, scope: AccessScope, query: str, *, named_unions: bool = False) -> QuerySolutions:
    """Run one of the service's own SELECT queries in ``scope`` (``named_unions``: see ``sparql.run_query``)."""
    body = await _run(runtime, scope, query, "application/sparql-results+json", named_unions=named_unions)
    result = parse_query_results(body, format=QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions)
    return result


async def construct(runtime: Runtime, scope: AccessScope, query: str, *,
                    max_results: int | None = None) -> list[Triple]:
    """Run one of the service's own CONSTRUCT queries in ``scope`` (``max_results`` overrides the cap)."""
    body = await _run(runtime, scope, query, "application/n-triples", max_results)
    return list(parse(body, format=RdfFormat.N_TRIPLES))
