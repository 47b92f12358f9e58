"""The benchmark's outputs: the raw JSON, a Markdown table of every figure with its baseline ratio, and a chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 8 with the measured ratio, per scale where it was measured."""
    rows: list[dict[str, Any]] = []
    for scale, r in results["scales"].items():
        load = r.get("load", {}).get("ratios", {})
        if "load_vs_baseline_a" in load:
            rows.append(_row(scale, "load vs baseline A (Oxigraph bulk load)", load["load_vs_baseline_a"], 2 / 3))
        if "load_vs_baseline_b" in load:
            rows.append(_row(scale, "load vs baseline B (rdflib + pySHACL)", load["load_vs_baseline_b"], 3))
        elif "load_vs_baseline_b_at_least" in load:
            rows.append(_row(scale, "load vs baseline B (capped: at least)", load["load_vs_baseline_b_at_least"], 3))
        v = r.get("validation", {})
        if "speedup" in v:
            rows.append(_row(scale, "validation speed-up vs whole-graph pySHACL", v["speedup"], 50))
        elif "speedup_at_least" in v:
            rows.append(_row(scale, "validation speed-up vs pySHACL (capped: at least)", v["speedup_at_least"], 50))
        if v.get("identical_results") is not None:
            rows.append(_row(scale, "validation results identical to pySHACL", float(v["identical_results"]), 1))
        if "validation_vs_load" in v:
            rows.append(_row(scale, "validation time / load time (≤ 1)", v["validation_vs_load"], 1, lower=True))
        for name, q in r.get("queries", {}).get("queries", {}).items():
            rows.append(_row(scale, f"query {name}: ms (≤ 1000)", q["oxigraph_ms"], 1000, lower=True))
            if q.get("ratio"):
                rows.append(_row(scale, f"query {name}: vs rdflib", q["ratio"], 10))
        for h in r.get("http", {}).get("results", []):
            if h["target"] == "resource-turtle" and h["clients"] == 8:
                rows.append(_row(scale, "Turtle resources/s at 8 clients", h["requests_per_s"], 1500))
                rows.append(_row(scale, "Turtle p99 ms at 8 clients (≤ 50)", h["p99_ms"], 50, lower=True))
        peak = r.get("load", {}).get("load_duo", {}).get("peak_mb")
        if peak:
            rows.append(_row(scale, "load peak memory MB (≤ 4096)", peak, 4096, lower=True))
    return rows


def _row(scale: str, what: str, value: float, goal: float, *, lower: bool = False) -> dict[str, Any]:
    return {"scale": scale, "target": what, "value": value, "goal": goal, "lower_is_better": lower,
            "met": value <= goal if lower else value >= goal}


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
    lines = [f"# Benchmark results ({meta['date']})", "",
             f"Machine: {meta['machine']}; runs per measurement: {meta['runs']} (medians); "
             f"time cap for baselines: {meta['cap_seconds']:.0f} s; versions: {meta['versions']}.", "",
             "## Targets", "", "| scale | target | measured | goal | met |", "|---|---|---|---|---|"]
    for row in results["targets"]:
        lines.append(f"| {row['scale']} | {row['target']} | {_fmt(row['value'])} | {_fmt(row['goal'])} | "
                     f"{'yes' if row['met'] else '**no**'} |")
    for scale, r in results["scales"].items():
        lines += ["", f"## {scale}: {r['persons']:,} persons, {_fmt(r.get('load', {}).get('quads'))} quads", ""]
        lines += _load_table(r.get("load", {})) + _validation_table(r.get("validation", {}))
        lines += _query_table(r.get("queries", {})) + _http_table(r.get("http", {}))
    return "\n".join(lines) + "\n"


def _load_table(load: dict[str, Any]) -> list[str]:
    if not load:
        return []
    out = ["| load step | median s | runs | peak MB | note |", "|---|---|---|---|---|"]
    for key in ("load_duo", "load_ggm_sqlite", "baseline_a", "baseline_b"):
        m = load.get(key)
        if m:
            note = f"capped at {m['cap_seconds']:.0f} s" if m.get("capped") else ""
            if key.startswith("load"):
                note = f"{_fmt(m.get('persons_published'))} published, {_fmt(m.get('persons_rejected'))} rejected"
            out.append(f"| {key} | {_fmt(m['seconds'])} | {m['runs']} | {_fmt(m['peak_mb'], 0)} | {note} |")
    r = load.get("ratios", {})
    out.append("")
    out.append(f"Loader: {_fmt(r.get('load_quads_per_s'), 0)} quads/s; baseline A: "
               f"{_fmt(r.get('baseline_a_quads_per_s'), 0)} quads/s.")
    return out + [""]


def _validation_table(v: dict[str, Any]) -> list[str]:
    if not v:
        return []
    f, p = v["fast"], v["pyshacl"]
    return ["| validation | median s | peak MB | results |", "|---|---|---|---|",
            f"| fast (SPARQL on Oxigraph) | {_fmt(f['seconds'])} | {_fmt(f['peak_mb'], 0)} | {_fmt(f.get('results'))} |",
            f"| pySHACL whole graph | {_fmt(p['seconds']) if p['seconds'] else 'capped at ' + _fmt(p['cap_seconds'], 0)}"
            f" | {_fmt(p['peak_mb'], 0)} | {_fmt(p.get('results'))} |", ""]


def _query_table(q: dict[str, Any]) -> list[str]:
    if not q:
        return []
    out = ["| analyst query | Oxigraph ms | rows | rdflib ms | ratio |", "|---|---|---|---|---|"]
    for name, row in q["queries"].items():
        out.append(f"| {name} | {_fmt(row['oxigraph_ms'], 1)} | {row['rows']} | {_fmt(row['rdflib_ms'], 1)} | "
                   f"{_fmt(row['ratio'], 1)} |")
    if q.get("rdflib_capped"):
        out.append(f"\nrdflib baseline stopped at the cap of {q['cap_seconds']:.0f} s (queries without a time did "
                   "not finish).")
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
    """One bar per ratio target (measured / goal, log scale): bars above the line meet their target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in results["targets"] if "identical" not in r["target"]]
    labels = [f"{r['scale']}: {r['target']}" for r in rows]
    values = [(r["goal"] / r["value"] if r["lower_is_better"] else r["value"] / r["goal"]) if r["value"] else 1e-3
              for r in rows]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.5))
    ax.barh(range(len(rows)), values, color=["tab:green" if r["met"] else "tab:red" for r in rows])
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("measured relative to target (> 1 meets it; log scale)")
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
