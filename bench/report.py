"""The benchmark's outputs: the raw JSON, a Markdown table of every figure with its baseline ratio, and a chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The targets of issue 8.
LOAD_VS_A, LOAD_VS_B, VALIDATION_SPEEDUP, QUERY_MS, QUERY_VS_RDFLIB = 2 / 3, 3.0, 50.0, 1000.0, 10.0
TURTLE_RPS, TURTLE_P99_MS, PEAK_MB = 1500.0, 50.0, 4096.0
#: Issues 12 and 15: a one-municipality reload into the full store within 1.5x of the same into an empty one.
RELOAD_RATIO = 1.5


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 8 with the measured value, per scale where it was measured."""
    rows: list[dict[str, Any]] = []
    for scale, r in results["scales"].items():
        load = r.get("load", {})
        for source, key in (("DUO", "ratios"), ("GGM SQLite", "ratios_ggm_sqlite")):
            ratios = load.get(key, {})
            if "load_vs_baseline_a" in ratios:
                rows.append(_row(scale, f"load {source} vs baseline A (Oxigraph bulk load)",
                                 ratios["load_vs_baseline_a"], LOAD_VS_A))
            if "load_vs_baseline_b" in ratios:
                rows.append(_row(scale, f"load {source} vs baseline B (rdflib + pySHACL)", ratios["load_vs_baseline_b"],
                                 LOAD_VS_B))
            elif "load_vs_baseline_b_at_least" in ratios:
                rows.append(_row(scale, f"load {source} vs baseline B (capped: at least)",
                                 ratios["load_vs_baseline_b_at_least"], LOAD_VS_B, bound=True))
        v = r.get("validation", {})
        if "speedup" in v:
            rows.append(_row(scale, "validation speed-up vs whole-graph pySHACL", v["speedup"], VALIDATION_SPEEDUP))
        elif "speedup_at_least" in v:
            rows.append(_row(scale, "validation speed-up vs pySHACL (capped: at least)", v["speedup_at_least"],
                             VALIDATION_SPEEDUP, bound=True))
        finished = [s for s in v.get("sweep", []) if "speedup" in s]
        if finished and "speedup" not in v:
            largest = finished[-1]
            rows.append(_row(scale, f"validation speed-up at {largest['persons']:,} persons (largest where "
                                    "pySHACL finishes)", largest["speedup"], VALIDATION_SPEEDUP))
        for item in [*v.get("sweep", [])[:-1], v]:  # the sweep's last entry is the whole store
            if item.get("identical_results") is not None:
                rows.append(_row(scale, f"validation results identical to pySHACL ({item['persons']:,} persons)",
                                 float(item["identical_results"]), 1))
        if "validation_vs_load" in v:
            rows.append(_row(scale, "validation time / load time (≤ 1)", v["validation_vs_load"], 1, lower=True))
        for name, q in r.get("queries", {}).get("queries", {}).items():
            if q.get("ms") is not None:
                rows.append(_row(scale, f"query {name}: ms (≤ 1000)", q["ms"], QUERY_MS, lower=True))
            elif q.get("timeout"):
                cap = r["queries"].get("query_timeout_seconds") or r["queries"]["cap_seconds"]
                rows.append(_row(scale, f"query {name}: ms (timed out: at least)", 1000 * cap, QUERY_MS, lower=True,
                                 bound=True))
            if q.get("ratio"):
                rows.append(_row(scale, f"query {name}: vs rdflib", q["ratio"], QUERY_VS_RDFLIB))
            elif q.get("ratio_at_least"):
                rows.append(_row(scale, f"query {name}: vs rdflib (rdflib stopped: at least)", q["ratio_at_least"],
                                 QUERY_VS_RDFLIB, bound=True))
        firsts = [q.get("first") for q in r.get("queries", {}).get("queries", {}).values()]
        if firsts:
            if all(f and f.get("ms") is not None for f in firsts):
                rows.append(_row(scale, "slowest first ask from the service's start: ms (≤ 1000)",
                                 max(f["ms"] for f in firsts), QUERY_MS, lower=True))
            else:
                cap = r["queries"].get("query_timeout_seconds") or r["queries"]["cap_seconds"]
                rows.append(_row(scale, "slowest first ask from the service's start: ms (one out of time or "
                                        "refused: at least)", 1000 * cap, QUERY_MS, lower=True, bound=True))
        for h in r.get("http", {}).get("results", []):
            if h["target"] == "resource-turtle" and h["clients"] == 8:
                rows.append(_row(scale, "Turtle resources/s at 8 clients", h["requests_per_s"], TURTLE_RPS))
                rows.append(_row(scale, "Turtle p99 ms at 8 clients (≤ 50)", h["p99_ms"], TURTLE_P99_MS, lower=True))
        peaks = [load[k]["peak_mb"] for k in ("load_duo", "load_ggm_sqlite") if load.get(k, {}).get("peak_mb")]
        if peaks:
            rows.append(_row(scale, "load peak memory MB (≤ 4096)", max(peaks), PEAK_MB, lower=True))
        if r.get("service", {}).get("peak_mb"):
            rows.append(_row(scale, "service peak memory MB, queries and HTTP (≤ 4096)", r["service"]["peak_mb"],
                             PEAK_MB, lower=True))
        if "reload" in r:
            rows.append(_row(scale, "reload of one municipality: this store / empty store (≤ 1.5)", r["reload"]["ratio"],
                             RELOAD_RATIO, lower=True))
    return rows


