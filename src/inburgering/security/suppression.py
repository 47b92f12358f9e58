"""Small-cell suppression for published counts, with complementary suppression that holds against the public and
against every municipality that knows its own exact tables.

Every published number is a variable; the tables' margins give linear equations between them (tables with the
same population share their per-row totals). Cells counting 1 to threshold-1 persons are suppressed (primary),
and so is any number from which a single municipality, subtracting its own part, would learn a count of 1 to
threshold-1 of the others (a total of 14 of which it holds 10: the dominance rule, as statistical offices apply
it to the largest contributor). Then more numbers are suppressed (complementary) until no attacker
(``disclosure.py``: the public, each municipality, each given coalition) can determine a suppressed number whose
part outside it is not zero. The tests attack the result with linear programming.

What a municipality knows: its row in tables whose rows are municipalities (``row_owners``), and its own part of
every cell of a national table (``parts``, one matrix per municipality, summing to the counts).

>>> t = CountTable("t", rows=("a", "b", "c"), cols=("x", "y"), counts=((20, 3), (30, 40), (25, 25)))
>>> published = suppress([t], threshold=10)[0]
>>> published.cells[0][1] is None, published.cells[0][0] is None   # 3 is small; 20 must go with it
(True, True)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from inburgering.security.disclosure import Attacker, attackers_of, exposed, own_part

Key = tuple[str, ...]
Parts = dict[Key, dict[str, int]]


@dataclass(frozen=True)
class CountTable:
    """A two-way table of counts. Tables with the same ``population`` share their row totals (same rows)."""

    name: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    population: str | None = None
    #: Each row is the count of the municipality it names: that municipality knows the row exactly.
    row_owners: bool = False
    #: Per municipality, its own part of every cell (a national table): ``(("GM0363", counts), …)``.
    parts: tuple[tuple[str, tuple[tuple[int, ...], ...]], ...] = ()

    def __post_init__(self) -> None:
        if self.parts:
            summed = [[sum(m[r][c] for _, m in self.parts) for c in range(len(self.cols))]
                      for r in range(len(self.rows))]
            if summed != [list(row) for row in self.counts]:
                raise ValueError(f"table {self.name}: the municipalities' parts do not add up to the counts")

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

    def contributions(self) -> Parts:
        """Who holds which part of each number: ``{key: {municipality: count}}`` (empty when nobody is known)."""
        out: Parts = defaultdict(dict)
        owned = [(g, (row,)) for g, row in zip(self.rows, self.counts, strict=True)] if self.row_owners else []
        for gemeente, matrix in self.parts:
            self._add(out, gemeente, matrix, range(len(self.rows)))
        for r, (gemeente, matrix) in enumerate(owned):
            self._add(out, gemeente, matrix, [r])
        return out

    def _add(self, out: Parts, gemeente: str, matrix: Sequence[Sequence[int]], rows: Iterable[int]) -> None:
        """Add ``gemeente``'s counts ``matrix`` (its rows are the table's ``rows``) to the parts."""
        for r, row in zip(rows, matrix, strict=True):
            for c, n in enumerate(row):
                out[self.key(r, c)][gemeente] = n
                col = out[self.key(None, c)]
                col[gemeente] = col.get(gemeente, 0) + n
            out[self.key(r, None)][gemeente] = out[self.key(r, None)].get(gemeente, 0) + sum(row)
        grand = out[self.key(None, None)]
        grand[gemeente] = grand.get(gemeente, 0) + sum(map(sum, matrix))

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


def suppress(tables: Sequence[CountTable], *, threshold: int,
             coalitions: Iterable[Iterable[str]] = (), municipalities: bool = True) -> list[PublishedTable]:
    """Publish ``tables`` so that no count below ``threshold`` (other than 0) can be seen or worked out: by the
    public, by any one municipality that knows its own tables (``municipalities=False``: by the public only,
    as before issue 13), and by each of ``coalitions`` (sets of municipality codes that pool their tables)."""
    values: dict[Key, int] = {}
    equations: list[tuple[Key, list[Key]]] = []
    parts: Parts = {}
    for table in tables:
        values.update(table.values())
        equations += table.equations()
        parts.update(table.contributions())
    attackers = attackers_of(parts if municipalities else {}, coalitions)
    hidden = _primary(tables, values, threshold)
    _dominance(values, parts, attackers, hidden, threshold)
    _complement(values, equations, hidden, parts, attackers)
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


def _dominance(values: dict[Key, int], parts: Parts, attackers: Sequence[Attacker], hidden: set[Key],
               threshold: int) -> None:
    """Hide a number of which an attacker's own part leaves 1 to threshold-1 for the others."""
    for key, held in parts.items():
        if key in hidden:
            continue
        for attacker in attackers:
            if attacker and attacker & held.keys() and 0 < values[key] - own_part(key, attacker, parts) < threshold:
                hidden.add(key)
                break


