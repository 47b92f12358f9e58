"""Publish the public graphs: the ontology, the concept schemes (with the municipalities), the shapes, the metadata.

``inburgering model publish`` and ``inburgering demo`` use it, and every load refreshes the dataset metadata
through :func:`refresh_dataset`. A graph is replaced only when its content differs, in a publication of its own.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode, Quad, QuerySolutions, RdfFormat, parse

from inburgering.errors import SourceError
from inburgering.namespaces import SKOS, public_graph
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR
from inburgering.service.metadata import dataset_description
from inburgering.store.base import Store
from inburgering.store.publication import public_graphs, publish_public, replace_public_graph

#: The folder of ``ontology/`` whose Turtle files are reference data (the municipalities), not the ontology.
REFERENCE_FOLDER = "reference"
_SCHEME = NamedNode(SKOS + "ConceptScheme")
_CONCEPT = NamedNode(SKOS + "Concept")


@dataclass
class PublicGraphsReport:
    """Triples written per public graph, and the files each came from."""

    triples: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    #: The graphs whose content changed, and the publication that made them visible (``None``: nothing changed).
    changed: list[str] = field(default_factory=list)
    publication: str | None = None


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


def model_quads(*, ontology_dir: Path = ONTOLOGY_DIR, shapes_dir: Path = SHAPES_DIR
                ) -> dict[str, tuple[list[Path], list[Quad]]]:
    """The model's public graphs (``ontology``, ``concepts``, ``shapes``) as files and quads, from the repository."""
    return {name: ([p for p, _ in files], [q for _, qs in files for q in qs])
            for name, files in _sources(ontology_dir, shapes_dir).items()}


def dataset_quads(store: Store, *, base: str, modified: datetime) -> list[Quad]:
    """The dataset metadata as it is now: VoID counts of the public graphs in ``store``, modified at ``modified``."""
    counts = {}
    for name in ("ontology", "concepts", "shapes"):
        graph = NamedNode(public_graph(base, name))
        result = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        assert isinstance(result, QuerySolutions)
        counts[graph.value] = int(next(iter(result))["n"].value)
    triples = dataset_description(base=base, counts=counts, modified=modified)
    counts[public_graph(base, "dataset")] = len(triples)
    dataset = NamedNode(public_graph(base, "dataset"))
    return [Quad(t.subject, t.predicate, t.object, dataset)
            for t in dataset_description(base=base, counts=counts, modified=modified)]


def refresh_dataset(store: Store, now: datetime, *, base: str, published: AbstractSet[str] | None = None
                    ) -> list[str]:
    """Replace the dataset metadata for a publication at ``now`` (``publication.publish(refresh=…)``, which gives
    the graphs ``published`` before it); nothing when the model was never published (no public graphs to
    describe)."""
    if not public_graphs(store, base=base):
        return []
    graph = public_graph(base, "dataset")
    changed = replace_public_graph(store, base=base, graph=graph, quads=dataset_quads(store, base=base, modified=now),
                                   published=published)
    return [graph] if changed else []


def load_public_graphs(store: Store, *, base: str, ontology_dir: Path = ONTOLOGY_DIR,
                       shapes_dir: Path = SHAPES_DIR, force: bool = False) -> PublicGraphsReport:
    """Publish the four public graphs of ``base`` in ``store`` (``inburgering model publish``): each model graph
    is replaced when its content differs (a file with SKOS concepts, or under ``ontology/reference``, goes to
    ``concepts``), then the dataset metadata, in one new publication. Idempotent: when nothing differs
    (``force`` aside) nothing is written and no publication is made."""
    report = PublicGraphsReport()
    changed = []
    for name, (files, quads) in model_quads(ontology_dir=ontology_dir, shapes_dir=shapes_dir).items():
        graph = public_graph(base, name)
        if replace_public_graph(store, base=base, graph=graph, quads=quads):
            changed.append(graph)
        report.triples[graph] = len({q.triple for q in quads})
        report.files[graph] = [str(p) for p in files]
    dataset = public_graph(base, "dataset")
    if changed or force or dataset not in public_graphs(store, base=base):
        now = datetime.now(UTC)
        replace_public_graph(store, base=base, graph=dataset, quads=dataset_quads(store, base=base, modified=now))
        report.publication = publish_public(store, base=base, changed=[*changed, dataset]).id
        changed.append(dataset)
    report.changed = changed
    report.triples[dataset] = len(_graph_triples(store, dataset))
    return report


def _graph_triples(store: Store, graph: str) -> list[object]:
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {NamedNode(graph)} {{ ?s ?p ?o }} }}")
    assert isinstance(result, QuerySolutions)
    return list(result)
