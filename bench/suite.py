"""The benchmark suite for one scale: data, load, baselines, validation, queries, HTTP; every figure with its ratio.

Each measured step runs in child processes (see :mod:`bench.harness`); this module only orchestrates.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.harness import Measurement, measure, run_child

#: The pseudonymisation key of the benchmark data (synthetic persons only; never a real key).
BENCH_KEY = "bench-key-synthetic-data-only-0123456789abcdef"
SEED = 20261125
DEFECTS = 0.02
REFERENCE_DATE = "2026-11-25"
#: Distinct test BSNs (9999xxxxx passing the elfproef): the most distinct persons one source file can hold.
TEST_BSNS = 9_091
#: Baseline B (rdflib + pySHACL) is stopped at this multiple of the loader's time (see :func:`baseline_b_cap`).
B_CAP_FACTOR = 3.5
#: The longest an analyst query may run through the service (its timeout) in the benchmark.
QUERY_CAP_S = 30.0
#: Person counts of the validation sweep: the largest scale where whole-graph pySHACL finishes within the cap.
SWEEP = (250, 500, 1_000)


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
    #: Runs of the loads and baselines A and B (``runs`` when 0).
    load_runs: int = 0
    #: Validate subsets of the store of these sizes too (fast engine against whole-graph pySHACL).
    sweep: tuple[int, ...] = ()
    #: Service processes (``inburgering serve --workers``).
    serve_workers: int = 1
    #: The source kinds loaded (the DUO bundle is always loaded: every later part measures its store).
    sources: tuple[str, ...] = ("duo", "ggm-sqlite")
    #: Pairs of the DUO load and baseline A, alternated (load, A, load, A): the drift of a shared machine's speed
    #: over a long run then weighs on both sides, and the ratio is the median of the pairs' ratios.
    pairs: int = 1
    #: ``inburgering serve --ask-ahead-only`` before the service starts (as after a national load); without it the
    #: service starts from no kept answer and asks them in its first minutes (the cold start).
    ask_ahead: bool = True
    #: Baseline B (rdflib + pySHACL) and the whole-store pySHACL run, each stopped at its cap. Off for the full
    #: national run (``--skip-references``): at 130,000 persons both were stopped at their cap in every one of the
    #: 15 national runs up to 2026-12-06, so they showed nothing; ``make bench-pyshacl`` compares the validators.
    references: bool = True

    def __post_init__(self) -> None:
        self.load_runs = self.load_runs or self.runs


def source_parts(persons: int) -> int:
    """How many source files ``persons`` distinct persons need (each holds at most 9,091)."""
    return -(-persons // TEST_BSNS)


def part_key(part: int) -> str:
    """The pseudonymisation key of source part ``part`` (1-based): parts repeat BSNs, so each has its own key
    (``bench.steps.load`` takes a key per source)."""
    return BENCH_KEY if part == 1 else f"{BENCH_KEY}-part-{part}"


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return path


def prepare_data(cfg: Config, log: Any) -> dict[str, Any]:
    """Generate the DUO bundle and the GGM SQLite database once per scale (kept between runs).

    More than 9,091 persons are generated as parts of distinct persons (``inburgering generate --parts``), each
    with its own municipalities; each part is loaded with its own key (:func:`part_key`).
    """
    out: dict[str, Any] = {}
    parts = source_parts(cfg.persons)
    for fmt, name in (("duo", "duo.jsonl"), ("ggm-sqlite", "ggm.sqlite")):
        if fmt not in cfg.sources:
            continue
        folder = cfg.work / "data" / fmt
        target = folder / name
        if not (folder / ".done").exists():
            _fresh(folder).mkdir(parents=True)
            result = run_child("generate", {"persons": cfg.persons, "seed": SEED, "defects": DEFECTS,
                                            "format": fmt, "out": str(target), "parts": parts})
            assert result is not None
            (folder / ".done").write_text(json.dumps(result), encoding="utf-8")
            log(f"  generated {cfg.persons:,} persons as {fmt} in {parts} part(s) in {result['seconds']:.1f} s")
        out[fmt] = [str(target)] if parts == 1 else [str(folder / f"part-{k:02d}" / name) for k in
                                                     range(1, parts + 1)]
    out["parts"] = parts
    return out


def run_load(cfg: Config, sources: list[str], label: str, log: Any, engine: str | None = None) -> tuple[Measurement,
                                                                                                      Path]:
    """Load all the source parts in one ``inburgering load`` (each part with its own key, :func:`part_key`) into a
    fresh store, ``cfg.load_runs`` times. Keeps the last store."""
    stores = cfg.work / f"stores-{label}"
    _fresh(stores).mkdir(parents=True)
    seconds, peaks, cpus, results = [], [], [], []
    for i in range(cfg.load_runs):
        _fresh(stores / "store")
        args = {"store": str(stores / "store"), "sources": sources, "rejects": str(stores / "rejects.jsonl"),
                "report": str(stores / "report.json"), "key": [part_key(k) for k in range(1, len(sources) + 1)],
                "engine": engine, "reference_date": REFERENCE_DATE}
        result = run_child("load", args)
        assert result is not None
        seconds.append(result["seconds"])
        peaks.append(result["peak_mb"])
        cpus.append(result["cpu_s"])
        results.append(result)
        log(f"  load {label} run {i + 1}/{cfg.load_runs}: {result['seconds']:.2f} s (CPU {result['cpu_s']:.0f} s), "
            f"{result['quads']:,} quads, {result['persons_published']:,} published, peak {result['peak_mb']:.0f} MB")
    last = results[-1]
    extra = {"quads": last["quads"], "parts": len(sources), "persons_read": last["persons_read"],
             "persons_published": last["persons_published"], "persons_rejected": last["persons_rejected"],
             "exit_codes": [last["exit_code"]], "cpu_s": statistics.median(cpus),
             "store_mb": _size_mb(stores / "store")}
    m = Measurement(f"load-{label}", cfg.load_runs, statistics.median(seconds), seconds, statistics.median(peaks),
                    extra=extra)
    return m, stores / "store"


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def load_part(cfg: Config, data: dict[str, Any], log: Any) -> tuple[dict[str, Any], Path]:
    """The loader on both source kinds, and baselines A and B on the same quads."""
    out: dict[str, Any] = {}
    duo, store = run_load(cfg, data["duo"], "duo", log, engine="fast")
    out["load_duo"] = duo.as_dict()
    ggm = None
    if "ggm-sqlite" in data:
        ggm, ggm_store = run_load(cfg, data["ggm-sqlite"], "ggm-sqlite", log, engine="fast")
        out["load_ggm_sqlite"] = ggm.as_dict()
        _fresh(ggm_store)
    run_child("publish_public", {"store": str(store), "base": cfg.base})
    nquads = cfg.work / "published.nq"
    exported = run_child("export", {"store": str(store), "base": cfg.base, "out": str(nquads)})
    assert exported is not None
    out["quads"], out["export_seconds"] = exported["quads"], exported["seconds"]
    log(f"  exported {exported['quads']:,} quads as N-Quads (baseline A's input) in {exported['seconds']:.1f} s")
    a_store = cfg.work / "baseline-a"
    a = measure("baseline_a", {"nquads": str(nquads), "store": str(_fresh(a_store))}, runs=cfg.load_runs, log=log,
                before=lambda: _fresh(a_store))
    out["baseline_a"] = a.as_dict()
    lenient = measure("baseline_a", {"nquads": str(nquads), "store": str(_fresh(a_store)), "lenient": True},
                      runs=cfg.load_runs, log=log, before=lambda: _fresh(a_store))
    out["baseline_a_lenient"] = lenient.as_dict()
    _fresh(a_store)
    b = None
    if cfg.references:
        b_store = cfg.work / "baseline-b"
        b = measure("baseline_b", {"nquads": str(nquads), "store": str(_fresh(b_store)),
                                   "reference_date": REFERENCE_DATE}, runs=cfg.load_runs,
                    cap=baseline_b_cap(cfg, duo), log=log, before=lambda: _fresh(b_store))
        out["baseline_b"] = b.as_dict()
        _fresh(b_store)
    out["ratios"] = load_ratios(duo, a, b, out["quads"])
    if cfg.pairs > 1:
        store = _more_pairs(cfg, data, nquads, a_store, duo, a, out, log)
    nquads.unlink()
    settled = run_child("settle", {"store": str(store)})  # what the readers below get: docs/operations.md
    assert settled is not None
    out["settle"] = settled
    log(f"  store settle: {settled['seconds']:.1f} s, peak {settled['peak_mb']:.0f} MB; the current checkpoint "
        f"{settled['tables_before']} -> {settled['tables_after']} table files")
    if lenient.seconds:
        out["ratios"]["load_vs_baseline_a_lenient"] = out["ratios"]["load_quads_per_s"] / (out["quads"] / lenient.seconds)
    if ggm is not None:
        out["ratios_ggm_sqlite"] = load_ratios(ggm, a, b, out["quads"])
    return out, store


def _more_pairs(cfg: Config, data: dict[str, Any], nquads: Path, a_store: Path, duo: Measurement, a: Measurement,
                out: dict[str, Any], log: Any) -> Path:
    """Load the DUO parts and bulk-load the first load's quads again, ``cfg.pairs - 1`` more times, alternated.

    Every pair's ratio is reported (``out["pairs"]``) and ``load_vs_baseline_a`` becomes their median; the loads'
    median becomes ``load_duo``'s seconds. The quads are the first load's export each time (a later load's differ
    only in its graphs' timestamps). Returns the last load's store, with the public graphs published.
    """
    assert duo.seconds and a.seconds
    pairs = [{"load_seconds": duo.seconds, "baseline_a_seconds": a.seconds, "load_cpu_s": duo.extra.get("cpu_s"),
              "quads": duo.extra.get("quads") or out["quads"]}]
    store = Path()
    for i in range(2, cfg.pairs + 1):
        log(f"  pair {i}/{cfg.pairs}")
        again, store = run_load(cfg, data["duo"], "duo", log, engine="fast")
        run_child("publish_public", {"store": str(store), "base": cfg.base})
        a_again = measure("baseline_a", {"nquads": str(nquads), "store": str(_fresh(a_store))}, runs=1, log=log,
                          before=lambda: _fresh(a_store))
        _fresh(a_store)
        assert again.seconds and a_again.seconds
        pairs.append({"load_seconds": again.seconds, "baseline_a_seconds": a_again.seconds,
                      "load_cpu_s": again.extra.get("cpu_s"), "quads": again.extra.get("quads") or out["quads"]})
    out["pairs"] = pairs
    out["load_duo"]["seconds_all"] = [p["load_seconds"] for p in pairs]
    out["load_duo"]["seconds"] = statistics.median(out["load_duo"]["seconds_all"])
    out["ratios"]["load_vs_baseline_a_first_pair"] = out["ratios"]["load_vs_baseline_a"]
    out["ratios"]["load_vs_baseline_a"] = pair_ratios(pairs, out["quads"])
    log("  load vs baseline A, pair by pair: " + ", ".join(f"{p['ratio']:.2f}" for p in pairs))
    return store


def pair_ratios(pairs: list[dict[str, Any]], quads: int) -> float:
    """Each pair's ratio as ``load_ratios`` computes it (the loader's quads/s against the bulk load's of the
    ``quads`` exported), set on the pair as ``ratio``; returns their median."""
    ratios: list[float] = []
    for pair in pairs:
        pair["ratio"] = (pair["quads"] / pair["load_seconds"]) / (quads / pair["baseline_a_seconds"])
        ratios.append(pair["ratio"])
    return statistics.median(ratios)


def baseline_b_cap(cfg: Config, load: Measurement) -> float:
    """Baseline B is stopped once it has taken 3.5 times the loader's time (then the loader is at least 3.5x
    faster, which meets the target of 3x), or at twice ``--cap``, whichever comes first."""
    return min(B_CAP_FACTOR * (load.seconds or cfg.cap), 2 * cfg.cap)


def load_ratios(load: Measurement, a: Measurement, b: Measurement | None, quads: int) -> dict[str, Any]:
    """Throughput ratios: the loader's quads/s (the quads it wrote) against the baselines' (the exported store);
    none against baseline B when it was not run (``b`` is ``None``)."""
    assert load.seconds
    loaded = load.extra.get("quads") or quads
    ratios: dict[str, Any] = {"load_quads_per_s": loaded / load.seconds}
    if a.seconds:
        ratios["baseline_a_quads_per_s"] = quads / a.seconds
        ratios["load_vs_baseline_a"] = ratios["load_quads_per_s"] / ratios["baseline_a_quads_per_s"]
    if b is None:
        return ratios
    if b.seconds:
        ratios["baseline_b_quads_per_s"] = quads / b.seconds
        ratios["load_vs_baseline_b"] = ratios["load_quads_per_s"] / ratios["baseline_b_quads_per_s"]
    elif b.capped and b.cap_seconds:
        ratios["load_vs_baseline_b_at_least"] = ratios["load_quads_per_s"] / (quads / b.cap_seconds)
    return ratios


def _compare(cfg: Config, store: Path, persons: int | None, log: Any, *, pyshacl: bool = True) -> dict[str, Any]:
    """Fast engine (median of ``runs``) and one capped whole-graph pySHACL run over the published graphs of
    ``store`` (of about ``persons`` persons when given: whole municipalities in code order)."""
    fast_keys, ref_keys = cfg.work / "fast-keys.json", cfg.work / "pyshacl-keys.json"
    _fresh(ref_keys) if ref_keys.exists() else None
    common = {"store": str(store), "base": cfg.base, "reference_date": REFERENCE_DATE, "persons": persons}
    fast = measure("validate_fast", {**common, "out": str(fast_keys)}, runs=cfg.runs, log=log)
    out: dict[str, Any] = {"persons": int(fast.extra["persons"]), "quads": int(fast.extra["quads"]),
                           "fast": fast.as_dict()}
    if not pyshacl:
        return out
    ref = measure("validate_pyshacl", {**common, "out": str(ref_keys)}, runs=1, cap=cfg.cap, log=log)
    out["pyshacl"] = ref.as_dict()
    assert fast.seconds
    if ref.seconds:
        out["speedup"] = ref.seconds / fast.seconds
        out["identical_results"] = json.loads(fast_keys.read_text()) == json.loads(ref_keys.read_text())
    elif ref.capped and ref.cap_seconds:
        out["speedup_at_least"] = ref.cap_seconds / fast.seconds
        out["identical_results"] = None
    return out


def validation_part(cfg: Config, store: Path, load_seconds: float | None, log: Any) -> dict[str, Any]:
    """The fast engine against whole-graph pySHACL on the published data, results compared when both finish.

    With ``cfg.sweep``, first on subsets of the store of growing size until pySHACL no longer finishes within the
    cap. pySHACL's time grows at least linearly with the data, so when the largest subset's time scaled linearly
    to the whole store already exceeds the cap, the whole-store pySHACL run is not made (``pyshacl_skipped``).
    """
    sweep: list[dict[str, Any]] = []
    for persons in cfg.sweep:
        if persons >= cfg.persons:
            break
        log(f"  validation sweep: about {persons:,} persons")
        row = _compare(cfg, store, persons, log)
        sweep.append(row)
        if "speedup" not in row:
            break  # pySHACL hit the cap: larger subsets would too
    last = sweep[-1] if sweep else None
    skip = None
    if last is not None:
        seconds = last["pyshacl"]["seconds"] or cfg.cap
        predicted = seconds * cfg.persons / max(1, last["persons"])
        if predicted > cfg.cap:
            skip = (f"not run: {last['persons']:,} persons took {'over ' if not last['pyshacl']['seconds'] else ''}"
                    f"{seconds:.0f} s, so the whole store ({cfg.persons:,} persons) would take at least "
                    f"{predicted:.0f} s, over the cap of {cfg.cap:.0f} s")
    if skip is None and not cfg.references:
        skip = "not run (--skip-references): stopped at its cap in every national run; make bench-pyshacl"
    out = _compare(cfg, store, None, log, pyshacl=skip is None)
    if skip:
        out["pyshacl_skipped"] = skip
        log(f"  validate_pyshacl on the whole store {skip}")
    if load_seconds:
        out["validation_vs_load"] = out["fast"]["seconds"] / load_seconds
    if sweep:
        out["sweep"] = sweep + [{k: out[k] for k in ("persons", "quads", "fast", "pyshacl", "pyshacl_skipped",
                                                      "speedup", "speedup_at_least", "identical_results") if k in out}]
    return out


def query_cap(cfg: Config) -> float:
    """The service's query timeout in the benchmark: an analyst query over 30 s misses its 1 s target 30-fold."""
    return min(cfg.cap, QUERY_CAP_S)


