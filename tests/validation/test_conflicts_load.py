"""Conflicts between sources, from generated data through ``inburgering load``: a DUO bundle and a GGM database of
the same persons (``inburgering generate`` with one seed), with disagreements planted in the GGM database.

``combined``: each source loaded into a store of its own by ``inburgering load``, its published graphs then put side
by side in a third store as the publication contract says (``{base}/graph/{gm}/{source}/{loadId}``, ``inb:bron``).
``one store``: both loaded into one store, in both orders: this needs the loader to publish sources side by side
(issue 12, section 3) and fails until it does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad

from inburgering.cli import main
from inburgering.loader.pseudonym import KEY_ENV, Pseudonymiser
from inburgering.namespaces import (
    DEFAULT_BASE,
    SHAPES,
    VOCAB,
    concept_iri,
    gemeente_iri,
    meta_graph,
    thing_iri,
)
from inburgering.store import EmbeddedStore
from inburgering.validation.inputs import published_instance_graphs

KEY = "conflicts-test-key-not-a-secret"
PERSONS, SEED, TODAY = 12, 3, "2026-11-01"


@dataclass(frozen=True)
class Planted:
    """What the test changed in the GGM database: (check name, person IRI, DUO's value, GGM's value)."""

    conflicts: frozenset[tuple[str, str, str, str]]


def _shift(day: str, days: int = -2) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def person(bsn: str) -> str:
    """The person IRI the loader gives a BSN under the test key."""
    return thing_iri(DEFAULT_BASE, "persoon", Pseudonymiser(KEY.encode()).bsn(bsn))


def plant(db: Path) -> Planted:
    """Disagreements in three persons of ``db``, each kept valid so that the loader publishes it."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT np.bsn, i.id, p.id, p.dagtekening_pip, ip.id, ip.datum_start, t.id, t.datum_einde_inburgeringstermijn,"
        " l.id, l.leerroute_type, l.niveau, i.gemeente, (SELECT COUNT(*) FROM map m WHERE m.leerroute_id = l.id)"
        " FROM natuurlijk_persoon np JOIN inburgeraar i ON i.id = np.id JOIN pip p ON p.inburgeraar_id = i.id"
        " JOIN leerroute l ON l.pip_id = p.id JOIN inburgeringsplicht ip ON ip.inburgeraar_id = i.id"
        " JOIN inburgeringstermijn t ON t.inburgeringsplicht_id = ip.id ORDER BY np.bsn").fetchall()
    dates = next(r for r in rows if date.fromisoformat(r[3]) - date.fromisoformat(r[5]) > timedelta(days=5))
    route = next(r for r in rows if r[9] == "B" and r[10] == "B1" and r[12] == 0 and r[0] != dates[0])
    moved = next(r for r in rows if r[0] not in (dates[0], route[0]))
    new_gm = "GM0599" if moved[11] != "GM0599" else "GM0363"
    bsn, _, pip, pip_day, duty, start, term, end = dates[:8]
    con.execute("UPDATE pip SET dagtekening_pip = ?, dagtekening_initiele_pip = ? WHERE id = ?",
                (_shift(pip_day), _shift(pip_day), pip))
    con.execute("UPDATE inburgeringsplicht SET datum_start = ? WHERE id = ?", (_shift(start), duty))
    con.execute("UPDATE inburgeringstermijn SET datum_aanvang_inburgeringstermijn = ?, "
                "datum_einde_inburgeringstermijn = ? WHERE id = ?", (_shift(pip_day, -1), _shift(end), term))
    con.execute("UPDATE leerroute SET leerroute_type = 'O', geschatte_intensiteit_b1_route = NULL WHERE id = ?",
                (route[8],))
    con.execute("DELETE FROM b1_route WHERE leerroute_id = ?", (route[8],))
    con.execute("UPDATE inburgeraar SET gemeente = ? WHERE id = ?", (new_gm, moved[1]))
    con.commit()
    con.close()
    return Planted(frozenset({
        ("BronnenOneensPipDatum", person(bsn), pip_day, _shift(pip_day)),
        ("BronnenOneensBeginPlicht", person(bsn), start, _shift(start)),
        ("BronnenOneensEindeTermijn", person(bsn), end, _shift(end)),
        ("BronnenOneensLeerroute", person(route[0]), concept_iri("leerroute", "B"), concept_iri("leerroute", "O")),
        ("BronnenOneensGemeente", person(moved[0]), gemeente_iri(moved[11]), gemeente_iri(new_gm)),
    }))


