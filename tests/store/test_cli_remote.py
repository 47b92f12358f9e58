"""The command line against a remote store: load, query and validate with ``--store URL`` (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, inb
from inburgering.store import open_store
from inburgering.store.publication import published_graphs
from servers import backend_params, clear_store, free_port


@pytest.mark.slow
@pytest.mark.parametrize("remote", backend_params(remote_only=True))
def test_load_query_and_validate_through_a_remote_store(remote: str, request: pytest.FixtureRequest,
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = request.getfixturevalue(f"{remote}_server").url
    clear_store(url)
    bundle, key = tmp_path / "bundle.jsonl", tmp_path / "key"
    key.write_text("a-test-key-not-a-secret")
    assert main(["generate", "--persons", "8", "--seed", "5", "--format", "duo", "--out", str(bundle)]) == 0
    assert main(["load", "--store", url, "--rejects", str(tmp_path / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0
    capsys.readouterr()
    assert main(["query", "--store", url, "--format", "json",
                 "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/Inburgeraar> }"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["results"]["bindings"][0]["n"]["value"] == "8"
    for engine in ("pyshacl", "fast"):  # both engines read the published graphs from the remote store
        summary = tmp_path / f"validation-{engine}.json"
        assert main(["validate", "--store", url, "--engine", engine, "--json", str(summary)]) == 0
        result = json.loads(summary.read_text())
        assert (result["conforms"], result["violations"]) == (True, 0)  # only conforming persons were published
    # A defect the shapes catch, put into a published graph behind the loader's back: both engines find it.
    store = open_store(url)
    graph = next(g for g in published_graphs(store, base=DEFAULT_BASE) if "bijzonder" not in g)
    person = store.query(f"SELECT ?p WHERE {{ GRAPH <{graph}> {{ ?p a <{inb('Inburgeraar')}> }} }} LIMIT 1")
    iri = next(iter(person))["p"].value  # type: ignore[call-overload]
    store.update(f'INSERT DATA {{ GRAPH <{graph}> {{ <{iri}> <{inb("pseudoniem")}> "not-a-pseudonym" }} }}')
    store.close()
    found = {}
    for engine in ("pyshacl", "fast"):
        summary = tmp_path / f"defect-{engine}.json"
        assert main(["validate", "--store", url, "--engine", engine, "--json", str(summary)]) == 1
        found[engine] = json.loads(summary.read_text())["violations"]
    assert found["pyshacl"] == found["fast"] >= 1


def test_serve_on_an_unreachable_store_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """As ``serve`` without a store folder (tests/service/test_cli_and_examples.py): at start-up, not at the
    first request."""
    nowhere = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    assert main(["serve", "--store", nowhere, "--port", str(free_port())]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("inburgering serve: cannot reach the SPARQL endpoint") and "\n" not in err
