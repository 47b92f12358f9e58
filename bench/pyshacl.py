"""``python -m bench.pyshacl``: the fast engine against pySHACL on the largest subset pySHACL validates in 30 minutes.

Issue 15, target 3: validation ≥ 50× pySHACL, "measured once on the largest subset it finishes within 30 minutes
(a separate, optional bench target, not the default run), with identical results". ``make bench-pyshacl``.

1. Generates ``--parts`` parts of ``--persons`` persons, publishes the model and loads every part (the commands
   as a user runs them), then plants defects in the published graphs (below), so that "identical results"
   compares hundreds of results, not two empty lists.
2. Calibrates: both engines on subsets of whole municipalities of about ``--calibrate`` persons (in code order,
   as ``python -m bench``'s validation sweep), fits pySHACL's time as ``a·n^b``, and picks the largest subset
   whose predicted time is ``--aim`` of the cap (default 0.8 of 30 minutes), within the store.
3. Measures that subset: pySHACL once (stopped at ``--cap``; when stopped, once more at 0.6 of the size) and the
   fast engine (median of ``--runs``), and compares the result sets (``fast_compare``: focus node, path, value,
   constraint component, source shape, severity; as multisets).

Each measurement runs in a fresh child process (``bench.harness``), over the same on-disk store and graphs. The
defects: every ``--every``-th duty gets a second ``inb:begindatum`` that is a plain string (``sh:maxCount`` and
``sh:datatype``), and every ``--every``-th term loses its ``inb:startdatum`` (``sh:minCount``, and the law's
rules that read it). They are written straight into the store, as a store filled by other tools could hold them;
the loader itself would reject such persons.

Writes ``bench/results/pyshacl.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from bench.scoped import build_store
from bench.suite import REFERENCE_DATE, Config, _compare
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.namespaces import RDF, inb

RESULTS = Path(__file__).parent / "results" / "pyshacl.json"
CAP_S = 1_800.0


def plant_defects(store: Path, *, every: int) -> dict[str, int]:
    """Every ``every``-th duty: a second, string-typed start date; every ``every``-th term: no start date."""
    from inburgering.store.embedded import EmbeddedStore
    from inburgering.store.publication import published_graphs

    s = EmbeddedStore(str(store))
    added = removed = 0
    try:
        for graph in map(NamedNode, published_graphs(s, base=BASE, special=True)):
            duties = sorted((q.subject for q in s.ox.quads_for_pattern(
                None, NamedNode(RDF + "type"), NamedNode(inb("Inburgeringsplicht")), graph)), key=str)
            for duty in duties[::every]:
                s.ox.add(Quad(duty, NamedNode(inb("begindatum")), Literal("onbekend"), graph))
                added += 1
            terms = sorted((q.subject for q in s.ox.quads_for_pattern(
                None, NamedNode(RDF + "type"), NamedNode(inb("Inburgeringstermijn")), graph)), key=str)
            for term in terms[every // 2::every]:
                for q in list(s.ox.quads_for_pattern(term, NamedNode(inb("startdatum")), None, graph)):
                    s.ox.remove(q)
                    removed += 1
        s.ox.flush()
    finally:
        s.close()
    return {"start_dates_added": added, "start_dates_removed": removed}


def fit(points: list[tuple[int, float]]) -> tuple[float, float]:
    """``a, b`` of ``seconds = a·persons^b`` through the first and last point (``b`` at least 1: pySHACL's time
    does not grow slower than its data)."""
    (n1, t1), (n2, t2) = points[0], points[-1]
    b = max(1.0, math.log(t2 / t1) / math.log(n2 / n1)) if n2 != n1 else 1.0
    return t2 / n2**b, b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pyshacl", description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--persons", type=int, default=9_000, help="persons per part")
    parser.add_argument("--calibrate", default="500,1000", help="subset sizes of the calibration (persons)")
    parser.add_argument("--cap", type=float, default=CAP_S, help="seconds after which pySHACL is stopped")
    parser.add_argument("--aim", type=float, default=0.8, help="predicted pySHACL time of the subset, of the cap")
    parser.add_argument("--runs", type=int, default=3, help="fast-engine runs per subset (median)")
    parser.add_argument("--every", type=int, default=40, help="one defect of each kind per this many duties/terms")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-pyshacl-", dir=os.environ.get("BENCH_TMP")) as tmp:
        folder = Path(tmp)
        print(f"generating and loading {args.parts} x {args.persons:,} persons", flush=True)
        store, _, _ = build_store(folder, parts=args.parts, persons=args.persons)
        defects = plant_defects(store, every=args.every)
        print(f"defects planted: {defects}", flush=True)
        cfg = Config(name="pyshacl", persons=args.parts * args.persons, runs=args.runs, cap=args.cap, work=folder,
                     base=BASE, http_seconds=0, parts=frozenset({"validation"}))

        def log(msg: str) -> None:
            print(msg, flush=True)

        rows: list[dict[str, Any]] = []
        for persons in (int(p) for p in args.calibrate.split(",")):
            log(f"calibration: about {persons:,} persons")
            rows.append(_compare(cfg, store, persons, log))
        timed = [(r["persons"], r["pyshacl"]["seconds"]) for r in rows if r["pyshacl"]["seconds"]]
        if len(timed) < 2:
            raise SystemExit("pySHACL did not finish the calibration subsets within the cap")
        a, b = fit(timed)
        target = min(int((args.aim * args.cap / a) ** (1 / b)), cfg.persons)
        log(f"pySHACL ≈ {a:.3g}·n^{b:.2f} s: {args.aim:.0%} of {args.cap:.0f} s at about {target:,} persons")
        largest = None
        for persons in (target, int(target * 0.6)):
            log(f"largest subset: about {persons:,} persons")
            row = _compare(cfg, store, persons, log)
            rows.append(row)
            if "speedup" in row:
                largest = row
                break
    for row in rows:
        row["fast_results"] = row["fast"].get("results")
        row["pyshacl_results"] = row["pyshacl"].get("results")
    result = {"parts": args.parts, "persons_per_part": args.persons, "cap_s": args.cap, "every": args.every,
              "defects": defects, "fit": {"a": a, "b": b, "target_persons": target}, "rows": rows,
              "largest": largest, "minutes": round((time.perf_counter() - started) / 60, 1),
              "reference_date": REFERENCE_DATE, "load_average": os.getloadavg(),
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for row in rows:
        print(f"  {row['persons']:>7,} persons {row['quads']:>10,} quads  fast {row['fast']['seconds']:8.2f} s  "
              f"pySHACL {row['pyshacl']['seconds'] or float('nan'):8.1f} s  x{row.get('speedup', float('nan')):.1f}  "
              f"results {row['fast_results']}/{row['pyshacl_results']}  identical {row.get('identical_results')}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if largest is not None and largest["identical_results"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