def service_part(cfg: Config, store: Path, log: Any) -> dict[str, Any]:
    """Through a real ``inburgering serve`` with an analyst token for every published municipality: the analyst
    example queries (and the rdflib baseline), then HTTP load on pages and a small SELECT."""
    from bench.web import MAX_RESULTS, Server
    from inburgering.service.kept import default_kept_db

    persons = run_child("sample_resources", {"store": str(store), "base": cfg.base, "limit": 200})
    assert persons is not None
    token = run_child("make_token", {"store": str(store), "gemeenten": persons["gemeenten"]})
    assert token is not None
    kept = default_kept_db(str(store))
    assert kept is not None
    for leftover in kept.parent.glob(kept.name + "*"):  # answers of an earlier run: none kept at the start
        leftover.unlink()
    out: dict[str, Any] = {}
    if cfg.ask_ahead:  # as an operator does after a national load (docs/operations.md), before the service starts
        asked = run_child("ask_ahead", {"store": str(store), "base": cfg.base, "query_timeout": query_cap(cfg),
                                        "max_results": MAX_RESULTS})
        assert asked is not None
        out["ask_ahead"] = asked
        log(f"  serve --ask-ahead-only: {asked['asked']:,} answers asked in {asked['seconds']:.1f} s "
            f"(CPU {asked['cpu_s']:.0f} s, peak {asked['peak_mb']:.0f} MB), {asked['kept']:,} kept")
    server = Server(str(store), base=cfg.base, workdir=cfg.work, query_timeout=query_cap(cfg),
                    workers=cfg.serve_workers)
    up = time.perf_counter()  # the service asks the cookbook ahead from its start (service/ahead.py)
    try:
        auth = {"Authorization": f"Bearer {token['token']}"}
        if "queries" in cfg.parts:
            out["queries"] = query_part(cfg, server.url, auth, store, log, kept=kept, gemeenten=persons["gemeenten"],
                                        up=up)
        if "http" in cfg.parts:
            out["http"] = http_part(cfg, server.url, auth, persons["paths"], log)
    finally:
        server.close()
    out["service"] = {"peak_mb": round(server.peak_mb, 1), "sample_s": server.MEMORY_SAMPLE_S,
                      "seconds": round(time.perf_counter() - up, 1)}
    log(f"  service's peak memory {server.peak_mb:,.0f} MB (its process tree) over {out['service']['seconds']:.0f} s")
    return out