def _row(scale: str, what: str, value: float, goal: float, *, lower: bool = False,
         bound: bool = False) -> dict[str, Any]:
    """``bound``: the value is a bound from a capped run (at least, or for a time: at least as slow). ``met`` is
    None where a bound below the goal says nothing: a ratio of at least 1.1 against a goal of 50 may be either."""
    met: bool | None = value <= goal if lower else value >= goal
    if bound and lower:
        met = False  # a time that hit the cap is not known to be under the goal
    elif bound and not met:
        met = None
    return {"scale": scale, "target": what, "value": value, "goal": goal, "lower_is_better": lower, "bound": bound,
            "met": met}


def _targets_table(rows: list[dict[str, Any]]) -> list[str]:
    met = {True: "yes", False: "**no**", None: "not shown (the baseline was stopped)"}
    return ["| scale | target | measured | goal | met |", "|---|---|---|---|---|",
            *(f"| {r['scale']} | {r['target']} | {_fmt(r['value'])} | {_fmt(r['goal'])} | {met[r['met']]} |"
              for r in rows)]


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


def markdown(results: dict[str, Any]) -> str:
    """Tables: targets, then the raw figures per scale."""
    meta = results["meta"]
    wall = meta.get("wall_seconds")
    lines = [f"# Benchmark results ({meta['date']})", "",
             (f"Command: `{meta['command']}`; machine: {meta['machine']}; total wall time "
              f"{_fmt(wall / 60 if wall else None, 1)} min. Runs: medians of {meta['runs']} "
              f"at the municipality scale, {meta.get('national_runs', meta['runs'])} at the national scale; "
              f"queries: median of up to 3 runs within 20 s; capped baselines: 1 run, stopped at "
              f"{meta['cap_seconds']:.0f} s (baseline B: at 3.5x the loader's time, at most twice that); "
              f"queries through the service stopped at its timeout of 30 s; service processes: "
              f"{meta.get('serve_workers', 1)}. "
              f"Versions: {meta['versions']}."), "",
             "## Targets", "", *_targets_table(results["targets"])]
    for scale, r in results["scales"].items():
        parts = r.get("source_parts", 1)
        lines += ["", f"## {scale}: {r['persons']:,} persons"
                  + (f" in {parts} source parts" if parts > 1 else "")
                  + f", {_fmt(r.get('load', {}).get('quads'))} quads"
                  + (f"; {_fmt(r['wall_seconds'] / 60, 1)} min" if r.get("wall_seconds") else ""),
                  ""]
        if r.get("stage_seconds"):
            lines += ["Where the run's time went: " + "; ".join(
                f"{stage} {seconds / 60:,.1f} min" for stage, seconds in r["stage_seconds"].items()) + ".", ""]
        lines += _load_table(r.get("load", {})) + _validation_table(r.get("validation", {}))
        lines += _query_table(r.get("queries", {}), r.get("ask_ahead")) + _http_table(r.get("http", {}))
        if r.get("service"):
            lines += [(f"Service (queries and HTTP above, {r['service']['seconds']:,.0f} s): peak memory "
                       f"{_fmt(r['service']['peak_mb'], 0)} MB, its process and query workers together (their "
                       f"proportional set sizes summed, sampled every {r['service']['sample_s']:g} s)."), ""]
        lines += _reload_table(r.get("reload"))
    return "\n".join(lines) + "\n"


