"""``inburgering model publish``: the public graphs in any store, idempotently; the version IRI dereferences; the
dataset metadata stays true after later loads (issue 12)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from loader_helpers import generate_bundle
from pyoxigraph import QuerySolutions
from service_support import make_client

from inburgering.cli import main
from inburgering.namespaces import DCT, DEFAULT_BASE, VOID, public_graph
from inburgering.store import open_store
from inburgering.store.publication import current_publication

KEY_HEX = "5d" * 32
DATASET = public_graph(DEFAULT_BASE, "dataset")


def _one(location: str, query: str) -> list[str]:
    store = open_store(location)
    try:
        result = store.query(query)
        assert isinstance(result, QuerySolutions)
        return sorted(str(row[0].value) for row in result)
    finally:
        store.close()


def _publication(location: str) -> str | None:
    store = open_store(location)
    try:
        return current_publication(store, base=DEFAULT_BASE)
    finally:
        store.close()


def test_model_publish_is_idempotent_and_the_metadata_follows_loads(store_url: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_HEX)
    assert main(["model", "publish", "--store", store_url]) == 0
    assert "published ontology, concepts, shapes, dataset" in capsys.readouterr().out
    first = _publication(store_url)
    assert first is not None
    assert main(["model", "publish", "--store", store_url]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _publication(store_url) == first  # nothing written, no new publication

    modified = f"SELECT ?m WHERE {{ GRAPH <{DATASET}> {{ ?d a <http://www.w3.org/ns/dcat#Catalog> ; <{DCT}modified> ?m }} }}"
    before = _one(store_url, modified)
    assert len(before) == 1
    bundle = generate_bundle(tmp_path, "a", 8, 2)
    assert main(["load", "--store", store_url, "--rejects", str(tmp_path / "r.jsonl"), str(bundle)]) in (0, 1)
    after = _one(store_url, modified)
    second = _publication(store_url)
    assert second is not None and second != first
    # dct:modified is the second of the load's publication (the id starts with it): equal to the model's when
    # both fall in one second, so compared with the publication, not with the value before.
    stamp = datetime.strptime(second[:16], "%Y%m%dT%H%M%SZ")
    assert after == [f"{stamp:%Y-%m-%dT%H:%M:%S}Z"] and after >= before
    # The VoID count of each public graph is its real size.
    for name in ("ontology", "concepts", "shapes"):
        graph = public_graph(DEFAULT_BASE, name)
        said = _one(store_url, f"SELECT ?n WHERE {{ GRAPH <{DATASET}> {{ <{graph}> <{VOID}triples> ?n }} }}")
        real = _one(store_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        assert said == real, name


def test_the_version_iri_dereferences(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    assert main(["model", "publish", "--store", store]) == 0
    ontology = public_graph(DEFAULT_BASE, "ontology")
    version = _one(store, f"SELECT ?v WHERE {{ GRAPH <{ontology}> {{ ?o <http://www.w3.org/2002/07/owl#versionIRI> ?v }} }}")
    assert version == ["https://w3id.org/inburgering/def/0.1.0"]
    with make_client(store) as client:
        response = client.get("/def/0.1.0", headers={"Accept": "text/turtle"})
        assert response.status_code == 200 and "owl:Ontology" in response.text
        assert client.get("/def/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404
