"""The saved query "verschillen-duo-ggm": DUO and the municipality's GGM database of the same persons, published
side by side in graphs of their own ({base}/graph/{gm}/{source}/{load}), joined on the person.

The generated GGM database is changed for a few persons (an exam result, the detailed target group, the
learnability-test outcome); everything else agrees (tests/mapping/test_duo_ggm_agree.py). Each source is mapped
by ``inburgering map`` and published in its own graphs as the loader publishes sources side by side (issue 12);
the expected disagreements are computed from the DUO bundle and the changed database themselves.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import cookbook_oracle as oracle
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from inburgering.cli import main
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.namespaces import DEFAULT_BASE, concept_iri
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import publish

KEY = "cookbook-sources-key-not-a-secret"
PERSONS, SEED = 300, 21
_GRAPH = re.compile(re.escape(DEFAULT_BASE) + r"/graph/(gm[0-9]{4})/[a-z][a-z0-9-]*/([^/]+)(/bijzonder)?$")
_EXAMS = ("SELECT np.bsn, eo.examen_onderdeel_specificatie, eo.niveau, eo.examendatum, eo.resultaat "
          "FROM examenonderdeel eo JOIN examen e ON e.id = eo.examen_id "
          "JOIN inburgeringstraject t ON t.id = e.inburgeringstraject_id "
          "JOIN inburgeringsplicht p ON p.id = t.inburgeringsplicht_id "
          "JOIN natuurlijk_persoon np ON np.id = p.inburgeraar_id")
_DETAIL = "SELECT np.bsn, i.gedetailleerde_doelgroep FROM inburgeraar i JOIN natuurlijk_persoon np ON np.id = i.id"
_LBT = ("SELECT np.bsn, b.lbt_resultaat FROM brede_intake b JOIN inburgeringstraject t ON t.id = b.inburgeringstraject_id "
        "JOIN inburgeringsplicht p ON p.id = t.inburgeringsplicht_id "
        "JOIN natuurlijk_persoon np ON np.id = p.inburgeraar_id WHERE b.lbt_resultaat IS NOT NULL")


def _change_ggm(db_path: Path) -> None:
    """Three exam results, three detailed target groups (within the same group) and two test outcomes differ."""
    db = sqlite3.connect(db_path)
    exams = [r[0] for r in db.execute("SELECT MIN(id) FROM examenonderdeel WHERE resultaat = 'Gezakt' "
                                      "GROUP BY examen_id ORDER BY 1 LIMIT 3")]  # one exam row of three persons
    db.execute(f"UPDATE examenonderdeel SET resultaat = 'Geslaagd' WHERE id IN ({','.join(map(str, exams))})")
    for old, new in (("Gezinshereniger", "Overig"), ("Gezinsvormer", "Gezinshereniger")):
        db.execute("UPDATE inburgeraar SET gedetailleerde_doelgroep = ? WHERE id IN "
                   "(SELECT id FROM inburgeraar WHERE gedetailleerde_doelgroep = ? ORDER BY id LIMIT ?)",
                   (new, old, 2 if old == "Gezinsvormer" else 1))
    db.execute("UPDATE brede_intake SET lbt_resultaat = 'Onbekend' WHERE id IN (SELECT id FROM brede_intake "
               "WHERE lbt_resultaat = 'B1-route haalbaar' ORDER BY id LIMIT 2)")
    db.commit()
    db.close()


def _side_by_side(store_path: Path, trig: dict[str, Path]) -> None:
    """Each source's mapped graphs as ``{base}/graph/{gm}/{source}/L1``, published together."""
    store = open_store(str(store_path))
    load_public_graphs(store, base=DEFAULT_BASE)
    graphs: set[tuple[str, str]] = set()
    for source, path in trig.items():
        quads = []
        for q in parse(path=str(path), format=RdfFormat.TRIG):
            m = _GRAPH.match(q.graph_name.value)  # type: ignore[union-attr]
            assert m is not None, q.graph_name
            graph = f"{DEFAULT_BASE}/graph/{m.group(1)}/{source}/L1{m.group(3) or ''}"
            graphs.add((m.group(1).upper(), graph))
            quads.append(Quad(q.subject, q.predicate, q.object, NamedNode(graph)))
        store.extend(quads)
    publish(store, base=DEFAULT_BASE, graphs=sorted(graphs))
    store.close()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str], Path, Path]]:
    tmp = tmp_path_factory.mktemp("sources")
    bundle, ggm, key = tmp / "duo.jsonl", tmp / "ggm.sqlite", tmp / "key"
    key.write_text(KEY, encoding="utf-8")
    for fmt, out in (("duo", bundle), ("ggm-sqlite", ggm)):
        assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt,
                     "--out", str(out)]) == 0
    _change_ggm(ggm)
    trig = {"duo": tmp / "duo.trig", "ggm": tmp / "ggm.trig"}
    for source, path in (("duo", bundle), ("ggm", ggm)):
        assert main(["map", str(path), "--out", str(trig[source]), "--key-file", str(key)]) == 0
    _side_by_side(tmp / "store", trig)
    tokens = TokenStore(tmp / "tokens.sqlite")
    gemeenten = sorted({line.gemeente for line in oracle.read_bundle(bundle, KEY.encode())})
    token = tokens.create(role="analyst", gemeenten=gemeenten, special_categories=True).token
    settings = Settings(store=str(tmp / "store"), token_db=tokens.path, audit_log=tmp / "audit.jsonl",
                        public_url=DEFAULT_BASE)
    with TestClient(create_app(settings)) as client:
        yield client, {"Authorization": f"Bearer {token}"}, bundle, ggm
    tokens.close()


