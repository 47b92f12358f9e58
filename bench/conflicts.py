"""``python -m bench.conflicts``: how long the cross-source conflict checks take on a store with two sources.

Generates ``--persons`` persons as a DUO bundle and as a GGM database (one seed, so the same persons), maps both
(``inburgering map``), writes them side by side into an embedded store on disk as the publication contract says
(``{base}/graph/{gm}/{source}/{loadId}``, ``inb:bron`` in the meta graph) plus one union graph holding a copy
of everything (as the published unions do), moves ``--planted`` persons to another municipality in the GGM
graphs, and times each check of ``validation/conflicts.py`` (fastest of ``--runs``; the other runs measure the
neighbours on a shared machine). It checks that exactly the planted persons are found.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, VOCAB, gemeente_iri, meta_graph
from inburgering.store import EmbeddedStore
from inburgering.validation.conflicts import CHECKS, find_conflicts

KEY = "bench-conflicts-key-not-a-secret"


def build(folder: Path, persons: int, planted: int) -> tuple[EmbeddedStore, int, set[str]]:
    """The store with both sources; returns it, its number of quads and the planted persons."""
    key = folder / "key"
    key.write_text(KEY)
    quads: list[Quad] = []
    records = []
    for source, fmt, name in (("duo", "duo", "duo.jsonl"), ("ggm", "ggm-sqlite", "ggm.sqlite")):
        assert main(["generate", "--persons", str(persons), "--seed", "7", "--format", fmt,
                     "--out", str(folder / name)]) == 0
        assert main(["map", "--key-file", str(key), "--out", str(folder / f"{source}.nq"), str(folder / name)]) == 0
        graphs: dict[str, str] = {}
        for q in parse(path=str(folder / f"{source}.nq"), format=RdfFormat.N_QUADS):
            assert isinstance(q.graph_name, NamedNode)  # map writes every quad into a named graph
            old = q.graph_name.value
            head, tail = old.split("/graph/", 1)
            gm, rest = tail.split("/", 1)
            graphs.setdefault(old, f"{head}/graph/{gm}/{source}/{rest}")
            quads.append(Quad(q.subject, q.predicate, q.object, NamedNode(graphs[old])))
        records += [f"<{g}> a <{VOCAB}InstanceGraph> ; <{VOCAB}gemeente> <{gemeente_iri(g.split('/graph/')[1][:6].upper())}> ; "
                    f"<{VOCAB}bron> \"{source}\" ; <{VOCAB}published> true ." for g in graphs.values()]
    union = NamedNode(f"{DEFAULT_BASE}/graph/union/bench")
    store = EmbeddedStore(str(folder / "store"))
    store.extend(quads)
    store.extend(Quad(q.subject, q.predicate, q.object, union) for q in quads)
    store.update(f"INSERT DATA {{ GRAPH <{meta_graph(DEFAULT_BASE)}> {{ {' '.join(records)} }} }}")
    people = sorted({q.subject.value for q in quads
                     if q.predicate.value == VOCAB + "pseudoniem" and isinstance(q.subject, NamedNode)})
    moved = set(random.Random(1).sample(people, planted))
    for person in moved:
        store.update(f"DELETE {{ GRAPH ?g {{ <{person}> <{VOCAB}gemeente> ?gm }} }} "
                     f"INSERT {{ GRAPH ?g {{ <{person}> <{VOCAB}gemeente> <{gemeente_iri('GM9999')}> }} }} "
                     f"WHERE {{ GRAPH ?g {{ <{person}> <{VOCAB}gemeente> ?gm }} FILTER(CONTAINS(STR(?g), \"/ggm/\")) }}")
    store.flush()
    return store, len(store.ox), moved


def run(persons: int, planted: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store, size, moved = build(Path(tmp), persons, planted)
        print(f"{persons} persons in each of two sources, {size:,} quads (with a union copy), embedded on disk")
        total = 0.0
        for check in CHECKS:
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                found = find_conflicts(store, base=DEFAULT_BASE, checks=[check])
                times.append(time.perf_counter() - start)
            total += min(times)
            print(f"  {check.name:28} {len(found):5} conflicts  {min(times) * 1000:7.0f} ms")
            if check.name == "BronnenOneensGemeente":
                assert {c.person for c in found} == moved, "not exactly the planted persons"
        print(f"  all five: {total * 1000:.0f} ms")
        store.close()


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=3000)
    parser.add_argument("--planted", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    run(args.persons, args.planted, args.runs)


if __name__ == "__main__":
    main_()
