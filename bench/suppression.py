"""How long the suppression of ``/stats`` takes at national scale: ``python -m bench.suppression``.

Synthetic tables shaped like the real ones: N municipalities (342 by default) of skewed sizes (56,000 persons in
all), route and target group per municipality, and the three national tables split over the municipalities.
Prints the time against the public only (as before issue 13) and against every municipality too, and how many
numbers each hides.
"""

from __future__ import annotations

import argparse
import random
import time

from inburgering.security.suppression import CountTable, suppress


def _split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """``total`` over ``len(weights)`` parts, multinomially."""
    counts = [0] * len(weights)
    for i in rng.choices(range(len(weights)), weights=weights, k=total):
        counts[i] += 1
    return counts


def tables(municipalities: int, persons: int, seed: int = 1) -> list[CountTable]:
    rng = random.Random(seed)
    rows = tuple(f"GM{n:04d}" for n in range(municipalities))
    weights = [rng.paretovariate(1.2) for _ in rows]
    sizes = _split(rng, persons, weights)
    route = CountTable("leerroute", rows, ("B", "O", "Z", "geen"),
                       tuple(tuple(_split(rng, n, [6, 2, 1, 1])) for n in sizes), "personen", row_owners=True)
    groups = ("asiel", "gezin", "overig", "vrijwillig", "onbekend")
    doelgroep = CountTable("doelgroep", rows, groups,
                           tuple(tuple(_split(rng, n, [10, 5, 2, 1, 0.2])) for n in sizes), "personen",
                           row_owners=True)
    out = [route, doelgroep]
    for name, shape, rate in (("examens", (5, 3), 2.5), ("ontheffingen", (2, 2), 0.02),
                              ("vrijstellingen", (5, 2), 0.03)):
        cells = shape[0] * shape[1]
        per_gemeente = [_split(rng, int(n * rate), [1.0] * cells) for n in sizes]
        parts = tuple((g, tuple(tuple(m[r * shape[1] + c] for c in range(shape[1])) for r in range(shape[0])))
                      for g, m in zip(rows, per_gemeente, strict=True))
        counts = tuple(tuple(sum(m[r * shape[1] + c] for m in per_gemeente) for c in range(shape[1]))
                       for r in range(shape[0]))
        out.append(CountTable(name, tuple(f"r{r}" for r in range(shape[0])), tuple(f"c{c}" for c in range(shape[1])),
                              counts, parts=parts))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--persons", type=int, default=56_000)
    args = parser.parse_args()
    data = tables(args.municipalities, args.persons)
    for municipalities in (False, True):
        started = time.perf_counter()
        published = suppress(data, threshold=10, municipalities=municipalities)
        took = time.perf_counter() - started
        hidden = sum(v is None for t in published for v in (*(x for row in t.cells for x in row), *t.row_totals,
                                                                *t.col_totals, t.total))
        against = "the public and every municipality" if municipalities else "the public only"
        print(f"{args.municipalities} municipalities, against {against}: {took:.1f} s, {hidden} numbers hidden")


if __name__ == "__main__":
    main()
