"""``python -m bench.together``: a municipality's part of every saved query, one by one from disk or together from
one in-memory copy of its graphs (``scoped.answer_together``; issue 15, target 1: the first asks on a new store).

After a publication the service asks, in the background, each municipality's answer to every saved query asked
before (``partitioned.Partitioned.fill``). Asked one by one, each is a query over the municipality's graphs and the
public graphs on disk; asked together, one query worker copies those graphs into memory once and answers them all
there. On a folder store built by ``bench.scoped.build_store`` (``--store``), in this process, for ``--gemeenten``
municipalities spread over the sorted list (with a token for every municipality, special categories included:
the scope of ``bench.kept``), each municipality alternately:

- **disk**: every saved query and the persons query over its graphs, one after the other (``execute_job``);
- **together**: the same jobs through ``answer_together`` (the copy included in the time).

Answers are compared (sorted rows; the two ``GROUP_CONCAT`` columns as sets). Writes ``bench/results/together.json``
under the store's size (``15x8667``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench.backends import _gemeenten
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.dataset import allowed_graphs
from inburgering.security.scope import AccessScope
from inburgering.service.cookbook import load_cookbook
from inburgering.service.execute import QueryAnswer, QueryJob, Together, execute_job
from inburgering.service.partitioned import Partitioned, partition
from inburgering.service.scoped import answer_together
from inburgering.settings import Settings
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.snapshots import Publications

RESULTS = Path(__file__).parent / "results" / "together.json"
TSV = "text/tab-separated-values"


def comparable(answer: QueryAnswer) -> list[tuple[str, ...]]:
    """Rows, sorted, each cell with its ``" | "``- or space-separated parts sorted (``GROUP_CONCAT``'s order)."""
    assert answer.error_kind is None, answer.error
    lines = answer.body.decode("utf-8").splitlines()[1:]
    return sorted(tuple(" ".join(sorted(cell.replace(" | ", " ").split(" "))) for cell in line.split("\t"))
                  for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.together", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a folder store built by bench.scoped.build_store")
    parser.add_argument("--gemeenten", type=int, default=30, help="how many municipalities (spread over the list)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    limit = Settings().scope_copy_quads
    gemeenten = _gemeenten(args.store)
    snapshot = Publications(args.store).open_current()
    reader = EmbeddedStore.from_snapshot(snapshot)
    scope = AccessScope(None, "analyst", frozenset(gemeenten), special_categories=True)
    parts = partition(allowed_graphs(scope, reader, base=BASE), base=BASE)
    assert parts is not None
    step = max(1, len(parts.parts) // args.gemeenten)
    chosen = sorted(parts.parts)[::step][:args.gemeenten]
    cookbook = load_cookbook()
    rows: list[dict[str, Any]] = []
    print(f"{len(chosen)} of {len(parts.parts)} municipalities, {len(cookbook)} saved queries + persons; "
          f"copy limit {limit:,} quads", flush=True)
    for n, gm in enumerate(chosen):
        own = parts.parts[gm]
        jobs = [Partitioned._part_job(QueryJob(q.query, (), (), TSV, 10**9, BASE), own, parts.shared)
                for q in cookbook]
        jobs.append(Partitioned._persons_job(jobs[0]))
        timed: dict[str, float] = {}
        answers: dict[str, list[QueryAnswer]] = {}
        for way in (("disk", "together") if n % 2 == 0 else ("together", "disk")):
            started = time.perf_counter()
            if way == "disk":
                answers[way] = [execute_job(reader, job) for job in jobs]
            else:
                answers[way] = list(answer_together(reader, Together(tuple(jobs)), limit=limit).answers)
            timed[way] = time.perf_counter() - started
        copied = all(a.from_copy for a in answers["together"])
        same = sum(comparable(a) == comparable(b) for a, b in zip(answers["disk"], answers["together"], strict=True))
        rows.append({"gemeente": gm, "disk_s": round(timed["disk"], 3), "together_s": round(timed["together"], 3),
                     "from_copy": copied, "same": same, "jobs": len(jobs)})
        print(f"  {gm}: disk {timed['disk']:.2f} s, together {timed['together']:.2f} s "
              f"({'copy' if copied else 'disk'}), {same}/{len(jobs)} same", flush=True)
    reader.close()
    snapshot.close()
    summary = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "gemeenten": len(rows),
               "of": len(parts.parts), "jobs_per_gemeente": len(cookbook) + 1,
               **paired(rows, "disk", "together", count="jobs")}
    write_run(args.out, args.store, summary)
    return 0


def paired(rows: list[dict[str, Any]], before: str, after: str, *, count: str) -> dict[str, Any]:
    """The medians and sums of the rows' ``{before}_s`` and ``{after}_s``, the ratio of the sums, how many of
    the rows' ``count`` gave the same answers (``same``), the load average and the rows."""
    a, b = [r[f"{before}_s"] for r in rows], [r[f"{after}_s"] for r in rows]
    return {f"{before}_s_median": round(statistics.median(a), 3), f"{after}_s_median": round(statistics.median(b), 3),
            f"{before}_s_sum": round(sum(a), 2), f"{after}_s_sum": round(sum(b), 2),
            "ratio_of_sums": round(sum(a) / sum(b), 2),
            "same": f"{sum(r['same'] for r in rows)} of {sum(r[count] for r in rows)}",
            "load_average": os.getloadavg(), "rows": rows}


def write_run(out: Path, store: Path, summary: dict[str, Any]) -> None:
    """Keep ``summary`` in ``out`` under the size of the store built by ``build_store`` (``15x8667``); print it."""
    parts_files = sorted(store.parent.glob("part-*/duo.jsonl"))
    size = f"{len(parts_files)}x{len(parts_files[0].read_text().splitlines())}" if parts_files else "store"
    runs = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    runs[size] = summary
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
