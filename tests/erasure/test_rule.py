"""The rules under ``forget`` and ``retention``, case by case, without generated data: which triples are a
person's (in Python and as the SPARQL filter a remote store runs: the same answer), who is due, what the
commands refuse."""

from __future__ import annotations

import doctest
import importlib
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Triple

from inburgering.cli import main
from inburgering.erasure.persons import CHUNK, PersonRule, check_pseudonym
from inburgering.erasure.record import check_reason
from inburgering.erasure.retention import due
from inburgering.errors import UsageError
from inburgering.namespaces import RDF, XSD, inb, instance_graph
from inburgering.store import open_store
from inburgering.store.publication import publish, published_records

BASE = "https://data.example.org/inburgering"
P = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
Q = "aaaabbbbccccddddeeeeffff00001111"


def _n(text: str) -> NamedNode:
    return NamedNode(text)


#: (triple, whether it is P's)
CASES = [
    (Triple(_n(f"{BASE}/id/persoon/{P}"), _n(inb("pseudoniem")), Literal(P)), True),
    (Triple(_n(f"{BASE}/id/pip/{P}-1"), _n(inb("dagtekening")), Literal("2024-01-01")), True),
    (Triple(_n(f"{BASE}/id/leerroute/{P}-actueel"), _n(inb("afgesprokenIn")), _n(f"{BASE}/id/pip/{P}-1")), True),
    (Triple(_n(f"{BASE}/id/persoon/{Q}"), _n(inb("heeftPip")), _n(f"{BASE}/id/pip/{P}-1")), True),  # points at P's
    (Triple(_n(f"{BASE}/id/examen/{P}-a%2Fb"), _n(inb("niveau")), Literal("B1")), True),  # an escaped key
    (Triple(_n("http://example.org/note"), _n("http://example.org/about"), Literal(P)), True),  # the literal
    (Triple(_n(f"{BASE}/id/persoon/{Q}"), _n(inb("pseudoniem")), Literal(Q)), False),
    (Triple(_n(f"{BASE}/id/instelling/1000001917"), _n(RDF + "type"), _n(inb("Instelling"))), False),
    (Triple(_n(f"https://other.example.org/id/persoon/{P}"), _n(RDF + "type"), _n(inb("Inburgeraar"))), False),
    (Triple(_n(f"{BASE}/id/persoon/{P}0"), _n(RDF + "type"), _n(inb("Inburgeraar"))), False),  # a longer ref
    (Triple(_n(f"{BASE}/id/persoon/{P}/x"), _n(RDF + "type"), _n(inb("Inburgeraar"))), False),
    (Triple(_n(f"{BASE}/id/persoon/{Q}"), _n("http://example.org/note"), Literal(f"zie {P}")), False),  # not equal
]


def test_the_python_rule_and_the_sparql_filter_agree_case_by_case() -> None:
    rule = PersonRule(BASE, [P])
    assert [rule.owns(t) for t, _ in CASES] == [mine for _, mine in CASES]
    store = open_store("memory:")
    graph = _n("http://example.org/g")
    store.extend(Quad(t.subject, t.predicate, t.object, graph) for t, _ in CASES)
    result = store.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} FILTER({rule.sparql_filter()}) }}")
    assert isinstance(result, QuerySolutions)
    assert {Triple(r["s"], r["p"], r["o"]) for r in result} == {t for t, mine in CASES if mine}


def test_rules_of_many_persons_are_split_into_chunks_that_cover_them_all() -> None:
    people = [f"{n:032x}" for n in range(CHUNK * 2 + 5)]
    chunks = list(PersonRule(BASE, people, ["v" * 32]).chunks())
    assert [len(c.pseudonyms) for c in chunks] == [CHUNK, CHUNK, 5]
    assert sorted(p for c in chunks for p in c.pseudonyms) == sorted(people)


# The last: 012345611 written without its leading 0, as old BSNs often are.
@pytest.mark.parametrize("reason", ["verzoek 999990020", "bsn 9999.90.020", "12345611"])
def test_a_reason_with_a_bsn_is_refused(reason: str) -> None:
    with pytest.raises(UsageError, match="BSN"):
        check_reason(reason)


