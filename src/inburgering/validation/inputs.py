"""Data to validate, from wherever it lives (files, a store, an rdflib graph, pyoxigraph quads), as one rdflib graph.

pySHACL works on rdflib, the rest of the project on pyoxigraph: this module is the one place that converts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, ConjunctiveGraph, Graph, Literal, URIRef
from rdflib.term import Node

from inburgering.errors import SourceError, UsageError
from inburgering.namespaces import XSD, inb, meta_graph

#: File extensions ``inburgering validate`` reads, by pyoxigraph's own mapping.
EXTENSIONS = (".ttl", ".nt", ".nq", ".jsonld", ".rdf", ".trig", ".owl", ".n3")
_XSD_STRING = XSD + "string"


def to_rdflib_term(term: Any) -> Node:
    """One pyoxigraph term as an rdflib term (plain ``xsd:string`` literals stay plain, as rdflib parses them)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))
    raise SourceError(f"unsupported RDF term (RDF-star triple terms are not validated): {term}")


def add_quads(graph: Graph, quads: Iterable[Any]) -> Graph:
    """Add pyoxigraph triples or quads (their graph name is dropped: the union is validated)."""
    add = graph.add
    for q in quads:
        add((to_rdflib_term(q.subject), to_rdflib_term(q.predicate), to_rdflib_term(q.object)))
    return graph


def read_rdf_file(path: Path, graph: Graph | None = None) -> Graph:
    """Parse one RDF file (format from its extension) into ``graph``; bad syntax names file, line and column."""
    graph = graph if graph is not None else Graph()
    ext = path.suffix.lstrip(".").lower()
    fmt = ox.RdfFormat.RDF_XML if ext == "owl" else ox.RdfFormat.from_extension(ext) if ext else None
    if fmt is None:
        raise UsageError(f"{path}: unknown RDF format (use one of {', '.join(EXTENSIONS)})")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        return add_quads(graph, ox.parse(path=str(path), format=fmt))
    except SyntaxError as exc:
        where = f"line {exc.lineno}, column {exc.offset}" if exc.lineno else "syntax error (no position given)"
        reason = str(exc.msg).split(": ", 1)[-1] if exc.msg else "bad syntax"
        raise SourceError(f"{where}: {reason}", file=str(path)) from exc
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot read: {exc}", file=str(path)) from exc


def read_rdf_files(paths: Sequence[Path | str]) -> Graph:
    """Every file into one graph (the union is what the shapes see)."""
    graph = Graph()
    for path in paths:
        read_rdf_file(Path(path), graph)
    return graph


@dataclass(frozen=True)
class PublishedGraph:
    """A published instance graph as the meta graph records it: its IRI, municipality (``GM0363``) and source
    (``inb:bron``: ``duo``, ``ggm``, …; ``None`` for a graph published before sources were recorded)."""

    iri: str
    gemeente: str | None
    source: str | None


def published_instance_graphs(store: Any, base: str, *, source: str | None = None,
                              gemeente: str | None = None) -> list[PublishedGraph]:
    """The instance graphs the meta graph marks as published (``inb:published true``), sorted by IRI; only those of
    ``source`` and of ``gemeente`` (a ``GM0363`` code) when given."""
    query = (f"SELECT ?g ?gm ?bron WHERE {{ GRAPH <{meta_graph(base)}> {{ ?g a <{inb('InstanceGraph')}> ; "
             f"<{inb('published')}> true . OPTIONAL {{ ?g <{inb('gemeente')}> ?gm }} "
             f"OPTIONAL {{ ?g <{inb('bron')}> ?bron }} }} }}")
    found = {}
    for row in store.query(query):
        gm, bron = row["gm"], row["bron"]
        code = gm.value.rstrip("/").rsplit("/", 1)[-1].upper() if gm is not None else None
        found[row["g"].value] = PublishedGraph(row["g"].value, code, bron.value if bron is not None else None)
    wanted = gemeente.upper() if gemeente is not None else None
    return [g for _, g in sorted(found.items())
            if (source is None or g.source == source) and (wanted is None or g.gemeente == wanted)]


def store_graph(store: Any, graphs: Sequence[str]) -> Graph:
    """The union of ``graphs`` in a project store (``inburgering.store.Store``) as one rdflib graph."""
    graph = Graph()
    if graphs:
        triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=list(graphs))
        add_quads(graph, triples)
    return graph


def to_rdflib(data: Any, *, graphs: Sequence[str] | None = None) -> Graph:
    """A fresh rdflib graph holding ``data``: an rdflib graph or dataset, a pyoxigraph ``Store``, a project store,
    pyoxigraph triples/quads, or RDF file paths. ``graphs`` limits a store to those named graphs."""
    if isinstance(data, ConjunctiveGraph):  # also rdflib's Dataset: validate the union of its graphs
        out = Graph()
        for s, p, o, _ in data.quads((None, None, None, None)):
            out.add((s, p, o))
        return out
    if isinstance(data, Graph):
        out = Graph()
        out += data
        return out
    if isinstance(data, (str, Path)):
        return read_rdf_files([data])
    if isinstance(data, ox.Store):
        if graphs is not None:
            return add_quads(Graph(), (q for g in graphs for q in data.quads_for_pattern(None, None, None,
                                                                                        ox.NamedNode(g))))
        return add_quads(Graph(), data)
    if hasattr(data, "ox") and isinstance(data.ox, ox.Store):
        return to_rdflib(data.ox, graphs=graphs)
    if hasattr(data, "query") and graphs is not None:
        return store_graph(data, graphs)
    if isinstance(data, (list, tuple)) and data and all(isinstance(p, (str, Path)) for p in data):
        return read_rdf_files(list(data))
    if isinstance(data, Iterable):
        return add_quads(Graph(), data)
    raise UsageError(f"cannot validate a {type(data).__name__}: pass an rdflib Graph, a store, quads or files")
