"""Resource descriptions read straight from an embedded store's indexes, without a SPARQL query.

``describe.describe`` answers with the same triples as its CONSTRUCT query (``describe._DESCRIBE``) over the
union of the caller's readable graphs: the resource's own triples, the labels of what it links to and of its
predicates, its blank nodes, and the back-links of ``describe.INVERSE`` with their subjects' labels.

**Scope first, then lookups.** Every lookup names one readable graph (``quads_for_pattern(s, p, o, graph)``: a
seek in the store's graph-first index), so what a request costs depends only on the caller's graphs and what is
in them, never on what other graphs hold: a person of another municipality and an IRI that exists nowhere cost
the same work (issue 13, finding 3: a lookup over all graphs, filtered afterwards, took longer when the person
existed elsewhere, and that showed). Only when the readable graphs are every graph of the store is one lookup
over all of them made instead (nothing is then out of scope). Labels and back-links come from an index of all
label and back-link triples per graph, built once per store generation (``EmbeddedStore.generation``; a read-only
store never changes) and consulted only for readable graphs.

Why lookups at all: Oxigraph evaluates a CONSTRUCT over an explicit list of graphs slowly (4.4 ms for one person
over 11 graphs on the 2,000-person benchmark store); these lookups take a fraction of a millisecond for the same
answer (docs/performance.md). Equality with the SPARQL description is tested (tests/service/test_lookup.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, NamedNode, Quad, Triple
from pyoxigraph import Store as OxStore

from inburgering.errors import QueryError

RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_PREF_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
LABEL_PREDICATES = (RDFS_LABEL, SKOS_PREF_LABEL)
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
#: The back-links shown on a page (the same list as ``describe.INVERSE``).
INVERSE_PREDICATES = tuple(NamedNode(iri) for iri in (
    SKOS + "inScheme", SKOS + "topConceptOf", SKOS + "broader", RDFS + "subClassOf", RDFS + "subPropertyOf",
    RDFS + "domain"))
#: Above this many label and back-link triples in the store the index is not built; they are then looked up.
MAX_INDEXED_LABELS = 500_000

Subject = NamedNode | BlankNode


@dataclass
class LabelIndex:
    """Every label triple of the store by graph and subject, and every back-link (``INVERSE_PREDICATES``) by graph
    and object (``None``: too many to index). A page's back-links are then dict lookups instead of six seeks per
    graph (0.07 of 0.37 ms a person's page at 130,000 persons, where no person has a back-link)."""

    by_graph: dict[str, dict[Subject, list[Triple]]] | None = field(default_factory=dict)
    inverse: dict[str, dict[object, list[Triple]]] | None = field(default_factory=dict)

    @classmethod
    def build(cls, ox: OxStore) -> LabelIndex:
        index: dict[str, dict[Subject, list[Triple]]] = {}
        inverse: dict[str, dict[object, list[Triple]]] = {}
        count = 0
        for predicates, by, key in ((LABEL_PREDICATES, index, "subject"), (INVERSE_PREDICATES, inverse, "object")):
            for predicate in predicates:
                for quad in ox.quads_for_pattern(None, predicate, None, None):
                    graph = quad.graph_name
                    if not isinstance(graph, NamedNode):
                        continue  # the default graph is never readable through the service
                    by.setdefault(graph.value, {}).setdefault(getattr(quad, key), []).append(quad.triple)
                    count += 1
                    if count > MAX_INDEXED_LABELS:
                        return cls(None, None)
        return cls(index, inverse)


class DescriptionReader:
    """Descriptions from one ``pyoxigraph.Store``; the label index is rebuilt when ``generation()`` moves."""

    def __init__(self, ox: OxStore) -> None:
        self.ox = ox
        self._index: tuple[int, LabelIndex] | None = None
        self._lock = threading.Lock()

    def labels(self, generation: int) -> LabelIndex:
        current = self._index
        if current is not None and current[0] == generation:
            return current[1]
        with self._lock:
            current = self._index
            if current is None or current[0] != generation:
                current = (generation, LabelIndex.build(self.ox))
                self._index = current
        return current[1]

    def _graphs(self, readable: frozenset[str], every_graph: bool) -> list[NamedNode | None]:
        """The graphs to look in: each readable one, or ``[None]`` (all at once) when they are every graph."""
        return [None] if every_graph else [NamedNode(g) for g in sorted(readable)]

    def holds(self, iri: str, readable: frozenset[str], *, every_graph: bool = False) -> bool:
        """Whether a readable graph has a triple about ``iri`` (lookups in those graphs only, as above)."""
        try:
            resource = NamedNode(iri)
        except ValueError:
            return False
        return any(next(iter(self.ox.quads_for_pattern(resource, None, None, graph)), None) is not None
                   for graph in self._graphs(readable, every_graph))

    def describe(self, iri: str, readable: frozenset[str], *, generation: int, max_results: int,
                 every_graph: bool = False) -> list[Triple]:
        """The description of ``iri`` in the union of the ``readable`` graphs, own triples first.

        ``every_graph``: the readable graphs are all the store's named graphs (and its default graph is empty).
        Raises ``QueryError`` past ``max_results`` triples, like the SPARQL path's result cap.
        """
        try:
            resource = NamedNode(iri)
        except ValueError as exc:
            raise QueryError(f"not a valid IRI: {iri!r}") from exc
        graphs = self._graphs(readable, every_graph)
        labels = self.labels(generation)
        ordered = sorted(readable)
        label_maps = None if labels.by_graph is None else [labels.by_graph[g] for g in ordered if g in labels.by_graph]
        inverse_maps = None if labels.inverse is None else [labels.inverse[g] for g in ordered if g in labels.inverse]
        out: dict[Triple, None] = {}

        def add(triple: Triple) -> None:
            if triple not in out:
                out[triple] = None
                if len(out) > max_results:
                    raise QueryError(f"the description has more than {max_results} triples")

        def matches(subject: Subject | None, predicate: NamedNode | None, obj: object) -> Iterator[Quad]:
            for graph in graphs:
                for quad in self.ox.quads_for_pattern(subject, predicate, obj, graph):  # type: ignore[arg-type]
                    if isinstance(quad.graph_name, NamedNode):  # never the default graph
                        yield quad

        def add_labels(node: Subject) -> None:
            if label_maps is not None:
                for by_subject in label_maps:
                    for triple in by_subject.get(node, ()):
                        add(triple)
            else:
                for predicate in LABEL_PREDICATES:
                    for quad in matches(node, predicate, None):
                        add(quad.triple)

        own = [quad.triple for quad in matches(resource, None, None)]
        for triple in own:
            add(triple)
        seen: set[object] = set()
        for triple in own:
            obj = triple.object
            if isinstance(obj, (NamedNode, BlankNode)) and obj not in seen:
                seen.add(obj)
                add_labels(obj)
                if isinstance(obj, BlankNode):
                    for quad in matches(obj, None, None):
                        add(quad.triple)
        for predicate in {triple.predicate for triple in own}:
            add_labels(predicate)
        if inverse_maps is not None:
            for by_object in inverse_maps:
                for triple in by_object.get(resource, ()):
                    add(triple)
                    add_labels(triple.subject)  # type: ignore[arg-type]
        else:
            for predicate in INVERSE_PREDICATES:
                for quad in matches(None, predicate, resource):
                    add(quad.triple)
                    add_labels(quad.subject)  # type: ignore[arg-type]
        return _grouped(list(out), resource)


def _grouped(triples: list[Triple], resource: NamedNode) -> list[Triple]:
    """The resource's own triples first, then the others by subject (so Turtle groups them)."""
    order: dict[object, int] = {resource: -1}
    for triple in triples:
        order.setdefault(triple.subject, len(order))
    return sorted(triples, key=lambda t: order[t.subject])
