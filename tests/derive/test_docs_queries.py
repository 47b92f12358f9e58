"""The example queries of docs/derived-facts.md run on generated persons with their derived facts and give answers
that agree with the rules computed in Python (and with the bundle's own PIP dates)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Quad, QuerySolutions, RdfFormat, Store

from inburgering.derive import derive, derive_facts
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.namespaces import DEFAULT_BASE, SPECIAL_SUFFIX, thing_iri
from inburgering.paths import ONTOLOGY_DIR

from .conftest import Generated

DOC = Path(__file__).resolve().parents[2] / "docs" / "derived-facts.md"
PEIL = date(2026, 11, 1)


def queries() -> list[str]:
    return re.findall(r"```sparql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture(scope="module")
def store(generated: Generated) -> Store:
    """Source, derived facts and the ontology in the default graph (as the service's union default graph)."""
    store = Store()
    for graph, triples in generated.graphs.items():
        if not graph.endswith(SPECIAL_SUFFIX):
            derived = derive(triples, base=DEFAULT_BASE, peildatum=PEIL)
            store.extend([Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in (*triples, *derived)])
    store.load(path=str(ONTOLOGY_DIR / "inburgering.ttl"), format=RdfFormat.TURTLE, to_graph=DefaultGraph())
    return store


def _rows(store: Store, query: str) -> list[dict[str, str]]:
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def test_every_query_runs_answers_and_does_no_date_arithmetic(store: Store) -> None:
    found = queries()
    assert len(found) >= 7
    for query in found:
        assert "Duration" not in query and not re.search(r"[+-]\s*\"P", query), query
        assert _rows(store, query), query


def test_the_late_pip_query_finds_exactly_the_late_pips(generated: Generated, store: Store) -> None:
    query = next(q for q in queries() if "?uiterste ?dagtekening" in q)
    answer = {r["persoon"] for r in _rows(store, query)}
    pseudonym, late = Pseudonymiser(generated.key), set()
    for line in generated.lines:  # from the bundle: DUO's notification date and PIP date
        plicht = line["inburgeringsplicht"]
        start = plicht.get("datumKennisgevingInburgeringsplicht") or plicht["begindatum"]
        deadline = date.fromisoformat(start) + timedelta(days=70)
        signed = (line.get("pip") or {}).get("pip", {}).get("dagtekeningPip")
        if (date.fromisoformat(signed) > deadline) if signed else deadline < PEIL:
            late.add(thing_iri(DEFAULT_BASE, "persoon", pseudonym.bsn(line["bsn"])))
    assert len(late) >= 5
    assert answer == late


def test_the_work_list_query_lists_the_persons_and_components_of_the_rules(generated: Generated,
                                                                        store: Store) -> None:
    query = next(q for q in queries() if "GROUP_CONCAT" in q)
    answer = {r["persoon"]: (int(r["dagen"]), set(r["nog"].split())) for r in _rows(store, query)}
    expected = {}
    for graph, triples in generated.graphs.items():
        if not graph.endswith(SPECIAL_SUFFIX):
            for f in derive_facts(triples, base=DEFAULT_BASE, peildatum=PEIL):
                days = f.dagen_tot_einde_termijn
                if days is not None and 0 < days <= 183 and f.vereist:
                    expected[f.person] = (days, set(f.vereist))
    assert len(expected) >= 5
    assert answer == expected
