"""The benchmark harness's own logic (``bench/``): national parts, caps, and how results become target rows."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from bench.harness import Measurement
from bench.suite import Config, baseline_b_cap, load_ratios, pair_ratios, part_key, source_parts

from bench import report


def test_the_national_scale_needs_parts_of_at_most_9091_persons() -> None:
    assert [source_parts(n) for n in (2_000, 9_091, 9_092, 13_000, 130_000)] == [1, 1, 2, 2, 15]
    assert part_key(1) != part_key(2) != part_key(15)


def _cfg(cap: float) -> Config:
    return Config(name="x", persons=10, runs=1, cap=cap, work=Path("."), base="https://example.org",
                  http_seconds=1, parts=frozenset())


def test_baseline_b_stops_at_three_and_a_half_times_the_loader_or_twice_the_cap() -> None:
    load = Measurement("load", 1, 10.0, [10.0], 100.0)
    assert baseline_b_cap(_cfg(60), load) == 35.0
    assert baseline_b_cap(_cfg(10), load) == 20.0


def test_ratios_compare_quads_per_second_and_a_capped_baseline_gives_a_lower_bound() -> None:
    load = Measurement("load", 1, 10.0, [10.0], 100.0, extra={"quads": 1_000})
    a = Measurement("a", 1, 2.0, [2.0], 50.0)
    b = Measurement("b", 1, None, [], None, capped=True, cap_seconds=40.0)
    ratios = load_ratios(load, a, b, 1_000)
    assert ratios["load_vs_baseline_a"] == 0.2 and ratios["load_vs_baseline_b_at_least"] == 4.0
    assert "load_vs_baseline_b" not in ratios


def test_without_the_references_no_baseline_b_ratio_is_made_and_the_report_says_not_run() -> None:
    load = Measurement("load", 1, 10.0, [10.0], 100.0, extra={"quads": 1_000})
    ratios = load_ratios(load, Measurement("a", 1, 2.0, [2.0], 50.0), None, 1_000)
    assert ratios["load_vs_baseline_a"] == 0.2 and not any("baseline_b" in k for k in ratios)
    lines = report._load_table({"quads": 1_000, "ratios": ratios,
                                "load_duo": {"seconds": 10.0, "runs": 1, "peak_mb": 100.0}})
    assert any(x.endswith("vs baseline B: not run") for x in lines)
    assert not any(x.startswith("| baseline_b") for x in lines)


def test_skip_references_leaves_the_municipality_scale_its_references(monkeypatch: Any, tmp_path: Path) -> None:
    import bench.__main__ as main

    seen: dict[str, bool] = {}

    def run_scale(cfg: Config) -> dict[str, Any]:
        seen[cfg.name] = cfg.references
        return {}

    monkeypatch.setattr(main, "run_scale", run_scale)
    monkeypatch.setattr(report, "write", lambda results, out, stem: [])
    assert main.main(["--skip-references", "--work", str(tmp_path), "--out", str(tmp_path)]) == 0
    assert seen == {"municipality": True, "national": False}


def test_alternated_pairs_give_each_pair_its_ratio_and_the_load_their_median() -> None:
    pairs = [{"load_seconds": 300.0, "baseline_a_seconds": 210.0, "quads": 1_000},
             {"load_seconds": 400.0, "baseline_a_seconds": 240.0, "quads": 1_000},
             {"load_seconds": 350.0, "baseline_a_seconds": 245.0, "quads": 990}]
    assert math.isclose(pair_ratios(pairs, 1_000), 0.693)  # the median of 0.70, 0.60 and 0.693
    assert [round(p["ratio"], 3) for p in pairs] == [0.7, 0.6, 0.693]
    lines = report._load_table({"quads": 1_000, "pairs": pairs, "load_duo": {"seconds": 350.0, "runs": 1, "peak_mb": 900.0},
                                "ratios": {"load_vs_baseline_a": 0.693, "load_vs_baseline_a_first_pair": 0.7,
                                           "load_quads_per_s": 1_000 / 300, "baseline_a_quads_per_s": 1_000 / 210}})
    line = next(x for x in lines if "alternated pairs" in x)
    assert "3 alternated pairs" in line and "400.00 s against 240.00 s, 0.60" in line and "median 0.69" in line
    first = lines[lines.index(line) + 1]  # the first pair's quads/s, so its ratio, not the median
    assert first.startswith("- DUO loader: 3 quads/s") and "(5 quads/s): 0.70" in first
    assert not any("store settle" in x for x in lines)
    settled = report._load_table({"quads": 1_000, "load_duo": {"seconds": 350.0, "runs": 1, "peak_mb": 900.0},
                                  "settle": {"seconds": 22.2, "cpu_s": 20.8, "peak_mb": 150.0, "tables_before": 172,
                                             "tables_after": 103}})
    assert "- `inburgering store settle` after the load (not in the ratios): 22.20 s, CPU 20.8 s, peak 150 MB; the " \
        "checkpoint the service reads: 172 -> 103 table files" in settled


def test_target_rows_say_met_or_not_or_unknown_and_a_timed_out_query_never_meets_its_target() -> None:
    results = {"scales": {"national": {
        "load": {"ratios": {"load_vs_baseline_a": 0.5, "load_vs_baseline_b_at_least": 3.3},
                 "load_duo": {"peak_mb": 300.0}, "load_ggm_sqlite": {"peak_mb": 5000.0}},
        "validation": {"speedup_at_least": 12.0, "validation_vs_load": 0.5,
                       "sweep": [{"persons": 250, "speedup": 30.0, "identical_results": True},
                                 {"persons": 500, "speedup": 55.0, "identical_results": True},
                                 {"persons": 2000, "speedup_at_least": 20.0}]},
        "queries": {"cap_seconds": 60, "query_timeout_seconds": 30, "queries": {
            "q1": {"ms": 400.0, "ratio": 12.0}, "q2": {"ms": None, "timeout": True, "ratio": None}}},
        "http": {"results": [{"target": "resource-turtle", "clients": 8, "requests_per_s": 1600.0, "p99_ms": 60.0}]},
        "service": {"peak_mb": 4100.0, "sample_s": 1.0, "seconds": 600.0},
    }}}
    rows = {r["target"]: r for r in report.targets(results)}
    met = {name: row["met"] for name, row in rows.items()}
    assert met["load DUO vs baseline A (Oxigraph bulk load)"] is False
    assert met["load DUO vs baseline B (capped: at least)"] is True
    assert met["validation speed-up vs pySHACL (capped: at least)"] is None  # at least 12: below 50 or above
    lines = report._targets_table(list(rows.values()))
    assert ("| national | validation speed-up vs pySHACL (capped: at least) | 12.00 | 50.00 | "
            "not shown (the baseline was stopped) |") in lines
    assert "| national | load DUO vs baseline A (Oxigraph bulk load) | 0.50 | 0.67 | **no** |" in lines
    assert met["validation speed-up at 500 persons (largest where pySHACL finishes)"] is True
    assert met["validation time / load time (≤ 1)"] is True
    assert met["query q1: ms (≤ 1000)"] is True and met["query q1: vs rdflib"] is True
    assert rows["query q2: ms (timed out: at least)"]["value"] == 30_000 and not met["query q2: ms (timed out: at least)"]
    assert met["Turtle resources/s at 8 clients"] is True and met["Turtle p99 ms at 8 clients (≤ 50)"] is False
    assert rows["load peak memory MB (≤ 4096)"]["value"] == 5000.0 and not met["load peak memory MB (≤ 4096)"]
    assert met["service peak memory MB, queries and HTTP (≤ 4096)"] is False


def test_the_pyshacl_fit_goes_through_both_points_and_never_grows_slower_than_linear() -> None:
    from bench.pyshacl import fit

    a, b = fit([(500, 22.0), (1_000, 50.0)])
    assert round(b, 3) == round(math.log(50 / 22) / math.log(2), 3) and math.isclose(a * 1_000**b, 50.0)
    a, b = fit([(100, 6.0), (300, 15.0)])  # faster than linear in this range: taken as linear
    assert b == 1.0 and math.isclose(a * 300, 15.0)


def test_a_first_ask_out_of_time_shows_when_the_service_said_to_ask_again() -> None:
    first = {"ms": None, "rows": None, "status": 503, "timeout": True, "ask_again_at_s": 141.6}
    q = {"cap_seconds": 60, "query_timeout_seconds": 30,
         "kept": {"answers_kept": 10, "answers_wanted": 10, "kept_within_s": 150.2},
         "queries": {"q": {"ms": 20.0, "rows": 3, "rdflib_ms": None, "rdflib_rows": None, "ratio": None,
                           "first": first},
                     "r": {"ms": 20.0, "rows": 3, "rdflib_ms": None, "rdflib_rows": None, "ratio": None,
                           "first": {**first, "ask_again_at_s": None}}}}
    table = "\n".join(report._query_table(q))
    assert "| q | timeout (> 30 s, ask again at 142 s) | 20.0 |" in table
    assert "| r | timeout (> 30 s) | 20.0 |" in table  # no Retry-After: nothing said
    assert "kept 150 s after the service's start" in table


def test_the_slowest_first_ask_is_a_target_and_one_out_of_time_never_meets_it() -> None:
    def scale(firsts: list[dict[str, Any] | None]) -> dict[str, Any]:
        return {"scales": {"national": {"queries": {"cap_seconds": 120, "query_timeout_seconds": 30, "queries": {
            f"q{i}": {"ms": 20.0, "first": first} for i, first in enumerate(firsts)}}}}}

    name = "slowest first ask from the service's start: ms (≤ 1000)"
    rows = {r["target"]: r for r in report.targets(scale([{"ms": 12.0}, {"ms": 640.0}]))}
    assert rows[name]["value"] == 640.0 and rows[name]["met"] is True
    rows = {r["target"]: r for r in report.targets(scale([{"ms": 12.0}, {"ms": 1_200.0}]))}
    assert rows[name]["met"] is False
    out = {r["target"]: r for r in report.targets(scale([{"ms": 12.0}, {"ms": None, "status": 503, "timeout": True}]))}
    late = "slowest first ask from the service's start: ms (one out of time or refused: at least)"
    assert out[late]["value"] == 30_000 and out[late]["met"] is False


def test_the_query_table_says_when_the_cookbook_was_asked_ahead_before_the_service_started() -> None:
    q = {"cap_seconds": 60, "query_timeout_seconds": 30, "queries": {}}
    ahead = {"asked": 7_500, "seconds": 101.25, "cpu_s": 190.0, "peak_mb": 600.0, "kept": 7_500}
    assert "`inburgering serve --ask-ahead-only`: 7,500 answers in 101.25 s" in "\n".join(report._query_table(q, ahead))
    assert "while it asks the cookbook ahead" in "\n".join(report._query_table(q))


def test_a_run_records_the_wall_time_of_each_stage_and_the_report_shows_them(monkeypatch: Any,
                                                                              capsys: Any) -> None:
    import bench.__main__ as main

    monkeypatch.setattr(main, "prepare_data", lambda cfg, log: {"parts": 1})
    monkeypatch.setattr(main, "load_part", lambda cfg, data, log: ({"load_duo": {"seconds": 1.0, "runs": 1, "peak_mb": 1.0}},
                                                                     Path("store")))
    monkeypatch.setattr(main, "validation_part", lambda cfg, store, seconds, log: {})
    monkeypatch.setattr(main, "reload_part", lambda cfg, data, store, log: None)
    cfg = Config(name="x", persons=10, runs=1, cap=1, work=Path("."), base="https://example.org", http_seconds=1,
                 parts=frozenset({"load", "validation", "reload"}))
    out = main.run_scale(cfg)
    assert list(out["stage_seconds"]) == ["data", "load", "validation", "reload"]
    assert all(v >= 0 for v in out["stage_seconds"].values())
    assert "stages: data 0 s, load 0 s, validation 0 s, reload 0 s" in capsys.readouterr().out
    out["stage_seconds"] = {"data": 30.0, "load": 1_800.0}
    text = report.markdown({"meta": {"date": "d", "command": "c", "machine": "m", "runs": 1, "cap_seconds": 60,
                                     "versions": "v"}, "targets": [], "scales": {"national": out}})
    assert "Where the run's time went: data 0.5 min; load 30.0 min." in text


def test_the_export_holds_exactly_the_stores_quads_dumped_graph_by_graph_on_every_core(tmp_path: Path) -> None:
    import doctest

    from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Store, parse

    from bench import steps

    ex = "http://example.org/"
    s, p = NamedNode(ex + "s"), NamedNode(ex + "p")
    quads = {Quad(s, p, Literal("line .\nbreak \" .\n"), NamedNode(ex + "graph/union")),
             Quad(s, p, Literal("plain"), DefaultGraph()),
             Quad(s, p, Literal("in a blank graph"), BlankNode("b1")),
             *(Quad(NamedNode(f"{ex}s{i}"), p, Literal(i), NamedNode(f"{ex}g{i % 7}")) for i in range(5_000))}
    store = Store(str(tmp_path / "store"))
    store.extend(quads)
    store.flush()
    del store
    out = tmp_path / "all.nq"
    done = steps.export(store=str(tmp_path / "store"), base=ex.rstrip("/"), out=str(out))
    assert done["quads"] == len(quads)
    assert set(parse(path=out, format=RdfFormat.N_QUADS)) == quads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.nq", "store"]  # the threads' files are joined
    runner = doctest.DocTestRunner()
    for example in doctest.DocTestFinder().find(steps._AsQuads, globs={"io": steps.io, "_AsQuads": steps._AsQuads}):
        runner.run(example)
    assert runner.summarize(verbose=False) == (0, 7)


def test_the_national_parts_load_in_one_process_each_with_its_own_key(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts repeat the test BSNs: one load of all of them with a key per part gives distinct persons. With
    one key for both, each person of part 2 would be a person of part 1: the load publishes none of them."""
    from pyoxigraph import QuerySolutions, Store

    from bench import steps
    from inburgering.generate.run import generate_parts
    from inburgering.namespaces import inb

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", part_key(1))  # the step sets it: undone for later tests
    reports = generate_parts(persons=12, parts=2, seed=3, defects=0.0, format="duo", out=tmp_path / "duo.jsonl")
    sources = [str(r.out) for r in reports]

    def load(name: str, key: str | list[str]) -> dict[str, Any]:
        return steps.load(store=str(tmp_path / name), sources=sources, rejects=str(tmp_path / f"{name}.jsonl"),
                          report=str(tmp_path / f"{name}.json"), key=key)

    result = load("two", [part_key(1), part_key(2)])
    assert result["exit_code"] == 0 and result["persons_published"] == 12
    solutions = Store.read_only(str(tmp_path / "two")).query(
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) {{ GRAPH ?g {{ ?p a <{inb('Inburgeraar')}> }} }}")
    assert isinstance(solutions, QuerySolutions)
    assert int(next(iter(solutions))["n"].value) == 12  # type: ignore[union-attr]
    with pytest.raises(SystemExit, match="load exited with 2"):  # nothing published
        load("one", part_key(1))
