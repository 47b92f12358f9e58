"""``inburgering demo`` and ``inburgering serve`` in-process through ``main(argv)``, and the example queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_support import make_client

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE
from inburgering.service.cookbook import load_cookbook
from inburgering.store import open_store
from inburgering.store.publication import published_graphs


def test_demo_prepares_the_store_and_reuses_its_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "var" / "store"
    assert main(["demo", "--no-serve", "--store", str(store)]) == 0
    first = capsys.readouterr().out
    assert "made a DEMO pseudonym key" in first
    assert "published the model" in first
    assert "loaded the sample through the loader" in first  # the README's first command serves the sample
    assert "DEMO admin token for GM" in first
    assert main(["demo", "--no-serve", "--store", str(store)]) == 0
    assert "using the DEMO pseudonym key" in capsys.readouterr().out
    s = open_store(str(store))
    graphs = {g.value.rsplit("/", 1)[1] for g in s.named_graphs()}
    published = published_graphs(s, base=DEFAULT_BASE)
    s.close()
    assert {"ontology", "concepts", "shapes", "dataset"} <= graphs
    assert len(published) > 1  # the sample's municipalities
    with make_client(store) as client:
        assert client.get("/").status_code == 200
        assert client.get("/id/concept/leerroute/B", headers={"Accept": "text/turtle"}).status_code == 200


def test_serve_without_a_store_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--store", str(tmp_path / "missing"), "--port", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("inburgering serve: no store at") and "\n" not in err


def test_example_queries_run_and_answer(admin_client: TestClient) -> None:
    examples = load_cookbook()
    assert len(examples) >= 15
    for example in examples:  # each file runs as it stands, with its example values
        response = admin_client.post("/sparql", data={"query": example.query})
        assert response.status_code == 200, (example.name, response.text)
        assert "results" in response.json()
    routes = admin_client.post("/sparql", data={"query": next(
        e.query for e in examples if e.name == "personen-per-gemeente-doelgroep-leerroute")})
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(routes.text)["results"]["bindings"]]
    assert [(r["gemeente"], r["leerroute"], r["personen"]) for r in rows] == [
        ("https://identifier.overheid.nl/tooi/id/gemeente/gm0363", "B", "1")]
