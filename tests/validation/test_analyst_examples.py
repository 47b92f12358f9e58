"""Every SPARQL example of docs/analysts.md, run with ``inburgering query --meta`` on a store with two sources
(``test_conflicts.GRAPHS``: P, Q, R and U in both, S in DUO only, T in the GGM only; DUO says route B for all five
of its persons, the GGM says O for P and T) and checked against the answers the text promises."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_conflicts import BASE, write_sources

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, concept_iri

DOC = Path(__file__).resolve().parents[2] / "docs" / "analysts.md"
B, O = concept_iri("leerroute", "B"), concept_iri("leerroute", "O")
EXPECTED: dict[str, list[dict[str, str]]] = {
    "personen-totaal": [{"personen": "6"}],
    "personen-per-route-beide-bronnen": [{"route": B, "personen": "5"}, {"route": O, "personen": "2"}],
    "personen-per-bron": [{"bron": "duo", "personen": "5"}, {"bron": "ggm", "personen": "5"}],
    "personen-per-route-volgens-duo": [{"route": B, "personen": "5"}],
    "personen-in-beide-bronnen": [{"personen": "4"}],
    "personen-alleen-in-duo": [{"personen": "1"}],
    "route-duo-anders-ggm": [{"route": B, "personen": "5"}, {"route": O, "personen": "1"}],
    "personen-per-bron-zonder-meta": [{"bron": "duo", "personen": "5"}, {"bron": "ggm", "personen": "5"}],
}


def examples() -> dict[str, str]:
    """The ```sparql blocks of the document, by their ``# name:`` line."""
    blocks = re.findall(r"```sparql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    return {re.match(r"# name: (\S+)", b).group(1): b for b in blocks}  # type: ignore[union-attr]


def test_every_example_is_checked() -> None:
    assert sorted(examples()) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def store(module_store_url: str) -> str:
    """The two-source store, once per backend (a folder, or a remote server lent to this module)."""
    write_sources(module_store_url)
    return module_store_url


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_example_gives_the_documented_answer(name: str, store: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INBURGERING_BASE_IRI", BASE)
    query = examples()[name].replace(DEFAULT_BASE, BASE)
    assert main(["query", "--store", store, "--meta", "--format", "json", query]) == 0
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(capsys.readouterr().out)["results"]["bindings"]]
    assert rows == EXPECTED[name]
