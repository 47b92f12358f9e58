"""Small-cell suppression: no count below the threshold is shown, and none can be worked out from the rest."""

from __future__ import annotations

import random

import pytest

from inburgering.security.suppression import CountTable, PublishedTable, suppress

from .attack import _table_cells, bounds, recovered

THRESHOLD = 10


def _random_tables(seed: int) -> list[CountTable]:
    """Two tables of one population (shared row totals, as route and target group per municipality) and one other."""
    rng = random.Random(seed)
    rows = tuple(f"GM{n:04d}" for n in range(rng.randint(3, 7)))
    sizes = [rng.choice([rng.randint(1, 9), rng.randint(10, 40), rng.randint(40, 300)]) for _ in rows]

    def split(total: int, parts: int) -> tuple[int, ...]:
        cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
        return tuple(b - a for a, b in zip([0, *cuts], [*cuts, total]))

    route = CountTable("route", rows, ("B", "O", "Z", "geen"), tuple(split(n, 4) for n in sizes), "personen")
    doelgroep = CountTable("doelgroep", rows, ("asiel", "gezin"), tuple(split(n, 2) for n in sizes), "personen")
    exam = CountTable("examen", ("KNM", "LE", "LU", "SC", "SP"), ("Geslaagd", "Gezakt", "Geen"),
                      tuple(tuple(rng.choice([0, rng.randint(1, 9), rng.randint(10, 80)]) for _ in range(3))
                            for _ in range(5)))
    return [route, doelgroep, exam]


def _json(tables: list[PublishedTable]) -> list[dict[str, object]]:
    return [t.as_json() for t in tables]


def _all_numbers(table: PublishedTable) -> list[int | None]:
    return [n for row in table.cells for n in row] + list(table.row_totals) + list(table.col_totals) + [table.total]


@pytest.mark.parametrize("seed", range(15))
def test_no_small_count_is_published(seed: int) -> None:
    published = suppress(_random_tables(seed), threshold=THRESHOLD)
    shown = [n for t in published for n in _all_numbers(t) if n is not None]
    assert shown, "everything was suppressed: the tables say nothing"
    assert all(n == 0 or n >= THRESHOLD for n in shown)


@pytest.mark.parametrize("seed", range(15))
def test_a_suppressed_cell_cannot_be_recovered_by_differencing(seed: int) -> None:
    tables = _random_tables(seed)
    published = _json(suppress(tables, threshold=THRESHOLD))
    truth = {k: v for t in tables for k, v in t.values().items()}
    attack = bounds(published)
    assert attack, "nothing was suppressed: the case tests nothing"
    # A hidden number is pinned only where a published total of 0 already says it is 0.
    assert {k: v for k, v in recovered(published).items() if truth[k] != 0} == {}
    for key, (lo, hi) in attack.items():  # the attacker's bounds hold the truth but do not pin it
        assert lo - 1e-6 <= truth[key] <= hi + 1e-6


def test_the_attack_works_on_primary_suppression_alone() -> None:
    """Control: hiding only the small cells is not enough, and the attack above finds them."""
    naive = {"name": "route", "population": None, "rows": ["GM0001", "GM0002"], "cols": ["B", "O"],
             "cells": [[40, None], [50, 60]], "row_totals": [43, 110], "col_totals": [90, 63], "total": 153}
    assert recovered([naive]) == {("route", "GM0001", "O"): pytest.approx(3)}


def test_a_small_row_hides_its_zeros_too() -> None:
    table = CountTable("route", ("GM0001", "GM0002", "GM0003"), ("B", "O"), ((4, 0), (50, 60), (30, 20)),
                       "personen")
    published = suppress([table], threshold=THRESHOLD)[0]
    assert published.cells[0] == (None, None)
    assert published.row_totals[0] is None


def test_threshold_is_configurable() -> None:
    table = CountTable("t", ("a", "b"), ("x", "y"), ((12, 30), (25, 40)))
    assert suppress([table], threshold=10)[0].cells == ((12, 30), (25, 40))
    assert suppress([table], threshold=13)[0].cells[0][0] is None


