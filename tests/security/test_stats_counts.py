"""``/stats`` counted per municipality and kept while a municipality's graphs stay the same (issue 15).

The per-municipality counts, added up, must give exactly what one count over every published graph gives
(``person_tables`` and ``record_tables``, the plain definition), also for a person in the graphs of two
municipalities; after a reload of one municipality only that one is counted again, and the report equals one
computed from nothing. Persons come from ``inburgering generate`` through the real loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, TOOI_GEMEENTE, VOCAB
from inburgering.security import stats
from inburgering.security.suppression import CountTable, suppress
from inburgering.service.publish import load_public_graphs
from inburgering.store import EmbeddedStore
from inburgering.store.publication import published_graphs

KEY = "stats-counts-test-key-not-a-secret"
THRESHOLD = 10


def _load(store: Path, bundle: Path, folder: Path) -> None:
    key = folder / "key"
    key.write_text(KEY, encoding="utf-8")
    assert main(["load", "--store", str(store), "--rejects", str(folder / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0


@pytest.fixture()
def loaded(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    bundle, store = tmp_path / "duo.jsonl", tmp_path / "store"
    assert main(["generate", "--persons", "160", "--seed", "21", "--format", "duo", "--out", str(bundle)]) == 0
    _load(store, bundle, tmp_path)
    s = EmbeddedStore(store)
    load_public_graphs(s, base=DEFAULT_BASE)
    s.close()
    yield store, bundle


def _plain(store: EmbeddedStore) -> list[CountTable]:
    graphs = published_graphs(store, base=DEFAULT_BASE, special=True)
    return stats.person_tables(store, graphs) + stats.record_tables(store, graphs, base=DEFAULT_BASE)


def _report(tables: list[CountTable]) -> dict[str, object]:
    return stats.StatsReport(THRESHOLD, suppress(tables, threshold=THRESHOLD)).as_json()


def test_a_reload_counts_that_municipality_again_and_the_rest_is_kept(loaded: tuple[Path, Path], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store, bundle = loaded
    memo: stats.CountsMemo = {}
    s = EmbeddedStore(store)
    try:
        first = stats.compute_stats(s, base=DEFAULT_BASE, threshold=THRESHOLD, memo=memo)
        assert first.as_json() == _report(_plain(s))
        gemeenten = {gm for gm, _ in memo}
        assert len(gemeenten) > 5
    finally:
        s.close()
    # GM X sends again, without two of its persons: its graph is replaced, every other one stays.
    lines = bundle.read_text(encoding="utf-8").splitlines()
    mine = max(gemeenten, key=lambda gm: sum(json.loads(line)["gemeente"] == gm for line in lines))
    again = tmp_path / "again.jsonl"
    again.write_text("\n".join([line for line in lines if json.loads(line)["gemeente"] == mine][2:]) + "\n",
                     encoding="utf-8")
    _load(store, again, tmp_path)
    counted: list[str] = []
    real = stats.gemeente_counts

    def recording(store: object, own: list[str], **kwargs: str) -> stats.GemeenteCounts:
        counted.append(own[0])
        return real(store, own, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stats, "gemeente_counts", recording)
    s = EmbeddedStore(store)
    try:
        second = stats.compute_stats(s, base=DEFAULT_BASE, threshold=THRESHOLD, memo=memo)
        assert [g.split("/graph/")[1].split("/")[0].upper() for g in counted] == [mine]
        assert second.as_json() == stats.compute_stats(s, base=DEFAULT_BASE, threshold=THRESHOLD).as_json()
        assert second.as_json() == _report(_plain(s))
        assert second.as_json() != first.as_json()  # two persons fewer: the tables did change
    finally:
        s.close()


def test_a_person_in_two_municipalities_counts_as_one_count_over_every_graph(loaded: tuple[Path, Path]) -> None:
    """Per municipality a person has the values of its own graphs; added up, the person gets the values of all
    of them, as in one query over every graph: the first municipality, target group and route of all."""
    store, _ = loaded
    s = EmbeddedStore(store)
    try:
        graphs = published_graphs(s, base=DEFAULT_BASE, special=True)
        by_gemeente = stats.graphs_by_gemeente(graphs, base=DEFAULT_BASE)
        first, last = min(by_gemeente), max(by_gemeente)
        before = stats.counts_by_gemeente(s, graphs, base=DEFAULT_BASE)
        # a person of the last municipality with a learning route is also in a graph of the first, there with
        # the first as municipality and without the route (the PIP's learning route stays in the last's graph)
        person = NamedNode(next(p for p, (_, _, routes) in before[last].persons.items() if routes))
        gemeente = NamedNode(VOCAB + "gemeente")
        source, target = NamedNode(by_gemeente[last][0]), NamedNode(by_gemeente[first][0])
        for q in list(s.ox.quads_for_pattern(person, None, None, source)):
            value = NamedNode(TOOI_GEMEENTE + first.lower()) if q.predicate == gemeente else q.object
            s.ox.add(Quad(person, q.predicate, value, target))
        counts = stats.counts_by_gemeente(s, graphs, base=DEFAULT_BASE)
        here, there = counts[first].persons[person.value], counts[last].persons[person.value]
        assert here[0] != there[0] and not here[2] and there[2]  # per municipality: different values
        plain = {k: v for t in _plain(s) for k, v in t.values().items()}
        combined = {k: v for t in stats.count_tables(counts) for k, v in t.values().items()}
        assert combined == plain and sum(v for (name, *_), v in plain.items() if name == "leerroute") > 0
        assert stats.compute_stats(s, base=DEFAULT_BASE, threshold=THRESHOLD).as_json() == _report(_plain(s))
    finally:
        s.close()