def _expected(bundle: Path, ggm: Path) -> dict[tuple[str, str], tuple[set[str], set[str]]]:
    """(person, field) → (DUO's values, the GGM's values) where both have values and they differ, for the fields
    the database was changed in; read from the bundle and the database."""
    pseudonym = Pseudonymiser(KEY.encode())
    duo: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in oracle.read_bundle(bundle, KEY.encode()):
        for e in p.exams:
            duo[(p.key, "examenresultaat")].add(f"{e['onderdeel']} {e.get('niveau') or '-'} {e['examendatum']} "
                                                 f"{e['resultaat']}")
        detail = (p.raw.get("doelgroep") or {}).get("gedetailleerdeDoelgroep")
        if detail:
            duo[(p.key, "gedetailleerde doelgroep")].add(concept_iri("gedetailleerdedoelgroep", detail))
        for r in p.raw.get("leerbaarheidstoetsResultaten") or []:
            duo[(p.key, "leerbaarheidstoets uitkomst")].add(concept_iri("leerbaarheidstoetsresultaat", r["resultaat"]))
    ggm_values: dict[tuple[str, str], set[str]] = defaultdict(set)
    db = sqlite3.connect(f"file:{ggm}?mode=ro", uri=True)
    for bsn, onderdeel, niveau, datum, uitslag in db.execute(_EXAMS):
        ggm_values[(pseudonym.bsn(bsn), "examenresultaat")].add(f"{onderdeel} {niveau or '-'} {datum} {uitslag}")
    for bsn, detail in db.execute(_DETAIL):
        if detail:
            ggm_values[(pseudonym.bsn(bsn), "gedetailleerde doelgroep")].add(
                concept_iri("gedetailleerdedoelgroep", detail))
    for bsn, outcome in db.execute(_LBT):
        ggm_values[(pseudonym.bsn(bsn), "leerbaarheidstoets uitkomst")].add(
            concept_iri("leerbaarheidstoetsresultaat", outcome))
    db.close()
    return {k: (v, ggm_values[k]) for k, v in duo.items() if ggm_values.get(k) and ggm_values[k] != v}


def _values(text: str, source: str) -> set[str]:
    return {part.split(": ", 1)[1] for part in text.split(" | ") if part.startswith(source + ": ")}


def test_disagreements_between_duo_and_the_ggm(sources: tuple[TestClient, dict[str, str], Path, Path]) -> None:
    client, token, bundle, ggm = sources
    response = client.get("/api/queries/verschillen-duo-ggm", headers=token)
    assert response.status_code == 200, response.text
    rows = [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
    got = {(r["persoon"].rsplit("/", 1)[1], r["veld"]): (_values(r["waarden"], "duo"), _values(r["waarden"], "ggm"))
           for r in rows}
    assert all(int(r["waardenDuo"]) == len(got[(r["persoon"].rsplit("/", 1)[1], r["veld"])][0]) for r in rows)
    expected = _expected(bundle, ggm)
    assert fields_count(expected) == {"examenresultaat": 3, "gedetailleerde doelgroep": 3,
                                    "leerbaarheidstoets uitkomst": 2}
    assert got == expected  # and nothing else: where the database was not changed, the sources agree

    one = next(iter(expected))
    gemeente = next(p.gemeente for p in oracle.read_bundle(bundle, KEY.encode()) if p.key == one[0])
    response = client.get("/api/queries/verschillen-duo-ggm", params={"gemeente": gemeente}, headers=token)
    rows = [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
    assert rows and {r["gemeente"].rsplit("/", 1)[1].upper() for r in rows} == {gemeente}


def fields_count(expected: dict[tuple[str, str], object]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for _, field in expected:
        counts[field] += 1
    return dict(counts)
