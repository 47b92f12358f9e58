"""``python -m bench.newtext``: a municipality's part of a new text (a saved query with another ``peildatum``),
answered from its packed graphs with a copy of every quad or of the quads of the predicates the text reads
(``projection.read_predicates``; issue 15, target 1).

On a folder store built by ``bench.scoped.build_store`` (``--store``), in this process, for ``--gemeenten``
municipalities spread over the sorted list (a token for every municipality, special categories included, the
scope of ``bench.kept``): the municipality's graphs are packed as the service's background packs them (its
cookbook together, ``Together.pack``), then each saved query that takes a ``peildatum`` is asked with
``--peildatum`` through ``answer_together`` from the packed graphs (the service's text: the guard's rewrite),
alternately with the whole copy and the projected one. Answers are compared (sorted rows; ``GROUP_CONCAT``
cells as sets). Writes ``bench/results/newtext.json`` under the store's size (``15x8667``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from bench.backends import _gemeenten
from bench.together import comparable, paired, write_run
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.dataset import allowed_graphs
from inburgering.security.scope import AccessScope
from inburgering.service import scoped
from inburgering.service.cookbook import bound_query, load_cookbook
from inburgering.service.execute import QueryJob, Together
from inburgering.service.partitioned import Partitioned, partition
from inburgering.service.projection import read_predicates
from inburgering.settings import Settings
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.querylex import inspect_query
from inburgering.store.snapshots import Publications

RESULTS = Path(__file__).parent / "results" / "newtext.json"
TSV = "text/tab-separated-values"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.newtext", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a folder store built by bench.scoped.build_store")
    parser.add_argument("--gemeenten", type=int, default=30, help="how many municipalities (spread over the list)")
    parser.add_argument("--peildatum", default="2026-06-30")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    limit = Settings().scope_copy_quads
    snapshot = Publications(args.store).open_current()
    reader = EmbeddedStore.from_snapshot(snapshot)
    scope = AccessScope(None, "analyst", frozenset(_gemeenten(args.store)), special_categories=True)
    parts = partition(allowed_graphs(scope, reader, base=BASE), base=BASE)
    assert parts is not None
    chosen = sorted(parts.parts)[::max(1, len(parts.parts) // args.gemeenten)][:args.gemeenten]
    cookbook = load_cookbook()
    today = dt.date.today()
    dated = [q for q in cookbook if q.parameter("peildatum")]
    texts = {q.name: inspect_query(bound_query(q, {"peildatum": [args.peildatum]}, today=today)[0]).text
             for q in dated}
    projected = {name: read_predicates(text) for name, text in texts.items()}
    public = scoped.PublicQuads()
    where = str(reader.path)
    whole_reads = scoped._read_by_all
    rows: list[dict[str, Any]] = []
    print(f"{len(chosen)} of {len(parts.parts)} municipalities, {len(dated)} saved queries with peildatum "
          f"{args.peildatum}; projected: {sum(p is not None for p in projected.values())} of {len(dated)}",
          flush=True)
    for n, gm in enumerate(chosen):
        own = parts.parts[gm]
        background = [Partitioned._part_job(QueryJob(inspect_query(q.query).text, (), (), TSV, 10**9, BASE), own,
                                            parts.shared) for q in cookbook]
        packed = scoped.answer_together(reader, Together(tuple(background), pack=True), limit=limit,
                                        public=(public, where)).packed
        timed: dict[str, float] = {"whole": 0.0, "projected": 0.0}
        same = 0
        for name, text in texts.items():
            job = Partitioned._part_job(QueryJob(text, (), (), TSV, 10**9, BASE), own, parts.shared)
            answers = {}
            for way in (("whole", "projected") if n % 2 == 0 else ("projected", "whole")):
                scoped._read_by_all = (lambda jobs: None) if way == "whole" else whole_reads
                started = time.perf_counter()
                answer = scoped.answer_together(reader, Together((job,), packed=packed), limit=limit,
                                                public=(public, where)).answers[0]
                timed[way] += time.perf_counter() - started
                assert answer.from_copy, (gm, name, way)
                answers[way] = answer
            scoped._read_by_all = whole_reads
            same += comparable(answers["whole"]) == comparable(answers["projected"])
        rows.append({"gemeente": gm, "whole_s": round(timed["whole"], 3), "projected_s": round(timed["projected"], 3),
                     "same": same, "texts": len(texts), "packed_bytes": sum(len(b) for _, b in packed)})
        print(f"  {gm}: whole {timed['whole']:.3f} s, projected {timed['projected']:.3f} s, {same}/{len(texts)} same",
              flush=True)
    reader.close()
    snapshot.close()
    summary = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "peildatum": args.peildatum,
               "gemeenten": len(rows), "of": len(parts.parts), "texts": len(texts),
               "predicates": {k: (None if v is None else len(v)) for k, v in projected.items()},
               **paired(rows, "whole", "projected", count="texts")}
    write_run(args.out, args.store, summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
