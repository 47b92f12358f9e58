"""Issue 13, finding 4: a municipality that knows its own exact tables recovers nothing from ``/stats``.

Persons made by ``inburgering generate`` are loaded through the real loader (20 municipalities, from 72 persons
down to a handful); the service publishes ``/stats.json``. Each municipality then plays the attacker: with its
own analyst token it counts its own tables: the persons through ``/sparql``, exams and decisions with the saved
queries through ``/api/queries`` (the very queries the publication counts with, ``/stats`` links to them), and
solves linear programs for the least and greatest value of every suppressed number, knowing its own part of
each, that its own row is its own alone, and that everybody's counts are non-negative. It must not pin any
suppressed number of which others hold a part. So must a token holder of two municipalities (a coalition the
token database shows). A control shows that the same attacker recovers numbers when the tables are suppressed
against the public only (as before issue 13), so the data does give the attack something to find.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, TOOI_GEMEENTE
from inburgering.security import stats
from inburgering.security.suppression import suppress
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_store
from inburgering.store.publication import published_graphs

from .attack import Key, _table_cells, bounds
from .conftest import Deployment

KEY = "suppression-insider-test-key-not-a-secret"
PERSONS, SEED, THRESHOLD = 400, 7, 10
COALITION = ("GM0363", "GM0599")
#: The exam query's count columns and the result each counts.
EXAM_COUNTS = {"geslaagd": "Geslaagd", "gezakt": "Gezakt", "geenResultaat": "Geen"}
DECISION_TABLES = {"ontheffing": "ontheffingen", "vrijstelling": "vrijstellingen"}


@dataclass
class Published:
    client: TestClient
    tables: list[dict[str, Any]]
    truth: dict[Key, int]
    tokens: TokenStore
    store: Path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    folder = tmp_path_factory.mktemp("insider")
    bundle, key, store = folder / "duo.jsonl", folder / "key", folder / "store"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", "duo",
                 "--out", str(bundle)]) == 0
    assert main(["load", "--store", str(store), "--rejects", str(folder / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0
    s = open_store(str(store))
    load_public_graphs(s, base=DEFAULT_BASE)
    s.close()
    tokens = TokenStore(folder / "tokens.sqlite")
    tokens.create(role="analyst", gemeenten=COALITION)  # issued before /stats is asked: a known coalition
    settings = Settings(store=str(store), token_db=folder / "tokens.sqlite", audit_log=folder / "audit.jsonl",
                        public_url="http://testserver", rate_limit_burst=10_000, rate_limit_per_minute=100_000)
    with TestClient(create_app(settings, query_workers=0)) as client:
        response = client.get("/stats.json")
        assert response.status_code == 200
        yield Published(client, response.json()["tables"], _truth(store), tokens, store)
    tokens.close()


def _truth(store: Path) -> dict[Key, int]:
    """Every number before suppression, counted straight from the store (the oracle, not the attacker)."""
    s = EmbeddedStore(store, read_only=True)
    graphs = published_graphs(s, base=DEFAULT_BASE, special=True)
    tables = stats.person_tables(s, graphs) + stats.record_tables(s, graphs, base=DEFAULT_BASE)
    return {k: v for table in tables for k, v in table.values().items()}


def _raw_tables(location: str) -> list[Any]:
    """The tables before suppression, counted straight from the store (a folder or a remote store's URL)."""
    store = open_store(location) if location.startswith("http") else EmbeddedStore(location, read_only=True)
    try:
        graphs = published_graphs(store, base=DEFAULT_BASE, special=True)
        return stats.person_tables(store, graphs) + stats.record_tables(store, graphs, base=DEFAULT_BASE)
    finally:
        store.close()


def _code(binding: Mapping[str, str] | None) -> str:
    value = binding["value"] if binding else ""
    return value.removeprefix(TOOI_GEMEENTE).upper() if value.startswith(TOOI_GEMEENTE) else value.rsplit("/", 1)[-1]


def _select(client: TestClient, token: str, query: str) -> list[dict[str, Any]]:
    response = client.post("/sparql", data={"query": query}, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


def _saved(client: TestClient, token: str, name: str) -> list[dict[str, Any]]:
    """Saved query ``name`` with ``token``, without parameters: the token's own municipalities."""
    response = client.get(f"/api/queries/{name}", headers={
        "Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]  # type: ignore[no-any-return]


def _national_part(own: Counter[Key], name: str, row: str, col: str, count: int) -> None:
    own.update({(name, row, col): count, (name, row, "*"): count, (name, "*", col): count, (name, "*", "*"): count})


def insider_knowledge(client: TestClient, token: str, gemeenten: tuple[str, ...],
                      tables: list[dict[str, Any]]) -> tuple[dict[Key, int], frozenset[Key]]:
    """What the holder of ``token`` counts of its own: its part of every number, and the numbers only it holds."""
    own: Counter[Key] = Counter()
    exclusive: set[Key] = set()
    people: dict[str, tuple[str, str, str]] = {}
    for row in _select(client, token, stats._PERSON_ROWS):
        values = (_code(row["gemeente"]), _code(row.get("doelgroep")) or "onbekend", _code(row.get("route")) or "geen")
        people[row["person"]["value"]] = min(people.get(row["person"]["value"], values), values)
    by_name = {t["name"]: t for t in tables}
    for gm in gemeenten:
        exclusive.add(("personen", gm))
        for name in ("leerroute", "doelgroep"):
            exclusive.update((name, gm, col) for col in by_name[name]["cols"])
    for gm, doelgroep, route in people.values():
        if gm in gemeenten:
            own.update([("personen", gm), ("personen", "*"), ("leerroute", gm, route), ("leerroute", "*", route),
                        ("doelgroep", gm, doelgroep), ("doelgroep", "*", doelgroep)])
    for row in _saved(client, token, stats.EXAMS_QUERY):
        for column, result in EXAM_COUNTS.items():
            _national_part(own, "examens", row["onderdeel"]["value"], result, int(row[column]["value"]))
    for row in _saved(client, token, stats.DECISIONS_QUERY):
        _national_part(own, DECISION_TABLES[row["soort"]["value"]], row["redenCode"]["value"],
                       row["oordeel"]["value"], int(row["aantal"]["value"]))
    return dict(own), frozenset(exclusive)


def _recovered(tables: list[dict[str, Any]], truth: Mapping[Key, int], own: Mapping[Key, int],
               exclusive: frozenset[Key]) -> dict[Key, float]:
    """What the insider learns of others: every suppressed number of which others hold a part that it pins down
    (linear programs), and every shown number that leaves the others 1 to threshold-1 once its own part is
    taken off (a national total of 12 of which it holds 9)."""
    hidden = {k for k in truth if truth[k] - own.get(k, 0) > 0} - exclusive
    found = bounds(tables, own=own, exclusive=exclusive, only=hidden)
    for key, (lo, hi) in found.items():  # the attacker's bounds hold the truth
        assert lo - 1e-6 <= truth[key] <= hi + 1e-6, key
    learned = {k: lo for k, (lo, hi) in found.items() if hi - lo < 0.5}
    for key, value in shown(tables).items():
        if 0 < value - own.get(key, 0) < THRESHOLD:
            learned[key] = value
    return learned


def shown(tables: list[dict[str, Any]]) -> dict[Key, int]:
    return {k: v for t in tables for k, v in _table_cells(t) if v is not None}


def _gemeenten(published: Published) -> list[str]:
    return next(t["rows"] for t in published.tables if t["name"] == "leerroute")  # type: ignore[no-any-return]


def test_no_municipality_recovers_a_suppressed_number_of_others(published: Published) -> None:
    gemeenten = _gemeenten(published)
    assert len(gemeenten) == 20
    hidden = sum(v is None for t in published.tables for row in t["cells"] for v in row)
    assert hidden > 20, "little is suppressed: the test would prove little"
    for gm in gemeenten:
        token = published.tokens.create(role="analyst", gemeenten=[gm]).token
        own, exclusive = insider_knowledge(published.client, token, (gm,), published.tables)
        assert own.get(("personen", gm), 0) == published.truth[("personen", gm)]  # it knows its own exactly
        assert _recovered(published.tables, published.truth, own, exclusive) == {}, gm


def test_a_token_of_two_municipalities_recovers_nothing_either(published: Published) -> None:
    token = published.tokens.create(role="analyst", gemeenten=list(COALITION)).token
    own, exclusive = insider_knowledge(published.client, token, COALITION, published.tables)
    assert _recovered(published.tables, published.truth, own, exclusive) == {}


def test_control_suppression_against_the_public_only_gives_numbers_away(published: Published) -> None:
    """The same insider, against the tables as they were suppressed before issue 13: GM0363 takes its own part
    off a shown national count of dispensations (special-category data) and learns the rest is below 10."""
    s = EmbeddedStore(published.store, read_only=True)
    graphs = published_graphs(s, base=DEFAULT_BASE, special=True)
    tables = stats.person_tables(s, graphs) + stats.record_tables(s, graphs, base=DEFAULT_BASE)
    naive = [t.as_json() for t in suppress(tables, threshold=THRESHOLD, municipalities=False)]
    token = published.tokens.create(role="analyst", gemeenten=["GM0363"]).token
    own, exclusive = insider_knowledge(published.client, token, ("GM0363",), naive)
    assert _recovered(naive, published.truth, own, exclusive), "the attack finds nothing even unprotected"


def test_three_municipalities_the_reviews_case(deployment: Deployment) -> None:
    """The review's case: with a small municipality hidden whole, a total minus the attacker's own rows gave it
    away. Before issue 13's suppression an insider pins it (the control); now nobody does."""
    with deployment.client(rate_limit_burst=10_000) as client:
        tables = client.get("/stats.json").json()["tables"]
        raw = _raw_tables(deployment.store)
        truth = {k: v for table in raw for k, v in table.values().items()}
        naive = [t.as_json() for t in suppress(raw, threshold=THRESHOLD, municipalities=False)]
        gained = {}
        for gm in ("GM0363", "GM0599", "GM0014"):
            token = deployment.tokens.create(role="analyst", gemeenten=[gm]).token
            own, exclusive = insider_knowledge(client, token, (gm,), tables)
            assert _recovered(tables, truth, own, exclusive) == {}, gm
            own, exclusive = insider_knowledge(client, token, (gm,), naive)
            gained[gm] = _recovered(naive, truth, own, exclusive)
    assert ("personen", "GM0014") in gained["GM0599"] or ("personen", "GM0014") in gained["GM0363"], gained


def test_a_token_for_two_municipalities_changes_what_is_shown(deployment: Deployment) -> None:
    """The service reads the token database: once a token for GM0363 and GM0599 exists, /stats holds against
    their pooled tables too (without it, those two learn the small third municipality's numbers)."""
    raw = _raw_tables(deployment.store)
    truth = {k: v for table in raw for k, v in table.values().items()}
    unnamed = [t.as_json() for t in suppress(raw, threshold=THRESHOLD)]
    token = deployment.tokens.create(role="analyst", gemeenten=list(COALITION)).token
    with deployment.client(rate_limit_burst=10_000) as client:
        own, exclusive = insider_knowledge(client, token, COALITION, unnamed)
        assert _recovered(unnamed, truth, own, exclusive), "the pair learns nothing even unprotected"
        tables = client.get("/stats.json").json()["tables"]
        own, exclusive = insider_knowledge(client, token, COALITION, tables)
        assert _recovered(tables, truth, own, exclusive) == {}