def _reload_table(reload: dict[str, Any] | None) -> list[str]:
    if not reload:
        return []
    runs = reload["runs"]
    return ["", (f"Reload of {reload['gemeente']} ({reload['persons']:,} persons, one DUO bundle), alternating between "
                 f"the stores after one untimed reload in each; load average {_fmt(reload['load_average'][0], 1)}."), "",
            "| store | median s | runs s |", "|---|---|---|",
            f"| empty (model only) | {_fmt(reload['median_empty_s'])} | {', '.join(map(str, runs['empty']))} |",
            (f"| this scale's store ({_fmt(reload['store_mb'], 0)} MB) | {_fmt(reload['median_store_s'])} | "
             f"{', '.join(map(str, runs['store']))} |"),
            f"| ratio | {_fmt(reload['ratio'])} | |"]


def _load_table(load: dict[str, Any]) -> list[str]:
    if not load:
        return []
    out = ["| load step | median s | CPU s | runs | peak MB | quads/s | note |", "|---|---|---|---|---|---|---|"]
    quads = load.get("quads")
    for key in ("load_duo", "load_ggm_sqlite", "baseline_a", "baseline_b"):
        m = load.get(key)
        if not m:
            continue
        note = f"capped at {m['cap_seconds']:.0f} s" if m.get("capped") else ""
        rate = (m.get("quads") or quads) / m["seconds"] if m["seconds"] and (m.get("quads") or quads) else None
        if key.startswith("load"):
            note = (f"{_fmt(m.get('persons_published'))} published, {_fmt(m.get('persons_rejected'))} rejected; "
                    f"{m.get('parts', 1)} part(s); store {_fmt(m.get('store_mb'), 0)} MB")
        out.append(f"| {key} | {_fmt(m['seconds'])} | {_fmt(m.get('cpu_s'), 1)} | {m['runs']} | "
                   f"{_fmt(m['peak_mb'], 0)} | {_fmt(rate, 0)} | {note} |")
    out.append("")
    for source, key in (("DUO", "ratios"), ("GGM SQLite", "ratios_ggm_sqlite")):
        r = load.get(key)
        if not r:
            continue
        b = (f"{_fmt(r['load_vs_baseline_b'])}" if "load_vs_baseline_b" in r else
             f"≥ {_fmt(r['load_vs_baseline_b_at_least'])} (baseline capped)" if "load_vs_baseline_b_at_least" in r
             else "not run")
        lenient = (f" (vs its lenient bulk load, without the IRI check the loader's writer skips: "
                   f"{_fmt(r['load_vs_baseline_a_lenient'])})" if "load_vs_baseline_a_lenient" in r else "")
        if key == "ratios" and load.get("pairs"):
            out.append(f"- DUO loader against baseline A in {len(load['pairs'])} alternated pairs (load, bulk load, "
                       "load, bulk load): " + "; ".join(
                           f"{_fmt(p['load_seconds'])} s against {_fmt(p['baseline_a_seconds'])} s, "
                           f"{_fmt(p['ratio'])}" for p in load["pairs"])
                       + f"; median {_fmt(r['load_vs_baseline_a'])} (the line below is the first pair's figures)")
        out.append(f"- {source} loader: {_fmt(r.get('load_quads_per_s'), 0)} quads/s; vs baseline A "
                   f"({_fmt(r.get('baseline_a_quads_per_s'), 0)} quads/s): "
                   f"{_fmt(r.get('load_vs_baseline_a_first_pair', r.get('load_vs_baseline_a')))}"
                   f"{lenient}; vs baseline B: {b}")
    settled = load.get("settle")
    if settled:
        out.append(f"- `inburgering store settle` after the load (not in the ratios): {_fmt(settled['seconds'])} s, "
                   f"CPU {_fmt(settled.get('cpu_s'), 1)} s, peak {_fmt(settled['peak_mb'], 0)} MB; the checkpoint "
                   f"the service reads: {settled['tables_before']} -> {settled['tables_after']} table files")
    return out + [""]