def test_a_reason_with_other_numbers_is_kept() -> None:
    assert check_reason(" zaak 2026-000123, verzoek van 30-11-2026 ") == "zaak 2026-000123, verzoek van 30-11-2026"


def test_pseudonyms_are_checked() -> None:
    assert check_pseudonym(P.upper()) == P
    with pytest.raises(UsageError):
        check_pseudonym(P[:-1])


def _duty(person: str, n: int, end: str | None, *, historic: bool = False) -> list[Triple]:
    node, plicht = _n(f"{BASE}/id/persoon/{person}"), _n(f"{BASE}/id/inburgeringsplicht/{person}-{n}")
    out = [Triple(node, _n(inb("heeftInburgeringsplicht")), plicht),
           Triple(plicht, _n(inb("historisch")), Literal("true" if historic else "false", datatype=_n(XSD + "boolean")))]
    if end is not None:
        out.append(Triple(plicht, _n(inb("einddatum")), Literal(end, datatype=_n(XSD + "date"))))
    return out


def _person(person: str) -> list[Triple]:
    return [Triple(_n(f"{BASE}/id/persoon/{person}"), _n(RDF + "type"), _n(inb("Inburgeraar")))]


def test_who_is_due() -> None:
    names = {name: f"{n:032x}" for n, name in enumerate(["due", "edge", "running", "other", "historic", "none"])}
    duo = [*_person(names["due"]), *_duty(names["due"], 1, "2020-06-30"),
           *_person(names["edge"]), *_duty(names["edge"], 1, "2020-07-01"),  # ended on the cutoff: not before it
           *_person(names["running"]), *_duty(names["running"], 1, None),
           *_person(names["other"]), *_duty(names["other"], 1, "2019-01-01"),
           *_person(names["historic"]), *_duty(names["historic"], 1, "2018-01-01", historic=True),
           *_duty(names["historic"], 2, None),  # an earlier duty ended; the current one runs
           *_person(names["none"])]
    ggm = [*_person(names["other"]), *_duty(names["other"], 9, None)]  # the other source says it still runs
    store = open_store("memory:")
    graphs = [("GM0363", instance_graph(BASE, "GM0363", "duo", "L1"), duo),
              ("GM0599", instance_graph(BASE, "GM0599", "ggm", "L1"), ggm)]
    for _, graph, triples in graphs:
        store.extend(Quad(t.subject, t.predicate, t.object, _n(graph)) for t in triples)
    publish(store, base=BASE, graphs=[(code, graph) for code, graph, _ in graphs])

    rule = due(store, base=BASE, published=published_records(store, base=BASE), reference=date(2025, 7, 1), years=5)

    assert rule.cutoff == date(2020, 7, 1)
    assert rule.persons == {names["due"]: {"GM0363"}}
    assert (rule.kept_running, rule.kept_recent, rule.kept_unknown) == (3, 1, 1)


@pytest.mark.parametrize("argv", [
    ["forget", "--bsn", "123456789"],  # fails the elfproef
    ["forget", "--pseudonym", "not-a-pseudonym"],
    ["forget", "--pseudonym", P, "--reason", "verzoek van 999990020"],
    ["retention", "--years", "-1"],
    ["retention"],  # no N: neither --years nor the setting
    ["retention", "--years", "5"],  # no store there
    ["forget", "--pseudonym", P],
])
def test_bad_input_is_a_usage_error_that_repeats_no_number(argv: list[str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", "a test key that is long enough")
    monkeypatch.delenv("INBURGERING_RETENTION_YEARS", raising=False)
    assert main([*argv, "--store", str(tmp_path / "store")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"inburgering {argv[0]}: ") and "Traceback" not in err
    assert "123456789" not in err and "999990020" not in err
    assert not (tmp_path / "store").exists()  # refused before the store was opened


@pytest.mark.parametrize("name", ["persons", "record", "retention"])
def test_docstring_examples(name: str) -> None:
    assert doctest.testmod(importlib.import_module(f"inburgering.erasure.{name}")).failed == 0