# Issue 13, finding 4: insiders. A municipality knows its own row of the person tables and its own part of every
# national cell; a coalition knows those of its members.

def _owned_tables(seed: int) -> list[CountTable]:
    """The tables above, with rows owned by the municipalities they name and the exam table split over them."""
    rng = random.Random(1000 + seed)
    route, doelgroep, exam = _random_tables(seed)
    gemeenten = route.rows

    def split(n: int) -> list[int]:
        cuts = sorted(rng.randint(0, n) for _ in range(len(gemeenten) - 1))
        return [b - a for a, b in zip([0, *cuts], [*cuts, n])]

    shares = [[split(n) for n in row] for row in exam.counts]  # shares[r][c][g]
    parts = tuple((g, tuple(tuple(shares[r][c][i] for c in range(len(exam.cols))) for r in range(len(exam.rows))))
                  for i, g in enumerate(gemeenten))
    return [CountTable(t.name, t.rows, t.cols, t.counts, t.population, row_owners=True) for t in (route, doelgroep)] + [
        CountTable(exam.name, exam.rows, exam.cols, exam.counts, parts=parts)]


def insider_gains(tables: list[CountTable], published: list[dict[str, object]],
                  attacker: frozenset[str]) -> dict[tuple[str, ...], float]:
    """What ``attacker`` (municipality codes) learns of others' numbers (see test_suppression_insider.py)."""
    parts: dict[tuple[str, ...], dict[str, int]] = {}
    for t in tables:
        parts.update(t.contributions())
    truth = {k: v for t in tables for k, v in t.values().items()}
    own = {k: sum(p.get(g, 0) for g in attacker) for k, p in parts.items()}
    exclusive = frozenset(k for k, p in parts.items() if p and set(p) <= attacker and any(
        t.row_owners and len(k) >= 2 and k[1] in attacker for t in tables))
    hidden = {k for k in truth if truth[k] - own.get(k, 0) > 0} - exclusive
    found = bounds(published, own=own, exclusive=exclusive, only=hidden)
    gains = {k: lo for k, (lo, hi) in found.items() if hi - lo < 0.5}
    shown = {k: v for t in published for k, v in _table_cells(t) if v is not None}
    gains.update({k: v for k, v in shown.items() if 0 < v - own.get(k, 0) < THRESHOLD})
    return gains


@pytest.mark.parametrize("seed", range(8))
def test_no_municipality_learns_others_numbers(seed: int) -> None:
    tables = _owned_tables(seed)
    published = _json(suppress(tables, threshold=THRESHOLD))
    for gemeente in tables[0].rows:
        assert insider_gains(tables, published, frozenset({gemeente})) == {}, gemeente


def test_the_insider_attack_finds_what_public_suppression_leaves() -> None:
    """Control: suppressed against the public only (before issue 13), some insider learns something."""
    assert any(insider_gains(tables, published, frozenset({g}))
               for seed in range(8) for tables in [_owned_tables(seed)]
               for published in [_json(suppress(tables, threshold=THRESHOLD, municipalities=False))]
               for g in tables[0].rows)


def test_a_named_coalition_learns_nothing_and_an_unnamed_one_may() -> None:
    unnamed = 0
    for seed in range(8):
        tables = _owned_tables(seed)
        coalition = frozenset(tables[0].rows[:2])
        named = _json(suppress(tables, threshold=THRESHOLD, coalitions=[coalition]))
        assert insider_gains(tables, named, coalition) == {}, seed
        unnamed += bool(insider_gains(tables, _json(suppress(tables, threshold=THRESHOLD)), coalition))
    assert unnamed, "no coalition learns anything even unprotected: the case proves nothing"


def test_the_parts_must_add_up() -> None:
    with pytest.raises(ValueError, match="do not add up"):
        CountTable("x", ("a",), ("b",), ((3,),), parts=(("GM0001", ((2,),)),))