def _pyshacl_cell(p: dict[str, Any] | None, skipped: str | None = None) -> str:
    if skipped:
        return skipped
    if not p:
        return "—"
    return _fmt(p["seconds"]) if p["seconds"] else f"> {_fmt(p['cap_seconds'], 0)} (capped)"


def _validation_table(v: dict[str, Any]) -> list[str]:
    if not v:
        return []
    out = [("| validation | persons | quads | fast s (median) | fast peak MB | pySHACL s | speed-up | "
           "identical results |"), "|---|---|---|---|---|---|---|---|"]
    for item in [*v.get("sweep", [])[:-1], v]:
        f, p = item["fast"], item.get("pyshacl")
        speed = (_fmt(item["speedup"], 1) if "speedup" in item else
                 f"≥ {_fmt(item['speedup_at_least'], 1)}" if "speedup_at_least" in item else "—")
        out.append(f"| {'subset' if item is not v else 'whole store'} | {_fmt(item.get('persons'))} | "
                   f"{_fmt(item.get('quads'))} | {_fmt(f['seconds'])} | {_fmt(f['peak_mb'], 0)} | "
                   f"{_pyshacl_cell(p, item.get('pyshacl_skipped'))} | "
                   f"{speed} | {_fmt(item.get('identical_results'))} |")
    return out + [""]


def _query_table(q: dict[str, Any], ahead: dict[str, Any] | None = None) -> list[str]:
    if not q:
        return []
    timeout = q.get("query_timeout_seconds") or q["cap_seconds"]

    def ms(row: dict[str, Any] | None) -> str:
        if not row:
            return "—"
        again = f", ask again at {row['ask_again_at_s']:.0f} s" if row.get("ask_again_at_s") is not None else ""
        return _fmt(row.get("ms"), 1) if row.get("ms") is not None else (
            f"timeout (> {timeout:.0f} s{again})" if row.get("timeout") else f"HTTP {row.get('status')}")

    kept, scope = q.get("kept"), q.get("rdflib_scope") or {}
    start = (f"first asks from the service's start, the cookbook asked ahead before it (`inburgering serve "
             f"--ask-ahead-only`: {ahead['asked']:,} answers in {_fmt(ahead['seconds'])} s, CPU "
             f"{_fmt(ahead.get('cpu_s'), 1)} s, peak {_fmt(ahead.get('peak_mb'), 0)} MB)" if ahead else
             "first asks from the service's start, while it asks the cookbook ahead (a first ask out of time is told "
             "when to ask again: `Retry-After`, here in seconds from the start)")
    out = [f"Analyst queries through {q.get('through', 'the store')}: {start}, "
           "then the same queries once it keeps every municipality's answer"
           + (f" ({kept['answers_kept']:,} of {kept['answers_wanted']:,} answers kept {kept['kept_within_s']:.0f} s "
              "after the service's start)" if kept else "") + "; rdflib: in-memory `Dataset`, union default graph"
           + (f", holding the {scope['gemeenten']} municipalities of {scope['persons']:,} persons ({scope['quads']:,} "
              "quads) that the service was asked with a token for exactly those (\"scope ms\"), over the whole store"
              if scope.get("subset") else "") + ".", "",
           "| analyst query | ms first ask | ms kept | rows | scope ms | rdflib ms | rdflib rows | ratio (rdflib / scope) |",
           "|---|---|---|---|---|---|---|---|"]
    for name, row in q["queries"].items():
        out.append(f"| {name} | {ms(row.get('first'))} | {ms(row)} | {_fmt(row.get('rows'))} | "
                   f"{_fmt(row.get('scope_ms', row.get('ms')), 1)}"
                   + (f" ({_fmt(row['scope_rows'])} rows)" if scope.get("subset") and row.get("scope_rows") is not None
                      else "") + " | "
                   + (f"> {row['rdflib_timeout']:.0f} s (stopped)" if row.get("rdflib_timeout") else
                      _fmt(row['rdflib_ms'], 1))
                   + f" | {_fmt(row.get('rdflib_rows'))} | "
                   + (f"≥ {_fmt(row['ratio_at_least'], 0)}" if row.get("ratio_at_least") else _fmt(row['ratio'], 1))
                   + " |")
    if any(row["rdflib_ms"] is not None and row["rdflib_rows"] != row.get("scope_rows", row.get("rows"))
           for row in q["queries"].values()):
        out.append("\nNo ratio where rdflib's answer has a different number of rows (rdflib does not add a "
                   "duration to an `xsd:date`, so a date window is empty there).")
    if q.get("rdflib_capped"):
        out.append(f"\nrdflib baseline stopped at the cap of {q['cap_seconds']:.0f} s, parse included (queries "
                   "without a time did not finish).")
    return out + [""]