#: Above this many persons rdflib gets the graphs of whole municipalities up to about this many persons (it does
#: not parse 130,000 within its cap), and the service is asked the same queries with a token for exactly those
#: municipalities, over the whole store: the same answers, so a ratio.
RDFLIB_PERSONS = 2_000
#: rdflib's time for one query is capped at ``--cap`` divided by this (10 s at the default cap, 20 s at 120 s).
RDFLIB_QUERY_CAP_PARTS = 6
#: How long the query step waits for the service to keep every municipality's answer (asked in the background).
KEPT_WAIT_S = 1_800.0


def query_part(cfg: Config, url: str, auth: dict[str, str], store: Path, log: Any, *, kept: Path,
               gemeenten: list[str], up: float) -> dict[str, Any]:
    """The analyst example queries through the service's SPARQL endpoint, and on rdflib's in-memory store.

    The service, started at ``up`` with no answer kept, asks the cookbook ahead (``service/ahead.py``): first asks
    right away, while it does (a query that runs out of time leaves the rest to the background), then the wait
    until it keeps every municipality's answer to every text it asks ahead, then the queries again: what an analyst
    gets once a publication's answers are kept (``service/partitioned.py``); the first of those is each query's
    first request after the wait."""
    from bench.kept import wait_for_kept
    from bench.web import run_queries
    from inburgering.service.ahead import cookbook_texts

    started = time.perf_counter()
    first = run_queries(url, auth, repeat=1, cap=query_cap(cfg), log=log, since=up)
    log(f"  first asks in {time.perf_counter() - started:.0f} s, from {started - up:.0f} s after the service's start; "
        "waiting for the kept answers")
    ahead = cookbook_texts(base=cfg.base, dialect="oxigraph", today=date.today())
    waited = wait_for_kept(kept, want=len(ahead) * len(gemeenten), limit_s=KEPT_WAIT_S, started=up)
    log(f"  {waited['answers_kept']} of {waited['answers_wanted']} answers ({len(ahead)} texts) kept "
        f"{waited['kept_within_s']:.0f} s after the service's start")
    served = run_queries(url, auth, repeat=max(3, cfg.runs), cap=query_cap(cfg), log=log)
    dataset = cfg.work / "dataset.nq"
    exported = run_child("export_dataset", {"store": str(store), "base": cfg.base, "out": str(dataset),
                                            "persons": RDFLIB_PERSONS})
    assert exported is not None
    subset = len(exported["gemeenten"]) < len(gemeenten)
    scope = served
    if subset:
        token = run_child("make_token", {"store": str(store), "gemeenten": exported["gemeenten"]})
        assert token is not None
        log(f"  rdflib on {exported['persons']:,} persons of {len(exported['gemeenten'])} municipalities; the service "
            "with a token for those")
        scope = run_queries(url, {"Authorization": f"Bearer {token['token']}"}, repeat=max(3, cfg.runs),
                            cap=query_cap(cfg), log=log)
    progress = cfg.work / "rdflib-progress.json"
    _fresh(progress) if progress.exists() else None
    per_query = cfg.cap / RDFLIB_QUERY_CAP_PARTS
    rd = measure("queries_rdflib", {"nquads": str(dataset), "base": cfg.base, "repeat": 1,
                                    "progress": str(progress), "query_cap": per_query},
                 runs=1, cap=cfg.cap + len(served) * per_query, log=log)
    dataset.unlink()
    rdflib = rd.extra.get("queries") or (json.loads(progress.read_text())["queries"] if progress.exists() else {})
    rows = {}
    for name, q in served.items():
        base, ours = rdflib.get(name), scope.get(name, {})
        ratio = at_least = None
        if base and base.get("ms") and base["rows"] == ours.get("rows") and ours.get("ms"):
            ratio = base["ms"] / ours["ms"]  # (rdflib lacks date + duration: fewer rows, no ratio)
        elif base and base.get("timeout") and ours.get("ms"):
            at_least = 1000 * base["timeout"] / ours["ms"]  # rdflib stopped at its cap: a lower bound
        rows[name] = {**q, "first": first.get(name), "scope_ms": ours.get("ms"), "scope_rows": ours.get("rows"),
                      "rdflib_ms": base.get("ms") if base else None, "rdflib_rows": base.get("rows") if base else None,
                      "rdflib_timeout": base.get("timeout") if base else None, "ratio": ratio,
                      "ratio_at_least": at_least}
    return {"queries": rows, "through": "service /sparql (analyst token)", "rdflib_capped": rd.capped,
            "cap_seconds": cfg.cap, "query_timeout_seconds": query_cap(cfg), "kept": waited,
            "rdflib_scope": {"persons": exported["persons"], "gemeenten": len(exported["gemeenten"]),
                             "quads": exported["quads"], "subset": subset},
            "rdflib_parse_seconds": rd.extra.get("parse_seconds")}