@dataclass(frozen=True)
class Sources:
    duo: Path
    ggm: Path
    planted_ggm: Path
    planted: Planted


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    folder = tmp_path_factory.mktemp("sources")
    for fmt, name in (("duo", "duo.jsonl"), ("ggm-sqlite", "ggm.sqlite")):
        assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt,
                     "--out", str(folder / name)]) == 0
    planted = folder / "planted.sqlite"
    planted.write_bytes((folder / "ggm.sqlite").read_bytes())
    return Sources(folder / "duo.jsonl", folder / "ggm.sqlite", planted, plant(planted))


@pytest.fixture(autouse=True)
def key_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(KEY_ENV, KEY)
    yield


def load(store: Path, source: Path, tmp_path: Path) -> None:
    report = tmp_path / f"{source.stem}-report.json"
    assert main(["load", "--store", str(store), "--rejects", str(tmp_path / "rejects.jsonl"), "--report",
                 str(report), "--reference-date", TODAY, str(source)]) == 0
    assert json.loads(report.read_text())["persons_published"] == PERSONS


def side_by_side(target: Path, stores: dict[str, Path]) -> None:
    """The published graphs of each ``{source name: store}`` copied into ``target`` under the contract's IRIs."""
    out = EmbeddedStore(str(target))
    records = []
    for source, folder in stores.items():
        store = EmbeddedStore(str(folder), read_only=True)
        for graph in published_instance_graphs(store, DEFAULT_BASE):
            tail = graph.iri.split(f"/graph/{graph.gemeente.lower()}/", 1)[1]  # type: ignore[union-attr]
            name = f"{DEFAULT_BASE}/graph/{graph.gemeente.lower()}/{source}/{tail}"  # type: ignore[union-attr]
            out.extend(Quad(q.subject, q.predicate, q.object, NamedNode(name))
                       for q in store.ox.quads_for_pattern(None, None, None, NamedNode(graph.iri)))
            records.append(f"<{name}> a <{VOCAB}InstanceGraph> ; <{VOCAB}gemeente> <{gemeente_iri(graph.gemeente)}> ;"
                           f" <{VOCAB}bron> \"{source}\" ; <{VOCAB}published> true .")
        store.close()
    out.update(f"INSERT DATA {{ GRAPH <{meta_graph(DEFAULT_BASE)}> {{ {' '.join(records)} }} }}")
    out.close()


def conflicts(store: Path, tmp_path: Path) -> tuple[set[tuple[str, str, str, str]], list[dict[str, object]]]:
    """The conflict warnings of ``inburgering validate --store`` as (check, person, DUO value, GGM value)."""
    summary = tmp_path / "summary.json"
    assert main(["validate", "--engine", "fast", "--store", str(store), "--reference-date", TODAY,
                 "--json", str(summary)]) == 0
    results = [r for r in json.loads(summary.read_text())["results"]
               if r["shape"].startswith(SHAPES + "BronnenOneens")]
    assert all([c["source"] for c in r["claims"]] == ["duo", "ggm"] for r in results)
    return {(r["shape"].removeprefix(SHAPES), r["focus_node"], r["claims"][0]["value"], r["claims"][1]["value"])
            for r in results}, results


def test_generated_duo_and_ggm_of_the_same_persons_agree(sources: Sources, tmp_path: Path) -> None:
    load(tmp_path / "duo", sources.duo, tmp_path)
    load(tmp_path / "ggm", sources.ggm, tmp_path)
    side_by_side(tmp_path / "both", {"duo": tmp_path / "duo", "ggm": tmp_path / "ggm"})
    assert conflicts(tmp_path / "both", tmp_path)[0] == set()


def test_planted_disagreements_are_reported_with_both_sources(sources: Sources, tmp_path: Path) -> None:
    load(tmp_path / "duo", sources.duo, tmp_path)
    load(tmp_path / "ggm", sources.planted_ggm, tmp_path)
    side_by_side(tmp_path / "both", {"duo": tmp_path / "duo", "ggm": tmp_path / "ggm"})
    found, results = conflicts(tmp_path / "both", tmp_path)
    assert found == set(sources.planted.conflicts)
    for r in results:
        duo, ggm = r["claims"]  # type: ignore[misc]
        assert "/duo/" in duo["graph"] and "/ggm/" in ggm["graph"]


@pytest.mark.parametrize("order", ["duo-then-ggm", "ggm-then-duo"])
def test_both_sources_loaded_into_one_store_are_compared(order: str, sources: Sources, tmp_path: Path) -> None:
    store = tmp_path / "store"
    pair = [sources.duo, sources.planted_ggm]
    for source in pair if order == "duo-then-ggm" else pair[::-1]:
        load(store, source, tmp_path)
    assert conflicts(store, tmp_path)[0] == set(sources.planted.conflicts)
