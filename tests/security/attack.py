"""An attacker's tool: the tightest bounds on each suppressed number that the published tables allow.

It knows what the publication says about itself (margins are sums; tables of one population share row totals)
and that counts are non-negative, and solves two linear programs per suppressed number (scipy's HiGHS). An
insider also knows its own part of each number (``own``): a suppressed number is then at least that part, and
exactly that part where nobody else can hold any (``exclusive``: its own row of a table of municipalities).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from scipy.optimize import linprog

Key = tuple[str, ...]


def _table_cells(table: Mapping[str, Any]) -> Iterable[tuple[Key, int | None]]:
    name, population = table["name"], table.get("population")
    rows, cols = table["rows"], table["cols"]
    for r, row in enumerate(rows):
        for c, col in enumerate(cols):
            yield (name, row, col), table["cells"][r][c]
        yield ((population, row) if population else (name, row, "*")), table["row_totals"][r]
    for c, col in enumerate(cols):
        yield (name, "*", col), table["col_totals"][c]
    yield ((population, "*") if population else (name, "*", "*")), table["total"]


def _equations(table: Mapping[str, Any]) -> list[tuple[Key, list[Key]]]:
    name, population = table["name"], table.get("population")
    rows, cols = table["rows"], table["cols"]

    def row_total(row: str) -> Key:
        return (population, row) if population else (name, row, "*")

    grand: Key = (population, "*") if population else (name, "*", "*")
    eqs = [(row_total(r), [(name, r, c) for c in cols]) for r in rows]
    eqs += [((name, "*", c), [(name, r, c) for r in rows]) for c in cols]
    eqs.append((grand, [(name, "*", c) for c in cols]))
    eqs.append((grand, [row_total(r) for r in rows]))
    return eqs


def bounds(tables: Iterable[Mapping[str, Any]], *, own: Mapping[Key, int] | None = None,
           exclusive: frozenset[Key] = frozenset(), only: Iterable[Key] | None = None,
           ) -> dict[Key, tuple[float, float]]:
    """For every suppressed number (or those in ``only``): (least, greatest) value consistent with everything
    published and with the attacker's own parts."""
    own = own or {}
    tables = list(tables)
    known: dict[Key, int] = {}
    unknown: set[Key] = set()
    for table in tables:
        for key, value in _table_cells(table):
            if value is None:
                unknown.add(key)
            else:
                known[key] = value
    unknown -= set(known)
    order = sorted(unknown)
    index = {k: i for i, k in enumerate(order)}
    a_eq, b_eq = [], []
    for table in tables:
        for total, parts in _equations(table):
            row, rhs = np.zeros(len(order)), 0.0
            for key, sign in [(total, -1.0)] + [(p, 1.0) for p in parts]:
                if key in index:
                    row[index[key]] += sign
                else:
                    rhs -= sign * known[key]
            if row.any():
                a_eq.append(row)
                b_eq.append(rhs)
            elif abs(rhs) > 1e-9:
                raise AssertionError(f"published numbers are inconsistent around {total}")
    limits = [(own.get(k, 0), own.get(k, 0) if k in exclusive else None) for k in order]
    wanted = set(index) if only is None else set(only) & set(index)
    result: dict[Key, tuple[float, float]] = {}
    for key in sorted(wanted):
        c = np.zeros(len(order))
        c[index[key]] = 1.0
        lo = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=limits, method="highs")
        hi = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=limits, method="highs")
        assert lo.status in (0, 3) and hi.status in (0, 3), f"the attacker's knowledge contradicts the tables: {key}"
        upper = float("inf") if hi.status == 3 else -hi.fun
        result[key] = (lo.fun, upper)
    return result


def recovered(tables: Iterable[Mapping[str, Any]]) -> dict[Key, float]:
    """The suppressed numbers the attacker pins down exactly."""
    return {k: lo for k, (lo, hi) in bounds(tables).items() if hi - lo < 0.5}
