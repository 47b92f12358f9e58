"""``python -m bench.derive``: how fast the derived facts are computed, per load graph, as the loader will call it.

    python -m bench.derive --persons 2000 --runs 5

Generates a DUO bundle (``inburgering generate``), maps it (``inburgering map``, the loader's mapping) into one
graph per municipality, and times :func:`inburgering.derive.derive` over every non-special graph: the triples in,
the derived triples out. Prints the medians of the runs (wall and CPU time, persons/s, triples/s) and, with
``--scale``, the same at several sizes, to show that the time grows linearly with the input. Not part of
``make bench``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

from inburgering.cli import main
from inburgering.derive import derive
from inburgering.namespaces import DEFAULT_BASE, SPECIAL_SUFFIX

PEILDATUM = date(2026, 11, 1)


def graphs_of(persons: int, seed: int, work: Path) -> list[list[Triple]]:
    """The mapped non-special triples of ``persons`` generated persons, one list per municipality's graph."""
    bundle, key, mapped = work / f"duo-{persons}.jsonl", work / "key", work / f"mapped-{persons}.nq"
    key.write_text("bench-derive-key-not-a-secret", encoding="utf-8")
    assert main(["generate", "--persons", str(persons), "--seed", str(seed), "--defects", "0", "--format", "duo",
                 "--out", str(bundle)]) == 0
    assert main(["map", str(bundle), "--out", str(mapped), "--key-file", str(key)]) == 0
    graphs: dict[str, list[Triple]] = defaultdict(list)
    for quad in parse(path=str(mapped), format=RdfFormat.N_QUADS):
        if not quad.graph_name.value.endswith(SPECIAL_SUFFIX):
            graphs[quad.graph_name.value].append(quad.triple)
    return list(graphs.values())


def measure(graphs: list[list[Triple]], runs: int) -> tuple[float, float, int]:
    """(median wall seconds, median CPU seconds to derive every graph, derived triples).

    CPU time is reported too because the machine is shared: it barely moves when other processes take the cores.
    """
    wall, cpu, out = [], [], 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = sum(len(derive(g, base=DEFAULT_BASE, peildatum=PEILDATUM)) for g in graphs)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), out


def main_(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.derive", description=__doc__.splitlines()[0])
    p.add_argument("--persons", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--scale", action="store_true", help="also measure at a quarter and at half of --persons")
    args = p.parse_args(argv)
    sizes = [args.persons // 4, args.persons // 2, args.persons] if args.scale else [args.persons]
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            graphs = graphs_of(n, args.seed, Path(tmp))
            triples = sum(len(g) for g in graphs)
            seconds, cpu, out = measure(graphs, args.runs)
            print(f"{n:>6} persons, {triples:>8,} triples in {len(graphs)} graphs -> {out:,} derived triples: "
                  f"{seconds * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU (medians of {args.runs}); "
                  f"{n / seconds:,.0f} persons/s, {triples / seconds:,.0f} triples/s wall; {n / cpu:,.0f} persons/s CPU")


if __name__ == "__main__":
    main_()
