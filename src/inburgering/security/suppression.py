"""Small-cell suppression for published counts, with complementary suppression checked by linear algebra.

Every published number is a variable; the tables' margins give linear equations between them (tables with the
same population share their per-row totals). Cells counting 1 to threshold-1 persons are suppressed (primary);
then more cells are suppressed (complementary) until no suppressed cell is determined by the published ones:
a cell is determined exactly when its unit vector lies in the row space of the equations restricted to the
suppressed cells, i.e. when it has no component in their null space. Non-negativity is not used to pick the
complements; the tests attack the result with linear programming, which does use it.

>>> t = CountTable("t", rows=("a", "b", "c"), cols=("x", "y"), counts=((20, 3), (30, 40), (25, 25)))
>>> published = suppress([t], threshold=10)[0]
>>> published.cells[0][1] is None, published.cells[0][0] is None   # 3 is small; 20 must go with it
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np

Key = tuple[str, ...]


@dataclass(frozen=True)
class CountTable:
    """A two-way table of counts. Tables with the same ``population`` share their row totals (same rows)."""

    name: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    population: str | None = None

    def key(self, r: int | None, c: int | None) -> Key:
        """The variable of a cell; ``None`` for a margin (``key(r, None)`` is row ``r``'s total)."""
        if c is None and self.population is not None:
            return (self.population, "*" if r is None else self.rows[r])
        return (self.name, "*" if r is None else self.rows[r], "*" if c is None else self.cols[c])

    def values(self) -> dict[Key, int]:
        out: dict[Key, int] = {}
        for r, row in enumerate(self.counts):
            out[self.key(r, None)] = sum(row)
            for c, n in enumerate(row):
                out[self.key(r, c)] = n
        for c in range(len(self.cols)):
            out[self.key(None, c)] = sum(row[c] for row in self.counts)
        out[self.key(None, None)] = sum(map(sum, self.counts))
        return out

    def equations(self) -> list[tuple[Key, list[Key]]]:
        """``(total, parts)``: the total equals the sum of the parts."""
        rows, cols = range(len(self.rows)), range(len(self.cols))
        eqs = [(self.key(r, None), [self.key(r, c) for c in cols]) for r in rows]
        eqs += [(self.key(None, c), [self.key(r, c) for r in rows]) for c in cols]
        eqs.append((self.key(None, None), [self.key(None, c) for c in cols]))
        eqs.append((self.key(None, None), [self.key(r, None) for r in rows]))
        return eqs


@dataclass(frozen=True)
class PublishedTable:
    """A table as published: ``None`` where a number is suppressed."""

    name: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    col_totals: tuple[int | None, ...]
    total: int | None
    population: str | None = None

    def as_json(self) -> dict[str, object]:
        """The table for the JSON API: what each number is, and ``null`` where it is suppressed."""
        return {"name": self.name, "population": self.population, "rows": list(self.rows),
                "cols": list(self.cols), "cells": [list(r) for r in self.cells],
                "row_totals": list(self.row_totals), "col_totals": list(self.col_totals), "total": self.total}


def suppress(tables: Sequence[CountTable], *, threshold: int) -> list[PublishedTable]:
    """Publish ``tables`` so that no count below ``threshold`` (other than 0) can be seen or worked out."""
    values: dict[Key, int] = {}
    equations: list[tuple[Key, list[Key]]] = []
    for table in tables:
        values.update(table.values())
        equations += table.equations()
    hidden = _primary(tables, values, threshold)
    _complement(values, equations, hidden)
    return [_published(t, values, hidden) for t in tables]


def _primary(tables: Sequence[CountTable], values: dict[Key, int], threshold: int) -> set[Key]:
    hidden = {k for k, n in values.items() if 0 < n < threshold}
    # Within a small row or column even a 0 tells something ("all of them are on route B"): hide it all.
    for t in tables:
        for r in range(len(t.rows)):
            if t.key(r, None) in hidden:
                hidden.update(t.key(r, c) for c in range(len(t.cols)))
        for c in range(len(t.cols)):
            if t.key(None, c) in hidden:
                hidden.update(t.key(r, c) for r in range(len(t.rows)))
    # ... but a row or column whose total is 0 says its cells are 0 already: hiding them protects nothing.
    for t in tables:
        for r, c in product(range(len(t.rows)), range(len(t.cols))):
            if values[t.key(r, None)] == 0 or values[t.key(None, c)] == 0:
                hidden.discard(t.key(r, c))
    return hidden


def _complement(values: dict[Key, int], equations: list[tuple[Key, list[Key]]], hidden: set[Key]) -> None:
    """Add complementary suppressions until no hidden cell is determined."""
    members = [[total, *parts] for total, parts in equations]
    while True:
        # Cheap pass first: an equation with exactly one hidden number gives it away at once.
        changed = True
        while changed:
            changed = False
            for keys in members:
                if sum(k in hidden for k in keys) == 1 or _hides_only_zeros(values, keys, hidden):
                    hidden.add(_pick(values, keys, hidden))
                    changed = True
        exposed = determined(members, hidden)
        if not exposed:
            return
        for key in sorted(exposed):
            around = [keys for keys in members if key in keys and any(k not in hidden for k in keys)]
            if around:
                hidden.add(_pick(values, min(around, key=lambda ks: sum(k in hidden for k in ks)), hidden))


def _hides_only_zeros(values: dict[Key, int], keys: list[Key], hidden: set[Key]) -> bool:
    """Hidden numbers that are all 0 in an equation: counts are never negative, so they would show as 0."""
    inside = [values[k] for k in keys if k in hidden]
    return bool(inside) and not any(inside) and any(values[k] for k in keys if k not in hidden)


def _pick(values: dict[Key, int], keys: list[Key], hidden: set[Key]) -> Key:
    """The complement to hide: the smallest non-zero count, cells before totals, the grand total last."""
    candidates = [k for k in keys if k not in hidden]
    if _hides_only_zeros(values, keys, hidden):
        candidates = [k for k in candidates if values[k]]
    return min(candidates, key=lambda k: (values[k] == 0, _kind(k), values[k], k))


def _kind(key: Key) -> int:
    """0 for an inner cell, 1 for a row or column total, 2 for a grand total."""
    if key[-1] == "*" and (len(key) == 2 or key[-2] == "*"):
        return 2
    return 1 if len(key) == 2 or "*" in key else 0


def determined(members: list[list[Key]], hidden: set[Key]) -> set[Key]:
    """The hidden numbers that the published numbers and the equations fix to a single value."""
    unknowns = sorted(hidden)
    index = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for total, *parts in members:
        if not any(k in index for k in (total, *parts)):
            continue
        row = np.zeros(len(unknowns))
        if total in index:
            row[index[total]] -= 1.0
        for k in parts:
            if k in index:
                row[index[k]] += 1.0
        rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(1.0, singular.max(initial=0.0))).sum())
    null = vt[rank:]  # basis of the null space, one vector per row
    if null.shape[0] == 0:
        return set(unknowns)
    free = np.abs(null).max(axis=0) > 1e-9
    return {k for k, i in index.items() if not free[i]}


def _published(table: CountTable, values: dict[Key, int], hidden: set[Key]) -> PublishedTable:
    def show(key: Key) -> int | None:
        return None if key in hidden else values[key]

    rows, cols = range(len(table.rows)), range(len(table.cols))
    return PublishedTable(
        table.name, table.rows, table.cols,
        tuple(tuple(show(table.key(r, c)) for c in cols) for r in rows),
        tuple(show(table.key(r, None)) for r in rows),
        tuple(show(table.key(None, c)) for c in cols),
        show(table.key(None, None)),
        table.population,
    )
