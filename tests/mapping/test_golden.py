"""Golden mapping cases: each folder of tests/cases holds an input and the graphs it must map to.

A case folder holds ``input.jsonl`` (a DUO bundle), ``input.sqlite`` or ``input/`` (GGM CSV files), and
``expected.ttl`` (the ordinary graph) plus, when the input has special-category facts, ``expected-bijzonder.ttl``.
Graphs are compared by isomorphism. Pseudonyms come from the fixed, public test key below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Triple, parse, serialize
from rdflib import Graph
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


def _graph(triples: list[Triple]) -> Graph:
    graph = Graph()
    if triples:
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    return graph


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
    main_triples, special_triples = [], []
    for quad in parse(path=str(out), format=RdfFormat.TRIG):
        (special_triples if str(quad.graph_name.value).endswith("/bijzonder") else main_triples).append(quad.triple)
    main, special = _graph(main_triples), _graph(special_triples)
    for actual, name in ((main, "expected.ttl"), (special, "expected-bijzonder.ttl")):
        expected = _expected(folder / name)
        assert to_isomorphic(actual) == to_isomorphic(expected), f"{case}/{name}\n" + _diff(actual, expected)


def _identifiers(case: Path) -> tuple[str, str | None, str | None]:
    """BSN, V-nummer and birth date of the case's person, read straight from its input."""
    import csv
    import json

    if (case / "input.jsonl").exists():
        return json.loads((case / "input.jsonl").read_text())["bsn"], None, None
    with (case / "input" / "natuurlijk_persoon.csv").open(encoding="utf-8") as f:
        person = next(csv.DictReader(f))
    with (case / "input" / "vreemdeling.csv").open(encoding="utf-8") as f:
        vnummer = next(csv.DictReader(f)).get("v_nummer")
    return person["bsn"], vnummer, person.get("geboortedatum")


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_golden_person_iri_is_the_keyed_pseudonym_and_no_identifier_is_kept(case: str) -> None:
    import hashlib
    import hmac

    bsn, vnummer, birth = _identifiers(CASES / case)
    text = "".join(p.read_text() for p in (CASES / case).glob("expected*.ttl"))
    pseudonym = hmac.new(KEY, f"bsn:{bsn}".encode(), hashlib.sha256).hexdigest()[:32]
    assert f"{BASE}/id/persoon/{pseudonym}>" in text
    for secret in (bsn, vnummer, birth):
        assert secret is None or secret not in text
    if vnummer:
        assert hmac.new(KEY, f"vnummer:{vnummer}".encode(), hashlib.sha256).hexdigest()[:32] in text