def _complement(values: dict[Key, int], equations: list[tuple[Key, list[Key]]], hidden: set[Key],
                parts: Parts, attackers: Sequence[Attacker]) -> None:
    """Add complementary suppressions until no attacker determines a hidden number outside its own part."""
    members = [[total, *eq_parts] for total, eq_parts in equations]
    containing: dict[Key, list[list[Key]]] = defaultdict(list)
    for keys in members:
        for k in keys:
            containing[k].append(keys)
    while True:
        # Cheap pass first: an equation with exactly one hidden number gives it away at once.
        changed = True
        while changed:
            changed = False
            for keys in members:
                if sum(k in hidden for k in keys) == 1 or _hides_only_zeros(values, keys, hidden):
                    hidden.add(_pick(values, keys, hidden, frozenset(), parts))
                    changed = True
        found = exposed(members, hidden, values, parts, attackers)
        if not found:
            return
        before = len(hidden)
        first: dict[Key, Attacker] = {}
        for attacker, key in sorted(found, key=lambda pair: (pair[1], sorted(pair[0]))):
            first.setdefault(key, attacker)  # one complement per exposed number a round; the next round checks
        for key, attacker in sorted(first.items(), key=lambda item: item[0]):
            choice = _complement_for(key, attacker, values, containing, hidden, parts)
            if choice is not None:
                hidden.add(choice)
        if len(hidden) == before:
            # Nothing left to hide around them. Cannot happen (the others' parts are themselves a free direction
            # of a group of equations that shows nothing), but if rounding ever made it so: publish nothing.
            hidden.update(values)
            return


def _complement_for(key: Key, attacker: Attacker, values: dict[Key, int], containing: dict[Key, list[list[Key]]],
                    hidden: set[Key], parts: Parts) -> Key | None:
    """A number to hide so that ``key`` gets a free direction: in the nearest equation (through hidden numbers)
    that still shows something, preferably a number the attacker does not hold alone."""
    seen, frontier = {key}, [key]
    while frontier:
        around = [keys for k in frontier for keys in containing[k] if any(m not in hidden for m in keys)]
        if around:
            def protecting(keys: list[Key]) -> int:
                return sum(k in hidden and values[k] > own_part(k, attacker, parts) for k in keys)
            return _pick(values, min(around, key=protecting), hidden, attacker, parts)
        frontier = [m for k in frontier for keys in containing[k] for m in keys if m in hidden and m not in seen]
        seen.update(frontier)
    return None


def _hides_only_zeros(values: dict[Key, int], keys: list[Key], hidden: set[Key]) -> bool:
    """Hidden numbers that are all 0 in an equation: counts are never negative, so they would show as 0."""
    inside = [values[k] for k in keys if k in hidden]
    return bool(inside) and not any(inside) and any(values[k] for k in keys if k not in hidden)


def _pick(values: dict[Key, int], keys: list[Key], hidden: set[Key], attacker: Attacker, parts: Parts) -> Key:
    """The complement to hide: one whose part outside the attacker is not zero, the smallest non-zero count,
    cells before totals, the grand total last."""
    candidates = [k for k in keys if k not in hidden]
    if _hides_only_zeros(values, keys, hidden):
        candidates = [k for k in candidates if values[k]] or candidates
    return min(candidates, key=lambda k: (values[k] - own_part(k, attacker, parts) == 0, values[k] == 0, _kind(k),
                                          values[k], k))


def _kind(key: Key) -> int:
    """0 for an inner cell, 1 for a row or column total, 2 for a grand total."""
    if key[-1] == "*" and (len(key) == 2 or key[-2] == "*"):
        return 2
    return 1 if len(key) == 2 or "*" in key else 0


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
