"""The synthetic data generator: deterministic, realistic, within the Wi2021 rules, with exactly the defects it reports."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from generated_rule_checks import violations

from inburgering.generate import DEFAULT_REFERENCE_DATE, KINDS, bsn_pool, generate
from inburgering.sources import DuoRecord, is_test_bsn, is_valid_bsn, open_ggm, read_duo_bundle

N, SEED, FRACTION = 1400, 7, 0.1


@pytest.fixture(scope="module")
def duo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("duo") / "duo.jsonl"
    generate(persons=N, seed=SEED, defects=FRACTION, format="duo", out=out)
    return out


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def manifest(path: Path) -> list[dict[str, Any]]:
    return json.loads((path.parent / "defects.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_persons(duo: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.jsonl"
    generate(persons=N, seed=SEED, defects=FRACTION, format="duo", out=again)
    assert again.read_bytes() == duo.read_bytes()
    assert (tmp_path / "defects.json").read_bytes() == (duo.parent / "defects.json").read_bytes()
    other = tmp_path / "other.jsonl"
    generate(persons=N, seed=SEED + 1, defects=FRACTION, format="duo", out=other)
    assert {p["bsn"] for p in lines(other)} != {p["bsn"] for p in lines(duo)}


def test_a_person_does_not_depend_on_how_many_are_generated(duo: Path, tmp_path: Path) -> None:
    fewer = tmp_path / "fewer.jsonl"
    generate(persons=300, seed=SEED, defects=0.0, format="duo", out=fewer)
    clean = {m["bsn"] for m in manifest(duo)}
    first = [p for p in lines(duo)[:300]]
    same = [a == b for a, b in zip(first, lines(fewer), strict=True) if a["bsn"] not in clean]
    assert len(same) > 250 and all(same)


def test_bsns_are_unique_test_bsns_except_the_injected_elfproef_failures(duo: Path) -> None:
    people = lines(duo)
    bsns = [p["bsn"] for p in people]
    assert len(set(bsns)) == N
    failing = {m["bsn"] for m in manifest(duo) if m["kind"] == "bsn-elfproef"}
    assert failing and all(b.startswith("9999") and not is_valid_bsn(b) for b in failing)
    assert all(is_test_bsn(b) for b in bsns if b not in failing)
    assert len(bsn_pool()) == 9091 and all(is_test_bsn(b) for b in bsn_pool())


def test_defect_count_is_round_fraction_times_n_one_per_person_spread_over_all_kinds(duo: Path) -> None:
    entries = manifest(duo)
    assert len(entries) == math.floor(FRACTION * N + 0.5) == 140
    assert len({e["bsn"] for e in entries}) == len(entries)  # exactly one defect per defective person
    counts = Counter(e["kind"] for e in entries)
    assert set(counts) == {k.name for k in KINDS}
    assert max(counts.values()) - min(counts.values()) <= 1
    for e in entries:
        kind = next(k for k in KINDS if k.name == e["kind"])
        assert (e["stage"], e["rule"]) == (kind.stage, kind.rule_iri)
        assert (e["rule"] is None) == (e["stage"] == "source")


def test_source_defects_are_exactly_the_lines_the_reader_rejects(duo: Path) -> None:
    source = {e["bsn"] for e in manifest(duo) if e["stage"] == "source"}
    rejected = {r.bsn for r in read_duo_bundle(duo) if not isinstance(r, DuoRecord)}
    assert rejected == source


def test_every_valid_person_keeps_every_rule_except_the_one_its_defect_breaks(duo: Path) -> None:
    rule = {e["bsn"]: e["rule"].rsplit("/", 1)[1] for e in manifest(duo) if e["stage"] == "shacl"}
    broken: dict[str, set[str]] = {}
    for record in read_duo_bundle(duo):
        assert isinstance(record, DuoRecord) or record.bsn not in rule
        if isinstance(record, DuoRecord):
            found = violations({"bsn": record.bsn, **record.resources}, DEFAULT_REFERENCE_DATE)
            if found or record.bsn in rule:
                broken[record.bsn] = found
    assert broken == {bsn: {name} for bsn, name in rule.items()}


def test_distributions_follow_the_cbs_figures_and_the_rules(duo: Path) -> None:
    clean = [p for p in lines(duo) if p["bsn"] not in {m["bsn"] for m in manifest(duo)}]
    asiel = [p for p in clean if p["doelgroep"]["indeling"] == "Asielstatushouder"]
    assert 0.61 <= len(asiel) / len(clean) <= 0.72
    routes = Counter(p["pip"]["pip"]["leerroute"] for p in clean if "pip" in p)
    assert routes["B"] / sum(routes.values()) > 0.6 and routes["Z"] > routes["O"] > 0
    assert all(p["inburgeringsplicht"]["begindatum"] >= "2022-01-01" for p in clean)
    assert all(p["gemeente"].startswith("GM") for p in clean)
    with_offer = [p for p in clean if "inburgeringsaanbod" in p]
    assert with_offer and all(p["doelgroep"]["indeling"] == "Asielstatushouder" for p in with_offer)
    results = Counter(e["resultaat"] for p in clean for e in p.get("examenresultaten", []))
    assert results["Geslaagd"] > results["Gezakt"] > results["Geen"] > 0
    scores = [r["behaaldeScore"] for p in clean for r in p.get("leerbaarheidstoetsResultaten", [])]
    assert scores and all("," in s and len(s.split(",")[1]) == 2 for s in scores)
    kinds = {k for p in clean for o in p.get("ontheffingen", []) for k in o} | \
        {k for p in clean for v in p.get("vrijstellingen", []) for k in v}
    assert {"GeheleOntheffing", "GedeeltelijkeOntheffing", "GeheleVrijstelling"} <= kinds
    assert any("zroute" in p for p in clean) and any("inburgeringstermijnHistorie" in p for p in clean)


@pytest.fixture(scope="module")
def ggm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("ggm")
    out = {"duo": base / "duo.jsonl", "ggm-sqlite": base / "ggm.sqlite", "ggm-csv": base / "ggm-csv"}
    for fmt, path in out.items():
        generate(persons=300, seed=SEED, defects=0.1, format=fmt, out=path)
    return out


def test_the_same_seed_gives_the_same_persons_and_defects_in_every_format(ggm: dict[str, Path]) -> None:
    duo_bsns = [p["bsn"] for p in lines(ggm["duo"])]
    for fmt in ("ggm-sqlite", "ggm-csv"):
        with open_ggm(ggm[fmt]) as source:
            persons = list(source.persons())
            assert not list(source.orphans())
        assert [p.bsn for p in persons] == duo_bsns
        assert [p.gemeente for p in persons] == [p["gemeente"] for p in lines(ggm["duo"])]
    with sqlite3.connect(ggm["ggm-sqlite"]) as db:
        starts = [r[0] for r in db.execute("SELECT datum_start FROM inburgeringsplicht ORDER BY inburgeraar_id")]
    assert starts == [p["inburgeringsplicht"]["begindatum"] for p in lines(ggm["duo"])]


def test_ggm_source_defects_are_exactly_the_persons_with_problems(ggm: dict[str, Path]) -> None:
    source_defects = {e["bsn"] for e in manifest(ggm["duo"]) if e["stage"] == "source"}
    for fmt in ("ggm-sqlite", "ggm-csv"):
        with open_ggm(ggm[fmt]) as source:
            assert {p.bsn for p in source.persons() if p.problems} == source_defects


def test_sqlite_and_csv_hold_the_same_rows(ggm: dict[str, Path]) -> None:
    with open_ggm(ggm["ggm-sqlite"]) as a, open_ggm(ggm["ggm-csv"]) as b:
        for x, y in zip(a.persons(), b.persons(), strict=True):
            assert {t: [r.values for r in rows] for t, rows in x.rows.items()} == \
                {t: [{**{c: None for c in r0.values}, **r.values} for r, r0 in zip(rows, x.rows[t], strict=True)]
                 for t, rows in y.rows.items()}


def test_reference_date_moves_the_data(tmp_path: Path) -> None:
    out = tmp_path / "early.jsonl"
    generate(persons=50, seed=1, defects=0.0, format="duo", out=out, reference_date=date(2025, 1, 1))
    for p in lines(out):
        assert violations(p, date(2025, 1, 1)) == set()
        assert p["inburgeringsplicht"]["begindatum"] <= "2025-01-01"


def test_the_sex_split_follows_cbs_in_the_ggm_form(tmp_path: Path) -> None:
    path = tmp_path / "ggm.sqlite"
    generate(persons=2000, seed=SEED, defects=0.0, format="ggm-sqlite", out=path)
    with sqlite3.connect(path) as db:
        def share(subtype: str, sex: str) -> float:
            (total, matching), = db.execute(
                f"SELECT COUNT(*), SUM(n.geslachtsaanduiding = ?) FROM natuurlijk_persoon n JOIN {subtype} s "
                "ON s.id = n.id", (sex,))
            return float(matching) / total
        asiel_men, gezins_women = share("asielstatushouder", "M"), share("gezinsmigrant_en_overige_migrant", "V")
    db.close()
    assert 0.55 <= asiel_men <= 0.65 and 0.63 <= gezins_women <= 0.73


def test_the_ggm_form_fills_the_ggm_only_tables_with_values_the_ontology_knows(ggm: dict[str, Path],
                                                                              tmp_path: Path) -> None:
    from pyoxigraph import NamedNode, RdfFormat, Store

    from inburgering.loader.output import write_mapped
    from inburgering.namespaces import inb
    from inburgering.paths import ONTOLOGY_DIR
    from inburgering.settings import Settings

    with sqlite3.connect(ggm["ggm-sqlite"]) as db:
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
                  for t in ("werk", "educatie", "taalvaardigheid", "ict_vaardigheid", "diplomawaardering",
                            "verblijfplaats_azc", "voorbereiding_op_inburgering", "introductiemodule", "hoofddoel",
                            "ontwikkelwens", "subdoel_ontwikkelwens", "subdoel_aandachtspunt", "training")}
        gezins_werk = db.execute("SELECT COUNT(*) FROM werk w JOIN gezinsmigrant_en_overige_migrant g "
                                 "ON g.id = w.asielstatushouder_id").fetchone()[0]
    db.close()
    assert all(n > 0 for n in counts.values()), counts
    assert gezins_werk == 0  # work, education, skills and the AZC are kept for asielstatushouders only
    out = tmp_path / "mapped.nt"
    write_mapped([ggm["ggm-sqlite"]], settings=Settings(base_iri="https://data.example.org"), key=b"k" * 16, out=out)
    store = Store()
    store.load(path=str(ONTOLOGY_DIR / "concepts.ttl"), format=RdfFormat.TURTLE)
    concepts = {str(q.subject.value) for q in store.quads_for_pattern(
        None, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        NamedNode("http://www.w3.org/2004/02/skos/core#Concept"))}
    values = [line.split(" ", 2)[2].rstrip(" .\n").strip("<>") for line in out.read_text().splitlines()
              if f"<{inb('subdoel')}>" in line]
    assert len(values) > 20 and set(values) <= concepts  # every sub-goal is a concept of its kind's list