def _http_table(h: dict[str, Any]) -> list[str]:
    if not h:
        return []
    out = ["| HTTP target | clients | req/s | p50 ms | p99 ms | errors | generator |", "|---|---|---|---|---|---|---|"]
    for r in h["results"]:
        out.append(f"| {r['target']} | {r['clients']} | {_fmt(r['requests_per_s'], 0)} | {_fmt(r['p50_ms'], 1)} | "
                   f"{_fmt(r['p99_ms'], 1)} | {r['errors']} | {r['generator']} |")
    return out + [""]


def chart(results: dict[str, Any], path: Path) -> None:
    """One bar per target (measured relative to goal, log scale): bars right of the line meet their target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["targets"] if "identical" not in r["target"]]
    labels = [f"{r['scale']}: {r['target']}" for r in rows]
    values = [(r["goal"] / r["value"] if r["lower_is_better"] else r["value"] / r["goal"]) if r["value"] else 1e-3
              for r in rows]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.5))
    ax.barh(range(len(rows)), values, color=[{True: "tab:green", False: "tab:red", None: "tab:grey"}[r["met"]] for r in rows],
            hatch=["//" if r["bound"] else "" for r in rows])
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("measured relative to target\n(> 1 meets it; log scale; hatched: bound from a capped run)")
    ax.set_title(f"inburgering benchmarks, {results['meta']['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write(results: dict[str, Any], folder: Path, stem: str = "results") -> list[Path]:
    """Write ``{stem}.json``, ``{stem}.md`` and ``{stem}.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    results["targets"] = targets(results)
    paths = [folder / f"{stem}.json", folder / f"{stem}.md", folder / f"{stem}.png"]
    paths[0].write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(results), encoding="utf-8")
    chart(results, paths[2])
    return paths


def merge(paths: list[Path]) -> dict[str, Any]:
    """Several result files (e.g. one per scale, run separately) as one: scales side by side, meta of each."""
    merged: dict[str, Any] = {"meta": {}, "scales": {}, "runs": []}
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        merged["runs"].append(data["meta"])
        merged["scales"].update(data["scales"])
    first = merged["runs"][0]
    merged["meta"] = {**first, "date": " / ".join(m["date"] for m in merged["runs"]),
                      "command": " ; ".join(m["command"] for m in merged["runs"])}
    return merged
