"""The command line against a remote store: load, query and validate with ``--store URL`` (in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inburgering.cli import main
from servers import backend_params, clear_store


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
    summary = tmp_path / "validation.json"
    assert main(["validate", "--store", url, "--json", str(summary)]) == 0
    result = json.loads(summary.read_text())
    assert (result["conforms"], result["violations"]) == (True, 0)  # the loader published only conforming persons
