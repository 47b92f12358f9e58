"""What the embedded engine (pyoxigraph 0.5.13) does with date arithmetic today, recorded so an upgrade shows it.

Issue 14 found that ``xsd:date + xsd:dayTimeDuration`` is silently **unbound** in some queries, depending on
nothing but the name of the date's variable (and always for a typed date literal), and that ``AVG``/``SUM`` over
durations are unbound, while ``date - date`` works. No shipped query relies on the broken forms
(``tests/service/test_cookbook.py`` checks the texts; docs/cookbook.md, "The engine and dates"). These tests
assert the behaviour as it is, wrong parts included: when one fails after an upgrade, the engine changed. Then
read the new behaviour, update the expectations here and the note in docs/cookbook.md, and only then consider
using date + duration in a query.

Only pyoxigraph, in memory: no project code is involved.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

XSD = "http://www.w3.org/2001/XMLSchema#"
P70D = f'"P70D"^^<{XSD}dayTimeDuration>'
P3M = f'"P3M"^^<{XSD}yearMonthDuration>'
DATE = f'"2025-06-17"^^<{XSD}date>'

#: Variable name → (date + P70D, date + P3M) as pyoxigraph 0.5.13 evaluates them: a date, or None (unbound).
#: The correct answers are 2025-08-26 and 2025-09-17 for every name.
PLUS_BY_NAME: dict[str, tuple[str | None, str | None]] = {
    "begin": ("2025-08-26", "2025-09-17"),
    "kennisgeving": ("2025-08-26", "2025-09-17"),
    "eind": ("2025-08-26", "2025-09-17"),
    "vandaag": ("2025-08-26", "2025-09-17"),
    "datum": ("2025-08-26", None),
    "a": ("2025-08-26", None),
    "peildatum": ("2025-08-26", None),
    "x": (None, None),
    "b": (None, None),
    "d": (None, None),
    "einddatum": (None, None),
    "dagtekening": (None, None),
    "start": (None, None),
    "examendatum": (None, None),
}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    s.load(f"<http://e/a> <http://e/p> {DATE} .\n<http://e/a> <http://e/q> \"2022-01-01\"^^<{XSD}date> ."
           .encode(), format=ox.RdfFormat.N_TRIPLES)
    return s


def _one(store: ox.Store, query: str) -> str | None:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    rows = list(result)
    assert len(rows) == 1, query
    term = rows[0][0]
    return None if term is None else term.value


def test_the_recorded_engine_is_the_one_installed() -> None:
    assert ox.__version__ == "0.5.13", ("pyoxigraph changed: run this module, update the recorded behaviour "
                                        "and docs/cookbook.md, 'The engine and dates'")


@pytest.mark.parametrize("name", sorted(PLUS_BY_NAME))
def test_date_plus_duration_depends_on_the_variable_name(store: ox.Store, name: str) -> None:
    """The issue's reproduction: the same date, the same duration, a different variable name."""
    day = _one(store, f"SELECT (?{name} + {P70D} AS ?o) WHERE {{ ?s <http://e/p> ?{name} }}")
    month = _one(store, f"SELECT (?{name} + {P3M} AS ?o) WHERE {{ ?s <http://e/p> ?{name} }}")
    assert (day, month) == PLUS_BY_NAME[name]


def test_date_plus_duration_is_unbound_for_literals_and_bound_variables(store: ox.Store) -> None:
    assert _one(store, f"SELECT ({DATE} + {P70D} AS ?o) WHERE {{}}") is None
    assert _one(store, f"SELECT ({P70D} + ?x AS ?o) WHERE {{ ?s <http://e/p> ?x }}") is None
    assert _one(store, f"SELECT (?x + {P70D} AS ?o) WHERE {{ BIND({DATE} AS ?x) }}") is None
    assert _one(store, f"SELECT (?begin + {P70D} AS ?o) WHERE {{ BIND({DATE} AS ?begin) }}") == "2025-08-26"


