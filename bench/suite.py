"""The benchmark suite for one scale: data, load, baselines, validation, queries, HTTP; every figure with its ratio.

Each measured step runs in child processes (see :mod:`bench.harness`); this module only orchestrates.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import Measurement, measure, run_child

#: The pseudonymisation key of the benchmark data (synthetic persons only; never a real key).
BENCH_KEY = "bench-key-synthetic-data-only-0123456789abcdef"
SEED = 20261125
DEFECTS = 0.02
REFERENCE_DATE = "2026-11-25"


@dataclass
class Config:
    name: str
    persons: int
    runs: int
    cap: float
    work: Path
    base: str
    http_seconds: int
    parts: frozenset[str]


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return path


def prepare_data(cfg: Config, log: Any) -> dict[str, Any]:
    """Generate the DUO bundle and the GGM SQLite database once per scale (kept between runs)."""
    out: dict[str, Any] = {}
    for fmt, name in (("duo", "duo.jsonl"), ("ggm-sqlite", "ggm.sqlite")):
        target = cfg.work / "data" / fmt / name
        if not (cfg.work / "data" / fmt / ".done").exists():
            _fresh(target.parent).mkdir(parents=True)
            result = run_child("generate", {"persons": cfg.persons, "seed": SEED, "defects": DEFECTS,
                                            "format": fmt, "out": str(target)})
            assert result is not None
            (target.parent / ".done").write_text(json.dumps(result), encoding="utf-8")
            log(f"  generated {cfg.persons} persons as {fmt} in {result['seconds']:.1f} s")
        out[fmt] = str(_source(target))
    return out


def _source(target: Path) -> Path:
    """The generator's output: the file itself, or the one data file it wrote into the folder."""
    if target.exists():
        return target
    candidates = [p for p in target.parent.iterdir() if p.suffix in {".jsonl", ".sqlite", ".db"}]
    if len(candidates) != 1:
        raise RuntimeError(f"cannot find the generated source in {target.parent}")
    return candidates[0]


def run_load(cfg: Config, source: str, label: str, log: Any, engine: str | None = None) -> tuple[Measurement, Path]:
    """Load ``source`` ``cfg.runs`` times into fresh stores; keeps the last store."""
    stores = cfg.work / f"stores-{label}"
    _fresh(stores).mkdir(parents=True)
    args = {"store": str(stores / "store"), "sources": [source], "rejects": str(stores / "rejects.jsonl"),
            "report": str(stores / "report.json"), "key": BENCH_KEY, "engine": engine}
    seconds, peaks, extras = [], [], []
    for i in range(cfg.runs):
        _fresh(stores / "store")
        result = run_child("load", args)
        assert result is not None
        seconds.append(result.pop("seconds"))
        peaks.append(result.pop("peak_mb"))
        extras.append(result)
        log(f"  load {label} run {i + 1}/{cfg.runs}: {seconds[-1]:.2f} s, {result['quads']} quads, "
            f"peak {peaks[-1]:.0f} MB")
    import statistics

    m = Measurement(f"load-{label}", cfg.runs, statistics.median(seconds), seconds, statistics.median(peaks),
                    extra=extras[-1])
    return m, stores / "store"


def load_part(cfg: Config, data: dict[str, Any], log: Any) -> tuple[dict[str, Any], Path]:
    """The loader on both source kinds, and baselines A and B on the same quads."""
    out: dict[str, Any] = {}
    duo, store = run_load(cfg, data["duo"], "duo", log, engine="fast")
    out["load_duo"] = duo.as_dict()
    ggm, _ = run_load(cfg, data["ggm-sqlite"], "ggm-sqlite", log, engine="fast")
    out["load_ggm_sqlite"] = ggm.as_dict()
    run_child("publish_public", {"store": str(store), "base": cfg.base})
    nquads = cfg.work / "published.nq"
    exported = run_child("export", {"store": str(store), "out": str(nquads)})
    assert exported is not None
    out["quads"] = exported["quads"]
    a_store = cfg.work / "baseline-a"
    a = measure("baseline_a", {"nquads": str(nquads), "store": str(_fresh(a_store))}, runs=cfg.runs, log=log,
                before=lambda: _fresh(a_store))
    out["baseline_a"] = a.as_dict()
    b_store = cfg.work / "baseline-b"
    b = measure("baseline_b", {"nquads": str(nquads), "store": str(_fresh(b_store)),
                               "reference_date": REFERENCE_DATE}, runs=cfg.runs, cap=cfg.cap, log=log,
                before=lambda: _fresh(b_store))
    out["baseline_b"] = b.as_dict()
    out["ratios"] = load_ratios(duo, a, b, out["quads"])
    return out, store


