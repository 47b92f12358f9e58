"""``python -m bench.guard``: how long the query guard takes on crafted texts of 20 kB and 100 kB.

The shapes are the ones that made the old guard super-linear (issue 13: 20 kB blocked the service for 4 s) plus
ordinary queries repeated to size. Each is checked ``--runs`` times; the fastest run and the ratio 100 kB / 20 kB
are printed (linear: about 5; the fastest, because on a shared machine the other runs measure the neighbours). ``--compare REV`` also times the guard of a git revision (its ``querylex.py``), with a
cap per text, to show the difference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import types
from collections.abc import Callable

from inburgering.errors import QueryError
from inburgering.service.sparql import check_query
from inburgering.store.querylex import QueryLimits

ORDINARY = ("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o . FILTER(?o != \"x # y\" && ?p != <http://e/p>) } "
            "GROUP BY ?p # a comment\n")
SHAPES: dict[str, Callable[[int], str]] = {
    "dots after a prefix": lambda n: "SELECT * WHERE { ?s ?p x:" + "." * n + " }",
    "escaped quotes": lambda n: "SELECT * WHERE { ?s ?p \"" + "\\\"'" * (n // 3) + " }",
    "angle brackets": lambda n: "ASK { FILTER(?a " + "<" * n + ") }",
    "unclosed long strings": lambda n: "ASK { ?s ?p " + "'''a''" * (n // 6) + " }",
    "comments ended by CR": lambda n: "ASK { " + "# x\r" * (n // 4) + "}",
    "ordinary query, repeated": lambda n: "PREFIX e: <http://e/> ASK { " + ORDINARY * (n // len(ORDINARY)) + "}",
}


def _time(check: Callable[[str], object], text: str, runs: int, cap_s: float) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            check(text)
        except (QueryError, ValueError):
            pass
        times.append(time.perf_counter() - start)
        if times[-1] > cap_s:
            break
    return min(times)


def _old_guard(revision: str) -> Callable[[str], object]:
    source = subprocess.run(["git", "show", f"{revision}:src/inburgering/store/querylex.py"], check=True,
                            capture_output=True, text=True).stdout
    module = types.ModuleType("old_querylex")
    sys.modules["old_querylex"] = module  # dataclasses look their module up
    exec(compile(source, "old_querylex.py", "exec"), module.__dict__)  # noqa: S102 - our own history
    return module.inspect_query  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.guard", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--compare", metavar="REV", help="also time the guard of this git revision")
    p.add_argument("--no-token-limit", action="store_true", help="time the guard without its token limit")
    p.add_argument("--cap", type=float, default=30.0, help="seconds after which the old guard is not run again")
    args = p.parse_args(argv)
    limits = QueryLimits(depth=32, tokens=None if args.no_token_limit else 25_000)
    guards: dict[str, Callable[[str], object]] = {"guard": lambda text: check_query(text, limits=limits)}
    if args.compare:
        guards[f"guard of {args.compare}"] = _old_guard(args.compare)
    print(f"{'text':28} {'guard':24} {'20 kB':>10} {'100 kB':>10} {'ratio':>6}")
    for name, make in SHAPES.items():
        for label, check in guards.items():
            small = _time(check, make(20_000), args.runs, args.cap)
            large = _time(check, make(99_000), args.runs, args.cap) if small < args.cap else float("nan")
            print(f"{name:28} {label:24} {small * 1000:8.1f}ms {large * 1000:8.1f}ms {large / small:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
