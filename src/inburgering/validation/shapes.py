"""The shapes graph and the ontology graph pySHACL needs, read once from ``shapes/`` and ``ontology/``.

rdflib is imported where a graph is made: the fast engine needs only the file lists (``shape_files``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from inburgering.errors import SourceError
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR

if TYPE_CHECKING:
    from rdflib import Graph

#: The IRI that names the shapes graph (it carries the SPARQL prefix declarations of every rule).
SHAPES_GRAPH_IRI = "https://w3id.org/inburgering/shapes"


def _parse_turtle(paths: list[Path]) -> Graph:
    from rdflib import Graph

    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise SourceError(f"cannot parse Turtle: {exc}", file=str(path)) from exc
    return graph


def shape_files(folder: Path | None = None) -> list[Path]:
    """The Turtle files that make up the shapes graph (``shapes/*.ttl``), sorted, for both engines.

    Raises ``SourceError`` when there are none: a validator without shapes would pass everything.
    """
    files = sorted((folder or SHAPES_DIR).glob("*.ttl"))
    if not files:
        raise SourceError("no shapes found (expected *.ttl files; set INBURGERING_HOME to a checkout)",
                          file=str(folder or SHAPES_DIR))
    return files


def ontology_files(folder: Path | None = None) -> list[Path]:
    """The ontology and concept-scheme files (``ontology/**/*.ttl``; not the reference list of municipalities nor
    the sources), sorted, for both engines.

    Raises ``SourceError`` when there are none: without the class hierarchy every ``sh:class`` would fail.
    """
    root = folder or ONTOLOGY_DIR
    files = sorted(p for p in root.rglob("*.ttl") if not {"source", "reference"} & set(p.parts))
    if not files:
        raise SourceError("no ontology found (expected *.ttl files; set INBURGERING_HOME to a checkout)",
                          file=str(root))
    return files


@lru_cache(maxsize=4)
def load_shapes(folder: Path | None = None) -> Graph:
    """The shapes graph: every ``*.ttl`` in ``shapes/`` (cached; do not modify the returned graph)."""
    return _parse_turtle(shape_files(folder))


@lru_cache(maxsize=4)
def load_ontology(folder: Path | None = None) -> Graph:
    """The ontology and concept schemes (``ontology/**/*.ttl``; not the reference list of municipalities), used for
    subclass targets (cached)."""
    return _parse_turtle(ontology_files(folder))


def subclass_triples(ontology: Graph) -> Graph:
    """Only the ``rdfs:subClassOf`` triples of ``ontology``: all pySHACL needs for class targets and ``sh:class``,
    and much smaller to mix into the data than the ontology with its concept schemes."""
    from rdflib import Graph
    from rdflib.namespace import RDFS

    hierarchy = Graph()
    for triple in ontology.triples((None, RDFS.subClassOf, None)):
        hierarchy.add(triple)
    return hierarchy


@lru_cache(maxsize=4)
def class_hierarchy(folder: Path | None = None) -> Graph:
    """The subclass hierarchy of the project's ontology (cached)."""
    return subclass_triples(load_ontology(folder))
