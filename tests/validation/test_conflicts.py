"""Sources side by side: each source validated on its own, and a warning where two sources disagree about a person.

The store is written here as the publication contract says (``{base}/graph/{gm}/{source}/{loadId}``, and in the
meta graph ``?g a inb:InstanceGraph ; inb:gemeente … ; inb:bron "duo" ; inb:published true``), so these tests do
not depend on the loader; ``test_conflicts_load.py`` goes through ``inburgering load``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SH

from inburgering.cli import main
from inburgering.namespaces import SHAPES, VOCAB, gemeente_iri, meta_graph
from inburgering.store import open_store
from inburgering.store.publication import publish_public
from inburgering.validation import validate
from inburgering.validation.conflicts import CHECKS, facts_query, find_conflicts

BASE = "https://data.example.org"
REF = ["--reference-date", "2026-01-01", "--base-iri", BASE]
INB = Namespace(VOCAB)
DUO_0363 = f"{BASE}/graph/gm0363/duo/L1"
GGM_0363 = f"{BASE}/graph/gm0363/ggm/L2"
GGM_0599 = f"{BASE}/graph/gm0599/ggm/L2"
P = f"{BASE}/id/persoon/{'a' * 32}"  # in both sources, they disagree on all five facts
Q = f"{BASE}/id/persoon/{'b' * 32}"  # in both sources, they agree (DUO also has an older duty record)
R = f"{BASE}/id/persoon/{'c' * 32}"  # in both sources; GGM lists a second PIP that DUO does not know
S = f"{BASE}/id/persoon/{'d' * 32}"  # in DUO only
T = f"{BASE}/id/persoon/{'e' * 32}"  # in the GGM only
U = f"{BASE}/id/persoon/{'f' * 32}"  # in both sources, the same two PIPs listed in another order
ROUTE = {"B": "B1Route", "O": "Onderwijsroute"}
DATE = "^^<http://www.w3.org/2001/XMLSchema#date>"


def person(iri: str, *, gemeente: str, route: str = "B", pips: tuple[str, ...] = ("2024-03-01",),
           duty_start: str = "2024-01-10", term: tuple[str, str] = ("2024-03-02", "2027-03-02"),
           old_duty_start: str | None = None) -> str:
    """Turtle for one person as the mapping writes it: PIP(s) with their route, current duty with its term."""
    gm, concept = f"<{gemeente_iri(gemeente)}>", "https://w3id.org/inburgering/id/concept"
    pseudonym = iri.rsplit("/", 1)[-1]
    ttl = [(f"<{iri}> a inb:Inburgeraar, inb:Asielstatushouder ; inb:pseudoniem \"{pseudonym}\" ; "
            f"inb:gemeente {gm} ; inb:doelgroep <{concept}/doelgroep/Asielstatushouder> ; "
            f"inb:heeftInburgeringsplicht <{iri}-plicht> .")]
    for n, day in enumerate(pips):
        pip, lr = f"<{iri}-pip{n}>", f"<{iri}-route{n}>"
        ttl.append(f"<{iri}> inb:heeftPip {pip} . {pip} a inb:PIP ; inb:dagtekening \"{day}\"{DATE} ; "
                   f"inb:gemeente {gm} . {lr} a inb:Leerroute, inb:{ROUTE[route]} ; inb:afgesprokenIn {pip} ; "
                   f"inb:leerrouteType <{concept}/leerroute/{route}> ; inb:niveau <{concept}/niveau/B1> .")
    ttl.append(f"<{iri}-plicht> a inb:Inburgeringsplicht ; inb:historisch false ; "
               f"inb:indicatorInburgeringsplicht true ; inb:begindatum \"{duty_start}\"{DATE} ; "
               f"inb:heeftInburgeringstermijn <{iri}-termijn> . <{iri}-termijn> a inb:Inburgeringstermijn ; "
               f"inb:startdatum \"{term[0]}\"{DATE} ; inb:einddatum \"{term[1]}\"{DATE} .")
    if old_duty_start:
        ttl.append(f"<{iri}> inb:heeftInburgeringsplicht <{iri}-oud> . <{iri}-oud> a inb:Inburgeringsplicht ; "
                   f"inb:historisch true ; inb:indicatorInburgeringsplicht true ; "
                   f"inb:begindatum \"{old_duty_start}\"{DATE} .")
    return "\n".join(ttl)


GRAPHS = {  # graph: (municipality, source, Turtle)
    DUO_0363: ("GM0363", "duo", "\n".join([
        person(P, gemeente="GM0363"),
        person(Q, gemeente="GM0363", old_duty_start="2023-06-01"),
        person(R, gemeente="GM0363"),
        person(S, gemeente="GM0363"),
        person(U, gemeente="GM0363", pips=("2024-03-01", "2025-02-01"))])),
    GGM_0363: ("GM0363", "ggm", "\n".join([
        person(Q, gemeente="GM0363"),
        person(R, gemeente="GM0363", pips=("2024-03-01", "2025-02-01")),
        person(T, gemeente="GM0363", route="O"),
        person(U, gemeente="GM0363", pips=("2025-02-01", "2024-03-01"))])),
    GGM_0599: ("GM0599", "ggm", person(P, gemeente="GM0599", route="O", pips=("2024-03-05",),
                                        duty_start="2024-01-12", term=("2024-03-06", "2027-03-06"))),
}


def write_sources(location: str, graphs: dict[str, tuple[str, str, str]] = GRAPHS) -> None:
    """The graphs and their meta records, written straight into the store at ``location``."""
    store = open_store(location)
    try:
        for graph, (_, _, ttl) in graphs.items():
            store.load(f"@prefix inb: <{VOCAB}> .\n{ttl}".encode(), format=RdfFormat.TURTLE, graph=graph)
        records = " ".join(f"<{g}> a <{INB.InstanceGraph}> ; <{INB.gemeente}> <{gemeente_iri(gm)}> ; "
                           f"<{INB.bron}> \"{source}\" ; <{INB.published}> true ."
                           for g, (gm, source, _) in graphs.items())
        store.update(f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ {records} }} }}")
        publish_public(store, base=BASE, changed=[])  # written by hand: a publication for readers (query, serve)
    finally:
        store.close()


def claims(result: dict[str, object]) -> tuple[tuple[str, str, str], ...]:
    return tuple((c["source"], c["graph"], c["value"]) for c in result["claims"])  # type: ignore[attr-defined, index]


def conflicts_of(summary: dict[str, object]) -> set[tuple[object, ...]]:
    results: list[dict[str, object]] = summary["results"]  # type: ignore[assignment]
    return {(str(r["shape"]).removeprefix(SHAPES), r["focus_node"], r["path"], claims(r))
            for r in results if str(r["shape"]).startswith(SHAPES + "BronnenOneens")}


def run_json(argv: list[str], tmp_path: Path) -> tuple[int, dict[str, object]]:
    out = tmp_path / "summary.json"
    code = main(["validate", *REF, "--json", str(out), *argv])
    return code, json.loads(out.read_text(encoding="utf-8"))


EXPECTED = {
    ("BronnenOneensLeerroute", P, VOCAB + "leerrouteType",
     (("duo", DUO_0363, "https://w3id.org/inburgering/id/concept/leerroute/B"),
      ("ggm", GGM_0599, "https://w3id.org/inburgering/id/concept/leerroute/O"))),
    ("BronnenOneensPipDatum", P, VOCAB + "dagtekening",
     (("duo", DUO_0363, "2024-03-01"), ("ggm", GGM_0599, "2024-03-05"))),
    ("BronnenOneensPipDatum", R, VOCAB + "dagtekening",
     (("duo", DUO_0363, "2024-03-01"), ("ggm", GGM_0363, "2025-02-01"))),
    ("BronnenOneensGemeente", P, VOCAB + "gemeente",
     (("duo", DUO_0363, gemeente_iri("GM0363")), ("ggm", GGM_0599, gemeente_iri("GM0599")))),
    ("BronnenOneensBeginPlicht", P, VOCAB + "begindatum",
     (("duo", DUO_0363, "2024-01-10"), ("ggm", GGM_0599, "2024-01-12"))),
    ("BronnenOneensEindeTermijn", P, VOCAB + "einddatum",
     (("duo", DUO_0363, "2027-03-02"), ("ggm", GGM_0599, "2027-03-06"))),
}


@pytest.mark.parametrize("engine", ["pyshacl", "fast"])
def test_disagreeing_sources_are_warned_with_both_values_sources_and_graphs(
        engine: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_sources(store_url)
    code, summary = run_json(["--engine", engine, "--store", store_url], tmp_path)
    assert conflicts_of(summary) == EXPECTED
    assert code == 0 and summary["violations"] == 0 and summary["warnings"] == len(EXPECTED)
    assert all(r["severity"] == str(SH.Warning) for r in summary["results"])  # type: ignore[attr-defined, index]
    out = capsys.readouterr().out
    assert "WARNING https://w3id.org/inburgering/shapes/BronnenOneensLeerroute (1)" in out
    assert (f"De bronnen zijn het oneens over de leerroute: duo zegt B (graaf {DUO_0363}), ggm zegt O "
            f"(graaf {GGM_0599}).") in out
    assert "De bronnen zijn het oneens over de datum van het PIP: duo zegt 2024-03-01" in out


def test_each_source_is_validated_on_its_own_the_union_would_break_the_shapes(store_url: str) -> None:
    """Why the shapes run per source: P's two municipalities, two PIPs and two duties break 'at most one'."""
    write_sources(store_url)
    store = open_store(store_url)
    try:
        union = validate(store, graphs=sorted(GRAPHS), reference_date="2026-01-01")
    finally:
        store.close()
    assert f"{SHAPES}InburgeraarShape-gemeente" in {r.shape for r in union.violations}
    assert {r.focus_node for r in union.violations} >= {P}