def test_a_filter_on_date_plus_duration_silently_drops_rows(store: ox.Store) -> None:
    """An unbound sum makes the FILTER an error: the row goes, without a message."""
    query = f'SELECT ?x WHERE {{ ?s <http://e/p> ?x FILTER(?x + {P70D} > "2025-08-01"^^<{XSD}date>) }}'
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    assert list(result) == []  # correct: one row (2025-08-26 > 2025-08-01)


@pytest.mark.parametrize("name", sorted(PLUS_BY_NAME))
def test_date_minus_date_works_for_every_name(store: ox.Store, name: str) -> None:
    """What the cookbook uses instead: the difference of two dates, written ``PnD``, and comparisons of it."""
    query = (f"SELECT (?{name} - ?w AS ?o) WHERE {{ ?s <http://e/p> ?{name} ; <http://e/q> ?w }}")
    assert _one(store, query) == "P1263D"
    query = f"SELECT (STR(?w - ?{name}) AS ?o) WHERE {{ ?s <http://e/p> ?{name} ; <http://e/q> ?w }}"
    assert _one(store, query) == "-P1263D"  # days only, never years or months: the cookbook reads it as a number
    query = (f"SELECT ?{name} WHERE {{ ?s <http://e/p> ?{name} ; <http://e/q> ?w "
             f"FILTER(?{name} - ?w > \"P1262D\"^^<{XSD}dayTimeDuration> && ?{name} - ?w <= \"P1263D\"^^<{XSD}dayTimeDuration>) }}")
    assert _one(store, query) == "2025-06-17"


def test_days_between_dates_as_an_integer(store: ox.Store) -> None:
    """The cookbook's way to a number of days: the difference's lexical form read as an integer."""
    days = ('xsd:integer(REPLACE(STR(?a - ?b), "^(-?)P([0-9]+)D$", "$1$2"))')
    query = (f"PREFIX xsd: <{XSD}>\nSELECT ({days} AS ?o) WHERE {{ ?s <http://e/p> ?a ; <http://e/q> ?b }}")
    assert _one(store, query) == "1263"
    query = (f"PREFIX xsd: <{XSD}>\nSELECT (AVG({days}) AS ?o) WHERE {{ ?s <http://e/q> ?a ; <http://e/p> ?b }}")
    assert _one(store, query) == "-1263"


def test_aggregates_over_durations_are_unbound(store: ox.Store) -> None:
    values = f'VALUES ?d {{ "P1D"^^<{XSD}dayTimeDuration> "P3D"^^<{XSD}dayTimeDuration> }}'
    assert _one(store, f"SELECT (AVG(?d) AS ?o) WHERE {{ {values} }}") is None  # correct: P2D
    assert _one(store, f"SELECT (SUM(?d) AS ?o) WHERE {{ {values} }}") is None  # correct: P4D
    assert _one(store, f"SELECT (MAX(?d) AS ?o) WHERE {{ {values} }}") == "P3D"
    query = f'SELECT (AVG(?x - "2025-01-01"^^<{XSD}date>) AS ?o) WHERE {{ ?s <http://e/p> ?x }}'
    assert _one(store, query) is None  # correct: P167D


def test_dividing_durations_is_unbound(store: ox.Store) -> None:
    query = f'SELECT ((?x - "2025-01-01"^^<{XSD}date>) / "P1D"^^<{XSD}dayTimeDuration> AS ?o) WHERE {{ ?s <http://e/p> ?x }}'
    assert _one(store, query) is None  # XPath op:divide-dayTimeDuration-by-dayTimeDuration gives 167


def test_min_max_sum_over_a_group_with_an_unbound_row_are_unbound(store: ox.Store) -> None:
    """Not date arithmetic, but it bites the same queries: one row of a group without the value unbinds MIN, MAX
    and SUM of the whole group (COUNT skips it). The cookbook joins optional values on the person, so every row of
    a person's group has them or none has (or wraps them in COALESCE)."""
    query = "SELECT (MIN(?x) AS ?a) (MAX(?x) AS ?b) (SUM(?x) AS ?c) (COUNT(?x) AS ?d) WHERE { VALUES ?x { 3 UNDEF 1 } }"
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    row = next(iter(result))
    assert [None if t is None else t.value for t in row] == [None, None, None, "2"]  # correct by most readings: 1 3 4 2
