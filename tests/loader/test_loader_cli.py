"""``inburgering load``, ``map`` and ``query`` through ``main(argv)``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loader_helpers import bsn_pool, duo_person, write_bundle

from inburgering.cli import main
from inburgering.loader.pseudonym import KEY_ENV


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, "cli-test-key-not-a-secret")


# Embedded only: that no store folder appears is the point (a remote store is there before and after).
def test_load_without_a_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(next(bsn_pool()))])
    code = main(["load", "--store", str(tmp_path / "store"), "--rejects", str(tmp_path / "r.jsonl"), str(bundle)])
    err = capsys.readouterr().err
    assert code == 2
    assert KEY_ENV in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "store").exists()


def test_load_exit_codes_and_json_report(tmp_path: Path, key_env: None, capsys: pytest.CaptureFixture[str],
                                         store_url: str) -> None:
    bsns = bsn_pool()
    store, rejects, report = store_url, tmp_path / "r.jsonl", tmp_path / "report.json"
    good = write_bundle(tmp_path / "good.jsonl", [duo_person(next(bsns)), duo_person(next(bsns))])
    assert main(["load", "--store", str(store), "--rejects", str(rejects), "--report", str(report),
                 "--reference-date", "2025-01-01", str(good)]) == 0
    data = json.loads(report.read_text())
    assert (data["persons_read"], data["persons_published"], data["persons_rejected"]) == (2, 2, 0)
    mixed = write_bundle(tmp_path / "mixed.jsonl", [duo_person(next(bsns)), duo_person("999990018")])
    assert main(["load", "--store", str(store), "--rejects", str(rejects), str(mixed)]) == 1
    bad = write_bundle(tmp_path / "bad.jsonl", ["{broken"])
    assert main(["load", "--store", str(store), "--rejects", str(rejects), str(bad)]) == 2
    out = capsys.readouterr().out
    assert "2 persons read, 2 published, 0 rejected" in out and "1 rejected" in out


def test_usage_errors_exit_2_with_one_line(tmp_path: Path, key_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--store", str(tmp_path / "s"), "--rejects", str(tmp_path / "r"),
                 str(tmp_path / "missing.jsonl")]) == 2
    assert main(["load", "--store", str(tmp_path / "s"), "--rejects", str(tmp_path / "r"), "--gemeente", "Amsterdam",
                 str(write_bundle(tmp_path / "b.jsonl", [duo_person(next(bsn_pool()))]))]) == 2
    assert main(["load", "--store", str(tmp_path / "s"), str(tmp_path / "x.jsonl")]) == 2  # --rejects missing
    err = capsys.readouterr().err
    assert "source not found" in err and "Traceback" not in err


def test_gemeente_option_rejects_other_municipalities(tmp_path: Path, key_env: None, store_url: str) -> None:
    bsns = bsn_pool()
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(next(bsns), "GM0363"), duo_person(next(bsns), "GM0599")])
    rejects = tmp_path / "r.jsonl"
    assert main(["load", "--store", store_url, "--rejects", str(rejects), "--gemeente", "GM0363",
                 str(bundle)]) == 1
    [reject] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert (reject["record"], reject["field"], reject["value"]) == ("line 2", "gemeente", "GM0599")


def test_query_formats_over_published_graphs(tmp_path: Path, key_env: None, capsys: pytest.CaptureFixture[str],
                                             store_url: str) -> None:
    bsns = bsn_pool()
    store = store_url
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(next(bsns)), duo_person(next(bsns))])
    assert main(["load", "--store", str(store), "--rejects", str(tmp_path / "r.jsonl"), str(bundle)]) == 0
    capsys.readouterr()
    query = "SELECT (COUNT(?p) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/Inburgeraar> }"
    assert main(["query", "--store", str(store), "--format", "csv", query]) == 0
    assert capsys.readouterr().out.split() == ["n", "2"]
    (tmp_path / "q.rq").write_text(query)
    assert main(["query", "--store", str(store), "--format", "json", f"@{tmp_path / 'q.rq'}"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["bindings"][0]["n"]["value"] == "2"
    assert main(["query", "--store", str(store), query]) == 0
    assert "(1 row)" in capsys.readouterr().out
    assert main(["query", "--store", str(store), "SELECT DISTINCT ?c WHERE { ?p a ?c } ORDER BY ?c"]) == 0
    assert capsys.readouterr().out.split()[2:5] == ["inb:Asielstatushouder", "inb:B1Route", "inb:Inburgeraar"]
    assert main(["query", "--store", str(store), "SELECT nonsense"]) == 2
    assert "SPARQL" in capsys.readouterr().err


def test_map_writes_pseudonymised_turtle(tmp_path: Path, key_env: None) -> None:
    bsn = next(bsn_pool())
    bundle = write_bundle(tmp_path / "b.jsonl", [duo_person(bsn), duo_person("999990018")])
    out = tmp_path / "out.ttl"
    assert main(["map", "--out", str(out), "--rejects", str(tmp_path / "r.jsonl"), str(bundle)]) == 1
    text = out.read_text()
    assert "inb:Inburgeraar" in text and bsn not in text


def test_an_unreadable_source_is_one_line_and_exit_2(tmp_path: Path, key_env: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "not-a-bundle"
    folder.mkdir()
    assert main(["load", "--store", str(tmp_path / "s"), "--rejects", str(tmp_path / "r.jsonl"), "--format", "duo",
                 str(folder)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(folder) in err and "Traceback" not in err
