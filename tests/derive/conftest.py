"""Generated persons, mapped by the loader's mapping: the input of the derived-fact tests."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, NamedTuple

import pytest
from pyoxigraph import RdfFormat, Triple, parse

from inburgering.cli import main

KEY = "derived-facts-test-key-not-a-secret"
PERSONS, SEED = 600, 5



class Generated(NamedTuple):
    """The DUO bundle's lines, the mapped triples per graph, and the pseudonymisation key they were mapped with."""

    lines: list[dict[str, Any]]
    graphs: dict[str, list[Triple]]
    key: bytes


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The bundle's lines, and the mapped triples per graph (``inburgering map``, the loader's mapping)."""
    tmp = tmp_path_factory.mktemp("derived")
    bundle, key, mapped = tmp / "duo.jsonl", tmp / "key", tmp / "mapped.nq"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--defects", "0", "--format", "duo",
                 "--out", str(bundle)]) == 0
    assert main(["map", str(bundle), "--out", str(mapped), "--key-file", str(key)]) == 0
    graphs: dict[str, list[Triple]] = defaultdict(list)
    for quad in parse(path=str(mapped), format=RdfFormat.N_QUADS):
        graphs[quad.graph_name.value].append(quad.triple)
    lines = [json.loads(line) for line in bundle.read_text(encoding="utf-8").splitlines()]
    return Generated(lines, dict(graphs), KEY.encode())


