"""Load the public graphs: the ontology, the concept schemes (with the municipalities), the shapes, the metadata.

Used by ``inburgering demo`` and by the tests, so both serve the same graphs. Each graph is replaced whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from inburgering.errors import SourceError
from inburgering.namespaces import SKOS, public_graph
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR
from inburgering.service.metadata import dataset_description
from inburgering.store.base import Store
from inburgering.store.publication import public_quads, replace_public_in_unions

#: The folder of ``ontology/`` whose Turtle files are reference data (the municipalities), not the ontology.
REFERENCE_FOLDER = "reference"
_SCHEME = NamedNode(SKOS + "ConceptScheme")
_CONCEPT = NamedNode(SKOS + "Concept")


@dataclass
class PublicGraphsReport:
    """Triples written per public graph, and the files each came from."""

    triples: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)


def _read(path: Path) -> list[Quad]:
    try:
        with path.open("rb") as f:
            return [Quad(t.subject, t.predicate, t.object) for t in parse(f, format=RdfFormat.TURTLE,
                                                                           base_iri=None)]
    except (SyntaxError, ValueError, OSError) as exc:
        raise SourceError(f"cannot read Turtle: {exc}", file=str(path)) from exc


def _is_concepts(quads: list[Quad]) -> bool:
    return any(q.object in (_SCHEME, _CONCEPT) and q.predicate.value.endswith("#type") for q in quads)


def _sources(ontology_dir: Path, shapes_dir: Path) -> dict[str, list[tuple[Path, list[Quad]]]]:
    out: dict[str, list[tuple[Path, list[Quad]]]] = {"ontology": [], "concepts": [], "shapes": []}
    for path in sorted(ontology_dir.rglob("*.ttl")):
        quads = _read(path)
        # Reference lists (ontology/reference: the municipalities) are value lists, published beside the schemes.
        listed = _is_concepts(quads) or REFERENCE_FOLDER in path.relative_to(ontology_dir).parts
        out["concepts" if listed else "ontology"].append((path, quads))
    for path in sorted(shapes_dir.rglob("*.ttl")):
        out["shapes"].append((path, _read(path)))
    return out


def load_public_graphs(store: Store, *, base: str, ontology_dir: Path = ONTOLOGY_DIR,
                       shapes_dir: Path = SHAPES_DIR) -> PublicGraphsReport:
    """Replace the four public graphs of ``base`` in ``store``; a file with SKOS concepts, or under
    ``ontology/reference``, goes to ``concepts``."""
    report = PublicGraphsReport()
    before = public_quads(store, base=base)
    for name, files in _sources(ontology_dir, shapes_dir).items():
        graph = NamedNode(public_graph(base, name))
        store.drop_graph(graph.value)
        quads = [Quad(q.subject, q.predicate, q.object, graph) for _, qs in files for q in qs]
        store.extend(quads)
        report.triples[graph.value] = len(set(quads))
        report.files[graph.value] = [str(p) for p, _ in files]
    dataset = NamedNode(public_graph(base, "dataset"))
    store.drop_graph(dataset.value)
    triples = dataset_description(base=base, counts=report.triples)
    store.extend(Quad(t.subject, t.predicate, t.object, dataset) for t in triples)
    report.triples[dataset.value] = len(triples)
    store.flush()
    replace_public_in_unions(store, base=base, before=before)  # the union graphs hold the public graphs too
    return report
