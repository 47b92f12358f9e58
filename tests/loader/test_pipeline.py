"""The load pipeline: nothing lost, validate before publish, atomic publication, provenance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from loader_helpers import (
    BASE,
    KEY,
    NEEDS_PIP,
    bsn_pool,
    crashing_validator,
    duo_person,
    needs_pip_validator,
    write_bundle,
)
from pyoxigraph import NamedNode, QuerySolutions

from inburgering.errors import UsageError
from inburgering.loader import Finding, load, no_validation
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.loader.rejects import read_rejects
from inburgering.namespaces import DCT, PROV, inb, meta_graph, provenance_graph, thing_iri
from inburgering.settings import Settings
from inburgering.store.publication import published_graphs
from inburgering.store.unions import registered_unions

SETTINGS = Settings(base_iri=BASE)


def _persons(store: Any) -> set[str]:
    graphs = published_graphs(store, base=BASE, special=True)
    result = store.query("SELECT DISTINCT ?p WHERE { ?p a <https://w3id.org/inburgering/def/Inburgeraar> }",
                         default_graph=graphs)
    assert isinstance(result, QuerySolutions)
    return {row["p"].value for row in result}


def _iri(bsn: str) -> str:
    return thing_iri(BASE, "persoon", Pseudonymiser(KEY).bsn(bsn))


def test_every_person_is_published_or_rejected_with_its_locator(store: Any, tmp_path: Path) -> None:
    good, no_pip, _bad_bsn, bad_date = list(zip(range(4), bsn_pool()))
    lines: list[Any] = [duo_person(good[1]), duo_person(no_pip[1], pip=False),
                        {**duo_person("999990018")},  # fails the elfproef
                        {**duo_person(bad_date[1]), "map": {"datumEindgesprekMap": "2023-02-30"}}, "{not json"]
    bundle = write_bundle(tmp_path / "b.jsonl", lines)
    report = load([bundle], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=needs_pip_validator)
    assert (report.persons_read, report.persons_published, report.persons_rejected) == (5, 1, 4)
    assert report.exit_code == 1
    assert _persons(store) == {_iri(good[1])}
    rejects = read_rejects(tmp_path / "r.jsonl")
    by_record = {r["record"]: r for r in rejects}
    assert set(by_record) == {"line 2", "line 3", "line 4", "line 5"}
    assert by_record["line 2"]["rule"] == NEEDS_PIP and by_record["line 2"]["stage"] == "shacl"
    assert by_record["line 2"]["focus"] == _iri(no_pip[1])
    assert (by_record["line 3"]["field"], by_record["line 3"]["reason"]) == ("bsn", "elfproef")
    assert by_record["line 4"]["field"] == "map.datumEindgesprekMap"
    assert all(r["source"] == str(bundle) for r in rejects)


def test_entity_and_municipality_counts_add_up(store: Any, tmp_path: Path) -> None:
    bsns = bsn_pool()
    lines = [duo_person(next(bsns), "GM0363"), duo_person(next(bsns), "GM0599", pip=False),
             duo_person(next(bsns), "GM0599")]
    report = load([write_bundle(tmp_path / "b.jsonl", lines)], settings=SETTINGS, key=KEY,
                  rejects_path=tmp_path / "r.jsonl", store=store, validator=needs_pip_validator)
    assert {k: (c.read, c.published, c.rejected) for k, c in report.gemeenten.items()} == {
        "GM0363": (1, 1, 0), "GM0599": (2, 1, 1)}
    assert (report.entities["persoon"].read, report.entities["persoon"].rejected) == (3, 1)
    assert (report.entities["pip"].read, report.entities["pip"].published) == (2, 2)
    assert published_graphs(store, base=BASE, gemeenten=["GM0599"]) != []


def test_all_or_nothing_refuses_the_whole_load_and_keeps_the_previous_one(store: Any, tmp_path: Path) -> None:
    bsns = bsn_pool()
    first = write_bundle(tmp_path / "1.jsonl", [duo_person(next(bsns))])
    load([first], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r1.jsonl", store=store,
         validator=needs_pip_validator)
    before = published_graphs(store, base=BASE)
    second = write_bundle(tmp_path / "2.jsonl", [duo_person(next(bsns)), duo_person(next(bsns), pip=False)])
    report = load([second], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store,
                  validator=needs_pip_validator, all_or_nothing=True)
    assert report.refused and report.persons_published == 0 and report.exit_code == 2
    assert published_graphs(store, base=BASE) == before


def test_an_exception_mid_load_leaves_the_previous_version_and_the_next_load_cleans_up(
        store: Any, tmp_path: Path, backend: str) -> None:
    bsns = bsn_pool()
    first_bsn = next(bsns)
    load([write_bundle(tmp_path / "1.jsonl", [duo_person(first_bsn)])], settings=SETTINGS, key=KEY,
         rejects_path=tmp_path / "r1.jsonl", store=store, validator=no_validation)
    before = published_graphs(store, base=BASE)
    big = write_bundle(tmp_path / "2.jsonl", [duo_person(next(bsns)) for _ in range(5)])
    with pytest.raises(RuntimeError):
        load([big], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store,
             validator=crashing_validator(2), batch_size=2)
    assert published_graphs(store, base=BASE) == before
    assert _persons(store) == {_iri(first_bsn)}
    live = set(before) | {meta_graph(BASE), provenance_graph(BASE)} | set(registered_unions(store, base=BASE))
    leftovers = {g.value for g in store.named_graphs()} - live
    if backend == "embedded":  # it had copied them into the unions too: it took both out as it failed
        assert not leftovers
        return
    assert leftovers, "the failed load wrote its first batch before it crashed"
    load([write_bundle(tmp_path / "3.jsonl", [duo_person(first_bsn)])], settings=SETTINGS, key=KEY,
         rejects_path=tmp_path / "r3.jsonl", store=store, validator=no_validation)
    assert not leftovers & {g.value for g in store.named_graphs()}


def test_no_bsn_anywhere_in_the_store(store: Any, tmp_path: Path) -> None:
    bsns = [b for _, b in zip(range(3), bsn_pool())]
    load([write_bundle(tmp_path / "b.jsonl", [duo_person(b) for b in bsns])], settings=SETTINGS, key=KEY,
         rejects_path=tmp_path / "r.jsonl", store=store, validator=no_validation)
    result = store.query("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    text = " ".join(str(term) for row in result for term in row)
    assert not any(b in text for b in bsns)
    assert KEY.decode() not in text


def test_provenance_records_the_source_checksum_and_the_counts(store: Any, tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(next(bsn_pool()))])
    report = load([bundle], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=no_validation)
    sha = hashlib.sha256(bundle.read_bytes()).hexdigest()
    activity = NamedNode(thing_iri(BASE, "load", report.load_id))
    result = store.query(
        f"SELECT ?title ?sum ?graph WHERE {{ GRAPH <{provenance_graph(BASE)}> {{ {activity} <{PROV}used> ?src . "
        f"?src <{DCT}format> \"duo\" ; <{DCT}title> ?title ; <http://spdx.org/rdf/terms#checksum>/<http://spdx.org/rdf/terms#checksumValue> ?sum ."
        f"{activity} <{PROV}generated> ?graph . ?graph <http://rdfs.org/ns/void#entities> 1 }} }}")
    rows = [(r["title"].value, r["sum"].value, r["graph"].value) for r in result]
    assert rows == [(str(bundle), sha, report.graphs[0])]


def test_bad_arguments_are_usage_errors(store: Any, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no SOURCE"):
        load([], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store)
    with pytest.raises(UsageError, match="source not found"):
        load([tmp_path / "missing.jsonl"], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl",
             store=store)
    with pytest.raises(UsageError, match="too short"):
        load([tmp_path / "x.jsonl"], settings=SETTINGS, key=b"short", rejects_path=tmp_path / "r.jsonl",
             store=store)


def test_warnings_are_counted_and_the_person_is_still_published(store: Any, tmp_path: Path) -> None:
    def warn_everyone(triples: Any, *, reference_date: Any) -> list[Finding]:
        people = {t.subject.value for t in triples if t.object == NamedNode(inb("Inburgeraar"))}
        return [Finding(focus=p, severity="Warning", message="let op", rule=NEEDS_PIP) for p in sorted(people)]

    bsn = next(bsn_pool())
    report = load([write_bundle(tmp_path / "b.jsonl", [duo_person(bsn)])], settings=SETTINGS, key=KEY,
                  rejects_path=tmp_path / "r.jsonl", store=store, validator=warn_everyone)
    assert (report.persons_published, report.warnings, report.violations, report.exit_code) == (1, 1, 0, 0)
    assert read_rejects(tmp_path / "r.jsonl") == []
    assert _persons(store) == {_iri(bsn)}


def test_medical_grounds_are_published_only_in_the_special_category_graph(store: Any, tmp_path: Path) -> None:
    bsn = next(bsn_pool())
    line = {**duo_person(bsn), "ontheffingen": [{"GeheleOntheffing": {"oordeel": "Toekenning",
                                                                     "datumOordeel": "2023-01-05", "grond": "MED"}}]}
    report = load([write_bundle(tmp_path / "b.jsonl", [line])], settings=SETTINGS, key=KEY,
                  rejects_path=tmp_path / "r.jsonl", store=store, validator=no_validation)
    assert report.persons_published == 1
    ordinary, everything = published_graphs(store, base=BASE), published_graphs(store, base=BASE, special=True)
    [special] = sorted(set(everything) - set(ordinary))
    assert special.endswith("/bijzonder")
    query = f"ASK {{ ?o <{inb('ontheffingsgrond')}> ?g }}"
    assert not bool(store.query(query, default_graph=ordinary))
    assert bool(store.query(query, default_graph=[special]))


def test_a_person_twice_in_one_source_is_rejected_the_second_time(store: Any, tmp_path: Path) -> None:
    bsn = next(bsn_pool())
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(bsn), duo_person(bsn, "GM0599")])
    report = load([bundle], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=no_validation)
    assert (report.persons_published, report.persons_rejected) == (1, 1)
    [reject] = read_rejects(tmp_path / "r.jsonl")
    assert (reject["record"], reject["reason"]) == ("line 2", "the same person as line 1 of this source")
    assert reject["value"] is None  # the BSN is not repeated in the rejects file


def test_ggm_rows_linked_to_no_person_go_to_the_rejects(store: Any, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "csv"
    shutil.copytree(Path(__file__).resolve().parents[1] / "cases" / "ggm-pip-leerroute" / "input", folder)
    with (folder / "pip.csv").open("a", encoding="utf-8") as f:
        f.write("199,2022-06-01,2022-06-01,99\n")  # inburgeraar 99 does not exist
    report = load([folder], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=no_validation)
    assert (report.persons_read, report.persons_published, report.orphan_rows) == (1, 1, 1)
    [reject] = read_rejects(tmp_path / "r.jsonl")
    assert reject["source"].endswith("pip.csv") and reject["record"] == "line 3" and reject["stage"] == "source"
    assert "not linked to a person" in reject["reason"]


def test_ggm_rows_of_a_table_beyond_the_core_are_published_not_dropped(store: Any, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "csv"
    shutil.copytree(Path(__file__).resolve().parents[1] / "cases" / "ggm-pip-leerroute" / "input", folder)
    (folder / "werk.csv").write_text("id,ambitie,asielstatushouder_id\n7,Kok worden,1\n8,,1\n", encoding="utf-8")
    report = load([folder], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=no_validation)
    assert (report.persons_published, report.persons_rejected, report.orphan_rows, report.exit_code) == (1, 0, 0, 0)
    assert report.entities["werk"].published == 2
    graphs = published_graphs(store, base=BASE)
    result = store.query(f"SELECT ?a WHERE {{ <{_iri('999990019')}> <{inb('heeftWerk')}> ?w . "
                         f"?w <{inb('ambitie')}> ?a }}", default_graph=graphs)
    assert isinstance(result, QuerySolutions) and [row["a"].value for row in result] == ["Kok worden"]


def test_parts_loaded_with_their_own_keys_are_distinct_persons_and_all_stay_published(store: Any,
                                                                                     tmp_path: Path) -> None:
    from inburgering.generate import generate_parts

    reports = generate_parts(persons=40, parts=2, seed=3, defects=0.0, format="duo", out=tmp_path / "duo.jsonl")
    bsns = [[json.loads(line)["bsn"] for line in r.out.read_text(encoding="utf-8").splitlines()] for r in reports]
    assert bsns[0] == bsns[1]  # the test range is small: BSNs repeat between parts
    published = 0
    for k, report in enumerate(reports):
        done = load([report.out], settings=SETTINGS, key=KEY + f"-part-{k}".encode(), rejects_path=tmp_path / "r.jsonl",
                    store=store, validator=no_validation)
        published += done.persons_published
    assert published == 40
    assert len(_persons(store)) == 40  # no person of part 1 merged with, or retired by, one of part 2


def test_a_duo_value_the_mapping_does_not_publish_is_reported_not_dropped(store: Any, tmp_path: Path) -> None:
    # A Z-route completion date without a PIP: the mapping puts it on the PIP's learning route, which is absent.
    bsn = next(bsn_pool())
    bundle = write_bundle(tmp_path / "b.jsonl", [{**duo_person(bsn, pip=False),
                                                  "zroute": {"datumAfrondingZroute": "2025-03-01"}}])
    report = load([bundle], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
                  validator=no_validation)
    assert (report.persons_published, report.persons_rejected, report.values_not_published) == (1, 0, 1)
    assert report.exit_code == 1 and report.to_dict()["values_not_published"] == 1
    [reject] = read_rejects(tmp_path / "r.jsonl")
    assert (reject["source"], reject["record"], reject["field"], reject["value"], reject["stage"]) == (
        str(bundle), "line 1", "zroute.datumAfrondingZroute", "2025-03-01", "mapping")
    assert reject["reason"].startswith("not published: the mapping (duo.yaml) reads this field only in entity leerroute")
    assert "  1 value in fields the mapping does not publish (rejected)" in report.format_text()