def load_ratios(load: Measurement, a: Measurement, b: Measurement, quads: int) -> dict[str, Any]:
    """Throughput ratios: the loader's quads/s (the quads it wrote) against the baselines' (the exported store)."""
    assert load.seconds
    loaded = load.extra.get("quads") or quads
    ratios: dict[str, Any] = {"load_quads_per_s": loaded / load.seconds}
    if a.seconds:
        ratios["baseline_a_quads_per_s"] = quads / a.seconds
        ratios["load_vs_baseline_a"] = ratios["load_quads_per_s"] / ratios["baseline_a_quads_per_s"]
    if b.seconds:
        ratios["load_vs_baseline_b"] = ratios["load_quads_per_s"] / (quads / b.seconds)
    elif b.capped and b.cap_seconds:
        ratios["load_vs_baseline_b_at_least"] = ratios["load_quads_per_s"] / (quads / b.cap_seconds)
    return ratios


def validation_part(cfg: Config, store: Path, load_seconds: float | None, log: Any) -> dict[str, Any]:
    """The fast engine against whole-graph pySHACL on the published data, results compared when both finish."""
    fast_keys, ref_keys = cfg.work / "fast-keys.json", cfg.work / "pyshacl-keys.json"
    _fresh(ref_keys) if ref_keys.exists() else None
    common = {"store": str(store), "base": cfg.base, "reference_date": REFERENCE_DATE}
    fast = measure("validate_fast", {**common, "out": str(fast_keys)}, runs=cfg.runs, log=log)
    ref = measure("validate_pyshacl", {**common, "out": str(ref_keys)}, runs=1, cap=cfg.cap, log=log)
    out: dict[str, Any] = {"fast": fast.as_dict(), "pyshacl": ref.as_dict()}
    assert fast.seconds
    if ref.seconds:
        out["speedup"] = ref.seconds / fast.seconds
        same = json.loads(fast_keys.read_text()) == json.loads(ref_keys.read_text())
        out["identical_results"] = same
    elif ref.capped and ref.cap_seconds:
        out["speedup_at_least"] = ref.cap_seconds / fast.seconds
        out["identical_results"] = None
    if load_seconds:
        out["validation_vs_load"] = fast.seconds / load_seconds
    return out


def query_part(cfg: Config, store: Path, log: Any) -> dict[str, Any]:
    """The analyst example queries on the store, and on rdflib's in-memory store (capped)."""
    ox = measure("queries_oxigraph", {"store": str(store), "base": cfg.base, "repeat": max(3, cfg.runs)},
                 runs=1, log=log)
    dataset = cfg.work / "dataset.nq"
    run_child("export_dataset", {"store": str(store), "base": cfg.base, "out": str(dataset)})
    progress = cfg.work / "rdflib-progress.json"
    _fresh(progress) if progress.exists() else None
    rd = measure("queries_rdflib", {"nquads": str(dataset), "base": cfg.base, "repeat": 1,
                                    "progress": str(progress)}, runs=1, cap=cfg.cap, log=log)
    rdflib = rd.extra.get("queries") or (json.loads(progress.read_text())["queries"] if progress.exists() else {})
    rows = {}
    for name, q in ox.extra["queries"].items():
        base = rdflib.get(name)
        rows[name] = {"oxigraph_ms": q["ms"], "rows": q["rows"], "rdflib_ms": base["ms"] if base else None,
                      "rdflib_rows": base["rows"] if base else None,
                      "ratio": base["ms"] / q["ms"] if base and q["ms"] else None}
    return {"queries": rows, "rdflib_capped": rd.capped, "cap_seconds": cfg.cap if rd.capped else None,
            "rdflib_parse_seconds": rd.extra.get("parse_seconds")}


def http_part(cfg: Config, store: Path, log: Any) -> dict[str, Any]:
    """Requests/s and p50/p99 for Turtle and HTML resource pages and a small SELECT at 1, 8 and 32 clients."""
    from bench.web import Server, load_test
    from inburgering.cli import main as cli

    persons = run_child("sample_resources", {"store": str(store), "base": cfg.base, "limit": 200})
    assert persons is not None
    token = run_child("make_token", {"store": str(store), "gemeenten": persons["gemeenten"]})
    assert token is not None
    server = Server(str(store), base=cfg.base, workdir=cfg.work)
    try:
        auth = {"Authorization": f"Bearer {token['token']}"}
        select = "SELECT ?pip WHERE { ?pip a <https://w3id.org/inburgering/def/PIP> } LIMIT 10"
        from urllib.parse import quote

        targets = {
            "resource-turtle": (persons["paths"], {**auth, "Accept": "text/turtle"}),
            "resource-html": (persons["paths"], {**auth, "Accept": "text/html"}),
            "sparql-select": (["/sparql?query=" + quote(select)],
                              {**auth, "Accept": "application/sparql-results+json"}),
        }
        results = []
        for name, (paths, headers) in targets.items():
            for clients in (1, 8, 32):
                r = load_test(server.url, name, paths, headers, clients, cfg.http_seconds)
                log(f"  {name} at {clients} clients: {r.requests_per_s:.0f} req/s, p50 {r.p50_ms:.1f} ms, "
                    f"p99 {r.p99_ms:.1f} ms, {r.errors} errors")
                results.append(r.as_dict())
    finally:
        server.close()
    del cli
    return {"results": results, "resources": len(persons["paths"])}
