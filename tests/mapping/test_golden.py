"""Golden mapping cases: each folder of tests/cases holds an input and the graphs it must map to.

A case folder holds ``input.jsonl`` (a DUO bundle), ``input.sqlite`` or ``input/`` (GGM CSV files), and
``expected.ttl`` (the ordinary graph) plus, when the input has special-category facts, ``expected-bijzonder.ttl``.
Graphs are compared by isomorphism. Pseudonyms come from the fixed, public test key below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import graph_diff, to_isomorphic

from inburgering.loader.output import write_mapped
from inburgering.settings import Settings

CASES = Path(__file__).resolve().parents[1] / "cases"
#: A key for test data only (never a deployment's key).
KEY = b"golden-case-key-not-a-secret"
BASE = "https://data.example.org"


def _input(case: Path) -> Path:
    for name in ("input.jsonl", "input.sqlite", "input"):
        if (case / name).exists():
            return case / name
    raise AssertionError(f"{case} has no input")


def _expected(path: Path) -> Graph:
    graph = Graph()
    if path.exists():
        graph.parse(path, format="turtle")
    return graph


def _diff(actual: Graph, expected: Graph) -> str:
    _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
    return ("unexpected:\n" + only_actual.serialize(format="nt") + "\nmissing:\n" + only_expected.serialize(format="nt"))


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case_maps_to_its_expected_graphs(case: str, tmp_path: Path) -> None:
    folder = CASES / case
    out = tmp_path / "out.trig"
    report = write_mapped([_input(folder)], settings=Settings(base_iri=BASE), key=KEY, out=out,
                          rejects_path=tmp_path / "rejects.jsonl")
    assert report.persons_rejected == 0, (tmp_path / "rejects.jsonl").read_text()
    dataset = Dataset()
    dataset.parse(out, format="trig")
    main, special = Graph(), Graph()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        (special if str(g).endswith("/bijzonder") else main).add((s, p, o))
    for actual, name in ((main, "expected.ttl"), (special, "expected-bijzonder.ttl")):
        expected = _expected(folder / name)
        assert to_isomorphic(actual) == to_isomorphic(expected), f"{case}/{name}\n" + _diff(actual, expected)


def test_golden_person_iris_are_the_keyed_pseudonym_of_the_input_bsn() -> None:
    import hashlib
    import hmac
    import json

    for case in sorted(CASES.glob("duo-*")):
        bsn = json.loads((case / "input.jsonl").read_text())["bsn"]
        pseudonym = hmac.new(KEY, f"bsn:{bsn}".encode(), hashlib.sha256).hexdigest()[:32]
        text = (case / "expected.ttl").read_text()
        assert f"{BASE}/id/persoon/{pseudonym}>" in text, case.name
        assert bsn not in text and bsn not in (case / "expected-bijzonder.ttl").read_text() \
            if (case / "expected-bijzonder.ttl").exists() else bsn not in text