def test_english_messages_name_both_values_and_sources(store_url: str, tmp_path: Path) -> None:
    write_sources(store_url)
    _, summary = run_json(["--lang", "en", "--store", store_url], tmp_path)
    messages = {r["message"] for r in summary["results"]}  # type: ignore[attr-defined, index]
    assert (f"The sources disagree about the municipality: duo says gm0363 (graph {DUO_0363}), ggm says gm0599 "
            f"(graph {GGM_0599}).") in messages
    assert (f"The sources disagree about the end of the civic-integration term: duo says 2027-03-02 "
            f"(graph {DUO_0363}), ggm says 2027-03-06 (graph {GGM_0599}).") in messages


def test_source_and_gemeente_narrow_the_graphs_and_the_conflicts(store_url: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    write_sources(store_url)
    _, ggm = run_json(["--store", store_url, "--source", "ggm"], tmp_path)
    assert conflicts_of(ggm) == EXPECTED  # every conflict has ggm on one side
    assert "2 published graph(s), source(s) ggm" in capsys.readouterr().err
    _, other = run_json(["--store", store_url, "--source", "bag"], tmp_path)
    assert other["results"] == [] and "no published instance graphs of source bag" in capsys.readouterr().err
    _, gm0599 = run_json(["--store", store_url, "--gemeente", "GM0599"], tmp_path)
    assert conflicts_of(gm0599) == {c for c in EXPECTED if c[1] == P}  # R's conflict sits in GM0363's graphs only
    _, duo_0363 = run_json(["--store", store_url, "--source", "duo", "--gemeente", "gm0363"], tmp_path)
    assert conflicts_of(duo_0363) == EXPECTED
    _, gm0014 = run_json(["--store", store_url, "--gemeente", "GM0014"], tmp_path)
    assert gm0014["results"] == []


def test_agreement_history_and_one_source_only_are_no_conflict(store_url: str) -> None:
    write_sources(store_url)
    store = open_store(store_url)
    try:
        found = find_conflicts(store, base=BASE)
    finally:
        store.close()
    assert {c.person for c in found} == {P, R}  # Q and U agree (Q's older DUO duty is history), S and T in one source
    assert [(c.first.value, c.second.value) for c in found if c.person == R] == [("2024-03-01", "2025-02-01")]


def test_the_shacl_report_holds_the_conflicts_as_warnings(store_url: str, tmp_path: Path) -> None:
    write_sources(store_url)
    ttl = tmp_path / "report.ttl"
    assert main(["validate", *REF, "--store", store_url, "--report-ttl", str(ttl)]) == 0
    report = Graph().parse(ttl, format="turtle")
    assert set(report.objects(None, SH.conforms)) == {Literal(True)}
    nodes = set(report.subjects(SH.sourceShape, URIRef(SHAPES + "BronnenOneensGemeente")))
    assert len(nodes) == 1
    node = nodes.pop()
    assert report.value(node, SH.focusNode) == URIRef(P)
    assert report.value(node, SH.resultSeverity) == SH.Warning
    assert set(report.objects(node, PROV.wasDerivedFrom)) == {URIRef(DUO_0363), URIRef(GGM_0599)}
    assert {m.language for m in report.objects(node, SH.resultMessage)} == {"nl", "en"}  # type: ignore[attr-defined]
    assert len(set(report.subjects(SH.resultSeverity, SH.Warning))) == len(EXPECTED)


def test_a_store_without_recorded_sources_is_validated_as_one(store_url: str, tmp_path: Path) -> None:
    """Graphs published before sources were recorded (no inb:bron): validated together, no conflicts."""
    write_sources(store_url, {DUO_0363: GRAPHS[DUO_0363]})
    store = open_store(store_url)
    store.update(f"DELETE WHERE {{ GRAPH <{meta_graph(BASE)}> {{ ?g <{INB.bron}> ?b }} }}")
    store.flush()
    store.close()
    code, summary = run_json(["--store", store_url], tmp_path)
    assert code == 0 and summary["results"] == []


@pytest.mark.parametrize("argv", [["--source", "duo", "a.ttl"], ["--gemeente", "GM0363", "a.ttl"],
                                  ["--store", "x", "--gemeente", "Amsterdam"]])
def test_selection_without_a_store_or_with_a_bad_code_exits_2(argv: list[str],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *argv]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_queries_are_one_sided_and_use_no_filter_not_exists() -> None:
    """One GRAPH block per query, joined with the meta graph: no join of two sources inside the store (Virtuoso
    ran out of memory on it), no FILTER NOT EXISTS (reference/perf-notes.md: minutes on Oxigraph)."""
    for check in CHECKS:
        text = facts_query(check, base=BASE)
        assert "NOT EXISTS" not in text.upper() and text.count("GRAPH ?graph") == 1, check.name