def http_part(cfg: Config, url: str, auth: dict[str, str], paths: list[str], log: Any) -> dict[str, Any]:
    """Requests/s and p50/p99 for Turtle and HTML resource pages and a small SELECT at 1, 8 and 32 clients."""
    from urllib.parse import quote

    from bench.web import load_test

    select = "SELECT ?pip WHERE { ?pip a <https://w3id.org/inburgering/def/PIP> } LIMIT 10"
    targets = {
        "resource-turtle": (paths, {**auth, "Accept": "text/turtle"}),
        "resource-html": (paths, {**auth, "Accept": "text/html"}),
        "sparql-select": (["/sparql?query=" + quote(select)], {**auth, "Accept": "application/sparql-results+json"}),
    }
    results = []
    for name, (targets_paths, headers) in targets.items():
        for clients in (1, 8, 32):
            r = load_test(url, name, targets_paths, headers, clients, cfg.http_seconds)
            log(f"  {name} at {clients} clients: {r.requests_per_s:.0f} req/s, p50 {r.p50_ms:.1f} ms, "
                f"p99 {r.p99_ms:.1f} ms, {r.errors} errors")
            results.append(r.as_dict())
    return {"results": results, "resources": len(paths)}


def reload_part(cfg: Config, data: dict[str, Any], store: Path, log: Any) -> dict[str, Any]:
    """The reload of the largest municipality of part 1 (its persons alone, one DUO bundle, as a user runs it)
    into the benchmark's store and into an empty one (the model only), alternating (``bench.reload``); the target
    is a ratio of at most 1.5. The reload publishes the same persons again, so the store stays what it was."""
    import os

    from bench.reload import _run, _size_mb, alternate, largest_gemeente

    folder = _fresh(cfg.work / "reload")
    folder.mkdir(parents=True)
    bundle = folder / "reload.jsonl"
    gemeente, persons = largest_gemeente(Path(data["duo"][0]), bundle)
    empty = folder / "empty" / "store"
    _run(["model", "publish", "--store", str(empty)], key=part_key(1))
    # the reference date of the benchmark's loads: the derived facts stay those of the store
    times = alternate({"empty": empty, "store": store}, bundle, key=part_key(1), runs=max(3, cfg.runs),
                      options=["--reference-date", REFERENCE_DATE])
    medians = {label: statistics.median(t) for label, t in times.items()}
    out = {"gemeente": gemeente, "persons": persons, "runs": {k: [round(t, 3) for t in v] for k, v in times.items()},
           "median_empty_s": medians["empty"], "median_store_s": medians["store"],
           "ratio": medians["store"] / medians["empty"], "store_mb": _size_mb(store), "load_average": os.getloadavg()}
    log(f"  reload of {gemeente} ({persons} persons): empty store {medians['empty']:.2f} s, this store "
        f"{medians['store']:.2f} s, ratio {out['ratio']:.2f}")
    _fresh(folder)
    return out

