"""``python -m bench``: run the benchmarks at the municipality and national scales and write the results.

    python -m bench                      # default: municipality (2,000) + national at --scale 0.1 (13,000)
    python -m bench --only national --scale 1 --cap 120 --skip-ggm   # all 130,000 persons, 15 source parts
    python -m bench --only municipality --parts load,validation
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import report
from bench.harness import ROOT
from bench.suite import SWEEP, Config, load_part, prepare_data, reload_part, service_part, validation_part

MUNICIPALITY = 2_000
NATIONAL = 130_000
PARTS = ("load", "validation", "queries", "http", "reload")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=0.1,
                   help="fraction of the national 130,000 persons for the national scale (default 0.1)")
    p.add_argument("--runs", type=int, default=3,
                   help="runs per measurement at the municipality scale; medians are reported (default 3)")
    p.add_argument("--national-runs", type=int, default=1,
                   help="runs per measurement at the national scale (default 1)")
    p.add_argument("--national-pairs", type=int, default=1,
                   help="at the national scale, the load and Oxigraph's bulk load measured this many times, "
                        "alternated; the ratio is the median of the pairs' (default 1)")
    p.add_argument("--cap", type=float, default=60.0,
                   help="seconds after which a baseline run (rdflib, pySHACL) is stopped and reported as capped")
    p.add_argument("--only", choices=("municipality", "national"), help="run one scale only")
    p.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--serve-workers", type=int, default=os.cpu_count() or 1,
                   help="service processes (inburgering serve --workers; default: one per core)")
    p.add_argument("--skip-ggm", action="store_true",
                   help="load the DUO bundle only (the GGM SQLite load is skipped; for long national runs)")
    p.add_argument("--cold-start", action="store_true",
                   help="start the service with no kept answer (no `serve --ask-ahead-only` before it): its first "
                        "minutes, asking them, are measured")
    p.add_argument("--skip-references", action="store_true",
                   help="at the national scale, run neither baseline B (rdflib + pySHACL load) nor whole-store pySHACL: "
                        "at 130,000 persons both are stopped at their cap and show nothing (`make bench-pyshacl` "
                        "compares the validators)")
    p.add_argument("--http-seconds", type=int, default=4, help="duration of each HTTP measurement (default 4)")
    p.add_argument("--work", type=Path, default=ROOT / "var" / "bench", help="working folder (data and stores)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results", help="where results are written")
    p.add_argument("--stem", default="results", help="file name stem of the results")
    return p.parse_args(argv)


def _versions() -> str:
    names = ("pyoxigraph", "rdflib", "pyshacl", "fastapi", "uvicorn")
    return ", ".join(f"{n} {version(n)}" for n in names) + f", Python {platform.python_version()}"


def run_scale(cfg: Config) -> dict[str, Any]:
    def log(msg: str) -> None:
        print(f"[{cfg.name} {dt.datetime.now(dt.UTC):%H:%M:%S}] {msg}", flush=True)

    started = time.perf_counter()
    out: dict[str, Any] = {"persons": cfg.persons}
    #: Wall seconds of each stage of the run, in order: where a long run's time went.
    stages: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        mark = time.perf_counter()
        yield
        stages[name] = round(time.perf_counter() - mark, 1)

    with stage("data"):
        data = prepare_data(cfg, log)
    out["source_parts"] = data["parts"]
    store = None
    if "load" in cfg.parts:
        with stage("load"):
            out["load"], store = load_part(cfg, data, log)
    if store is None:
        raise SystemExit("every part measures the store the load part writes: include 'load' in --parts")
    load_seconds = out["load"]["load_duo"]["seconds"]
    if "validation" in cfg.parts:
        with stage("validation"):
            out["validation"] = validation_part(cfg, store, load_seconds, log)
    if {"queries", "http"} & cfg.parts:
        with stage("service"):
            out.update(service_part(cfg, store, log))
    if "reload" in cfg.parts:
        with stage("reload"):
            out["reload"] = reload_part(cfg, data, store, log)
    out["wall_seconds"] = time.perf_counter() - started
    out["stage_seconds"] = stages
    log("stages: " + ", ".join(f"{k} {v:.0f} s" for k, v in stages.items()) + f"; the whole {out['wall_seconds']:.0f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts = frozenset(p.strip() for p in args.parts.split(",") if p.strip())
    unknown = parts - set(PARTS)
    if unknown:
        print(f"python -m bench: unknown part(s) {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    from inburgering.namespaces import DEFAULT_BASE

    scales = {"municipality": MUNICIPALITY, "national": max(1, round(NATIONAL * args.scale))}
    if args.only:
        scales = {args.only: scales[args.only]}
    started = time.perf_counter()
    results: dict[str, Any] = {"meta": {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "runs": args.runs, "scale": args.scale,
        "cap_seconds": args.cap, "national_runs": args.national_runs,
        "national_pairs": args.national_pairs, "http_seconds": args.http_seconds,
        "serve_workers": args.serve_workers, "ask_ahead": not args.cold_start,
        "references_at_national_scale": not args.skip_references,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "versions": _versions(), "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
    }, "scales": {}}
    for name, persons in scales.items():
        runs = args.national_runs if name == "national" else args.runs
        cfg = Config(name=name, persons=persons, runs=runs, cap=args.cap, work=args.work / f"{name}-{persons}",
                     base=DEFAULT_BASE, http_seconds=args.http_seconds, parts=parts,
                     sweep=SWEEP if name == "municipality" else (), serve_workers=args.serve_workers,
                     sources=("duo",) if args.skip_ggm else ("duo", "ggm-sqlite"),
                     pairs=args.national_pairs if name == "national" else 1, ask_ahead=not args.cold_start,
                     references=not (args.skip_references and name == "national"))
        results["scales"][name] = run_scale(cfg)
        results["meta"]["wall_seconds"] = time.perf_counter() - started
        paths = report.write(results, args.out, args.stem)  # after every scale: a long run keeps what it measured
    for path in paths:
        print(f"wrote {path}")
    print(f"python -m bench: {results['meta']['wall_seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
