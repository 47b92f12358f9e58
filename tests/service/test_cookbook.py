"""Every saved query of the cookbook, through ``/api/queries``, against an independent computation from the source.

Generated persons (DUO bundle and GGM database of the same seed) are loaded by the real loader into embedded
stores with the public graphs: one with the DUO bundle alone, one with both sources. The service runs over each
with real tokens and its real query workers. Each answer is compared with ``cookbook_oracle``, which reads the
DUO bundle (or the GGM database) itself, never the graph. The same questions over DUO and GGM together must give
the same answers (a fact both sources publish counts once).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import cookbook_oracle as oracle
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import QuerySolutions, RdfFormat

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, instance_graph, public_graph
from inburgering.security import stats
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.cookbook import bound_query, load_cookbook, saved_query
from inburgering.service.cookbook.params import add_offset
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.sparqllex import lex

KEY = "cookbook-test-key-not-a-secret"
PERSONS, SEED = 600, 14
PEILDATUM = date(2026, 11, 1)  # the generator's reference date: "today" of the data
ALL = ("GM0014", "GM0034", "GM0080", "GM0153", "GM0193", "GM0200", "GM0202", "GM0268", "GM0307", "GM0344",
       "GM0363", "GM0392", "GM0503", "GM0518", "GM0599", "GM0758", "GM0772", "GM0796", "GM0855", "GM0935")
TOOI = "https://identifier.overheid.nl/tooi/id/gemeente/"

Rows = list[dict[str, str]]


@dataclass
class Cookbook:
    persons: list[oracle.Person]
    ggm: Path
    duo: TestClient
    both: TestClient
    admin: dict[str, str]  # every municipality, special categories
    analyst: dict[str, str]  # GM0363 and GM0599, no special categories
    audit_log: Path


def _load(store: Path, sources: list[Path], key: Path, tmp: Path) -> None:
    rejects = tmp / f"{store.name}-rejects.jsonl"
    assert main(["load", "--store", str(store), "--rejects", str(rejects), "--key-file", str(key),
                 *map(str, sources)]) == 0
    assert not rejects.exists() or rejects.read_text(encoding="utf-8") == ""
    s = open_store(str(store))
    load_public_graphs(s, base=DEFAULT_BASE)
    s.close()


@pytest.fixture(scope="module")
def cookbook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cookbook]:
    tmp = tmp_path_factory.mktemp("cookbook")
    bundle, ggm, key = tmp / "duo.jsonl", tmp / "ggm.sqlite", tmp / "key"
    key.write_text(KEY, encoding="utf-8")
    for fmt, out in (("duo", bundle), ("ggm-sqlite", ggm)):
        assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt,
                     "--out", str(out), "--reference-date", PEILDATUM.isoformat()]) == 0
    _load(tmp / "duo-store", [bundle], key, tmp)
    _load(tmp / "both-store", [bundle, ggm], key, tmp)
    tokens = TokenStore(tmp / "tokens.sqlite")
    admin = tokens.create(role="admin", gemeenten=ALL, special_categories=True).token
    analyst = tokens.create(role="analyst", gemeenten=("GM0363", "GM0599"), special_categories=False).token
    audit = tmp / "audit.jsonl"

    def client(store: str) -> TestClient:
        settings = Settings(store=str(tmp / store), token_db=tokens.path, audit_log=audit, public_url=DEFAULT_BASE)
        return TestClient(create_app(settings))

    with client("duo-store") as duo, client("both-store") as both:
        yield Cookbook(oracle.read_bundle(bundle, KEY.encode()), ggm, duo, both,
                       {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {analyst}"}, audit)
    tokens.close()


def ask(client: TestClient, name: str, headers: dict[str, str] | None = None,
        **params: Any) -> tuple[dict[str, str], Rows]:
    """Run saved query ``name``: (response headers, rows of plain values)."""
    response = client.get(f"/api/queries/{name}", params=params, headers=headers or {})
    assert response.status_code == 200, (name, response.text)
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    rows = [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
    return dict(response.headers), rows


def key_of(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def gm(iri: str) -> str:
    return iri.removeprefix(TOOI).upper()


def num(text: str) -> Fraction | str:
    try:
        return Fraction(text)
    except ValueError:
        return text


def both_agree(c: Cookbook, name: str, **params: Any) -> Rows:
    """The answer on the DUO store, checked equal (as a multiset of rows) to the answer on DUO and GGM together."""
    _, rows = ask(c.duo, name, c.admin, **params)
    _, together = ask(c.both, name, c.admin, **params)
    assert Counter(tuple(sorted(r.items())) for r in rows) == Counter(
        tuple(sorted(r.items())) for r in together), name
    return rows


# --- the questions ------------------------------------------------------------------------------------------------

def test_personen_per_gemeente_doelgroep_leerroute(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "personen-per-gemeente-doelgroep-leerroute")
    got = Counter({(r["gemeentecode"], r["doelgroep"], r["leerroute"]): int(r["personen"]) for r in rows})
    expected = oracle.personen(cookbook.persons)
    assert got == expected and sum(expected.values()) == PERSONS
    assert {r["leerroute"] for r in rows} == {"B", "O", "Z", "geen"}
    _, some = ask(cookbook.duo, "personen-per-gemeente-doelgroep-leerroute", cookbook.admin,
                  gemeente=["GM0363", "gm0080"])
    assert Counter({(r["gemeentecode"], r["doelgroep"], r["leerroute"]): int(r["personen"]) for r in some}) == \
        oracle.personen(cookbook.persons, {"GM0363", "GM0080"})


def test_pip_binnen_tien_weken(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2025-01-01", "tot": "2026-01-01"}):
        rows = both_agree(cookbook, "pip-binnen-tien-weken", peildatum=PEILDATUM.isoformat(), **params)
        got = {gm(r["gemeente"]): (int(r["personen"]), int(r["pipOpTijd"]), int(r["pipTeLaat"]), int(r["zonderPip"]),
                                   num(r["percentageOpTijd"])) for r in rows}
        expected = oracle.pip_binnen_tien_weken(cookbook.persons, PEILDATUM, van=oracle.d(params.get("van")),
                                                tot=oracle.d(params.get("tot")))
        assert got == expected
    assert sum(v[3] for v in oracle.pip_binnen_tien_weken(cookbook.persons, PEILDATUM).values()) >= 5


def test_pip_binnen_tien_weken_moves_with_the_reference_date(cookbook: Cookbook) -> None:
    earlier = date(2025, 6, 1)
    _, rows = ask(cookbook.duo, "pip-binnen-tien-weken", cookbook.admin, peildatum=earlier.isoformat())
    got = {gm(r["gemeente"]): int(r["personen"]) for r in rows}
    assert got == {g: v[0] for g, v in oracle.pip_binnen_tien_weken(cookbook.persons, earlier).items()}


def test_doorlooptijd_kennisgeving_tot_pip(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2024-01-01", "tot": "2025-01-01"}):
        rows = both_agree(cookbook, "doorlooptijd-kennisgeving-tot-pip", peildatum=PEILDATUM.isoformat(), **params)
        got = {gm(r["gemeente"]): (int(r["personen"]), num(r["gemiddeldDagen"]), int(r["kortsteDagen"]),
                                   int(r["langsteDagen"])) for r in rows}
        assert got == oracle.doorlooptijd(cookbook.persons, PEILDATUM, van=oracle.d(params.get("van")),
                                          tot=oracle.d(params.get("tot")))


def test_slagingspercentage_per_onderdeel_en_niveau(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2025-01-01", "tot": "2025-07-01"}, {"gemeente": "GM0518"}):
        rows = both_agree(cookbook, "slagingspercentage-per-onderdeel-en-niveau", **params)
        got = {(r["onderdeel"], r["niveau"]): (int(r["examens"]), int(r["geslaagd"]), int(r["gezakt"]),
                                               int(r["geenResultaat"]), num(r["percentageGeslaagd"])) for r in rows}
        gemeenten = {params["gemeente"]} if "gemeente" in params else None
        expected = oracle.slagingspercentage(cookbook.persons, van=oracle.d(params.get("van")),
                                             tot=oracle.d(params.get("tot")), gemeenten=gemeenten)
        assert got == expected and expected


def test_werklijst_termijn_eindigt_binnen_zes_maanden(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "werklijst-termijn-eindigt-binnen-zes-maanden", peildatum=PEILDATUM.isoformat())
    got = {key_of(r["persoon"]): (gm(r["gemeente"]), r["leerroute"], date.fromisoformat(r["einddatum"]),
                                  set(r["ontbrekend"].split())) for r in rows}
    assert all(int(r["aantalOntbrekend"]) == len(r["ontbrekend"].split()) for r in rows)
    expected = oracle.werklijst(cookbook.persons, PEILDATUM)
    assert got == expected and len(expected) >= 20
    assert {route for _, route, _, _ in expected.values()} == {"B", "O", "Z"}


def test_ontheffingen_en_vrijstellingen_per_reden(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2026-01-01"}):
        rows = both_agree(cookbook, "ontheffingen-en-vrijstellingen-per-reden", **params)
        got = Counter({(r["soort"], r["redenCode"], r["oordeel"]): int(r["aantal"]) for r in rows})
        expected = oracle.besluiten(cookbook.persons, van=oracle.d(params.get("van")))
        assert got == expected
        assert all(r["reden"] and r["reden"] != r["redenCode"] for r in rows)  # labelled from the concept scheme
    assert any(k[1] == "MED" for k in oracle.besluiten(cookbook.persons))


def test_tijd_van_pip_tot_eerste_examen_per_leerroute(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2024-01-01", "tot": "2025-01-01"}):
        rows = both_agree(cookbook, "tijd-van-pip-tot-eerste-examen-per-leerroute", peildatum=PEILDATUM.isoformat(),
                          **params)
        got = {r["leerroute"]: (int(r["personen"]), num(r["gemiddeldDagen"]), int(r["kortsteDagen"]),
                                int(r["langsteDagen"])) for r in rows}
        assert got == oracle.pip_tot_eerste_examen(cookbook.persons, PEILDATUM, van=oracle.d(params.get("van")),
                                                   tot=oracle.d(params.get("tot")))


def test_verlengingen_per_reden(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "verlengingen-per-reden")
    got = {r["redenCode"]: (int(r["verlengingen"]), int(r["personen"])) for r in rows}
    expected = oracle.verlengingen(cookbook.persons)
    assert got == expected and sum(v[0] for v in expected.values()) >= 5


def test_map_en_pvt_afronding_per_leerroute(cookbook: Cookbook) -> None:
    for peildatum in (PEILDATUM, date(2025, 1, 1)):
        rows = both_agree(cookbook, "map-en-pvt-afronding-per-leerroute", peildatum=peildatum.isoformat())
        got = {r["leerroute"]: (int(r["personen"]), int(r["metMap"]), int(r["metPvt"]), num(r["percentageMap"]),
                                num(r["percentagePvt"])) for r in rows}
        assert got == oracle.map_en_pvt(cookbook.persons, peildatum)


def test_uren_per_leerroute(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "uren-per-leerroute")
    names = ("personen", "gemiddeldTaalEnKnmLeerroute", "gemiddeldTaalEnKnmBredeIntake", "gemiddeldParticipatie",
             "totaalTaalEnKnmLeerroute", "totaalTaalEnKnmBredeIntake", "totaalParticipatie")
    got = {r["leerroute"]: tuple(num(r[n]) for n in names) for r in rows}
    assert got == oracle.uren_per_leerroute(cookbook.persons)


def test_voortgang_uren_zroute_per_gemeente(cookbook: Cookbook) -> None:
    _, rows = ask(cookbook.duo, "voortgang-uren-zroute", cookbook.admin, gemeente="GM0363")
    expected = {p.key: oracle.hours(p) or (0, 0, 0) for p in cookbook.persons
                if p.route == "Z" and p.gemeente == "GM0363"}
    got = {key_of(r["persoon"]): (int(r["urenTaalEnKnmLeerroute"]), int(r["urenTaalEnKnmBredeIntake"]),
                                  int(r["urenParticipatie"])) for r in rows}
    assert got == expected and len(expected) >= 5


def test_signaal_geen_leerroute_na_tien_weken(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "signaal-geen-leerroute-na-tien-weken", peildatum=PEILDATUM.isoformat())
    got = {key_of(r["persoon"]): (gm(r["gemeente"]), date.fromisoformat(r["start"]), int(r["dagenSindsStart"]))
           for r in rows}
    expected = oracle.geen_leerroute(cookbook.persons, PEILDATUM)
    assert got == expected and len(expected) >= 5


def test_signaal_geen_aanbod_asielstatushouder(cookbook: Cookbook) -> None:
    rows = both_agree(cookbook, "signaal-geen-aanbod-asielstatushouder", peildatum=PEILDATUM.isoformat())
    got = {key_of(r["persoon"]): (gm(r["gemeente"]), r["leerroute"], date.fromisoformat(r["pipDatum"]),
                                  int(r["dagenSindsPip"])) for r in rows}
    expected = oracle.geen_aanbod(cookbook.persons, PEILDATUM)
    assert got == expected and len(expected) >= 5


@pytest.mark.parametrize(("aow_age", "peildatum"), [(67, PEILDATUM), (67, date(2045, 6, 1)), (60, date(2033, 1, 1))])
def test_signaal_aow_leeftijd_binnen_zes_maanden(cookbook: Cookbook, aow_age: int, peildatum: date) -> None:
    """The age is known from the GGM only: on DUO alone the signal is empty; with the GGM it follows the rule, and
    every person whose true pension date (from the birth date, which the graph never holds) falls in the six
    months is listed."""
    params = {"peildatum": peildatum.isoformat(), "aowLeeftijd": str(aow_age)}
    assert ask(cookbook.duo, "signaal-aow-leeftijd-binnen-zes-maanden", cookbook.admin, **params)[1] == []
    _, rows = ask(cookbook.both, "signaal-aow-leeftijd-binnen-zes-maanden", cookbook.admin, **params)
    got = {key_of(r["persoon"]): (gm(r["gemeente"]), int(r["leeftijdBijBegin"]), date.fromisoformat(r["aowNa"]),
                                  date.fromisoformat(r["aowUiterlijk"])) for r in rows}
    cases = oracle.aow_cases(cookbook.ggm, KEY.encode(), aow_age)
    assert got == oracle.aow_signal(cases, peildatum, aow_age) and got
    until = add_offset(peildatum, "P6M")
    truly = {p for p, c in cases.items() if peildatum < c.pension <= until}
    assert truly <= set(got)  # nobody whose pension really falls in the six months is missed
    assert all(v[2] < cases[p].pension <= v[3] for p, v in got.items())  # the window holds the true date


def test_leerbaarheidstoets_uitkomst_per_leerroute(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2025-01-01"}):
        rows = both_agree(cookbook, "leerbaarheidstoets-uitkomst-per-leerroute", **params)
        got = Counter({(r["leerroute"], r["uitkomst"]): int(r["personen"]) for r in rows})
        assert got == oracle.lbt_per_leerroute(cookbook.persons, van=oracle.d(params.get("van")))


def test_instroom_per_maand_en_doelgroep(cookbook: Cookbook) -> None:
    for params in ({}, {"van": "2024-01-01", "tot": "2024-07-01"}):
        rows = both_agree(cookbook, "instroom-per-maand-en-doelgroep", **params)
        got = Counter({(r["maand"], r["doelgroep"]): int(r["personen"]) for r in rows})
        expected = oracle.instroom(cookbook.persons, van=oracle.d(params.get("van")), tot=oracle.d(params.get("tot")))
        assert got == expected and expected


def test_every_saved_query_is_checked_here() -> None:
    tested = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    elsewhere = {"verschillen-duo-ggm": "test_cookbook_sources.py"}
    names = {q.name for q in load_cookbook()}
    assert len(names) >= 15
    unchecked = {n for n in names if n not in elsewhere and not any(t.startswith(n) for t in tested)}
    assert unchecked == set()


# --- the API around the questions ---------------------------------------------------------------------------------

def _json_rows(response: Any) -> Rows:
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_each_file_runs_as_it_stands_with_its_example_values(cookbook: Cookbook) -> None:
    """The file's own VALUES rows are its example parameters: /sparql on the file's text gives what the API gives
    for those parameters (so the file shown on the query page, the benchmark's text and the API agree)."""
    for saved in load_cookbook():
        params = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in saved.example.items()}
        raw = cookbook.duo.post("/sparql", data={"query": saved.query}, headers=cookbook.admin)
        _, rows = ask(cookbook.duo, saved.name, cookbook.admin, **params)
        assert _json_rows(raw) == rows, saved.name


def test_without_a_token_the_api_shows_what_sparql_shows(cookbook: Cookbook) -> None:
    for name in ("personen-per-gemeente-doelgroep-leerroute", "ontheffingen-en-vrijstellingen-per-reden"):
        headers, rows = ask(cookbook.duo, name)
        assert rows == [] and headers["inburgering-withheld"] == "instance-data"
        assert headers["access-control-allow-origin"] == "*"  # public data, like /sparql without a token
        text = cookbook.duo.get(f"/api/queries/{name}.rq").text
        response = cookbook.duo.post("/sparql", data={"query": text})
        assert _json_rows(response) == rows and response.headers["inburgering-withheld"] == "instance-data"


def test_a_token_reads_its_own_municipalities_and_is_told_what_it_could_not_see(cookbook: Cookbook) -> None:
    own = {"GM0363", "GM0599"}
    headers, rows = ask(cookbook.duo, "personen-per-gemeente-doelgroep-leerroute", cookbook.analyst)
    assert {r["gemeentecode"] for r in rows} == own
    assert ask(cookbook.duo, "personen-per-gemeente-doelgroep-leerroute", cookbook.analyst, gemeente="GM0080")[1] == []
    assert "access-control-allow-origin" not in headers and headers["cache-control"] == "private, no-store"

    headers, rows = ask(cookbook.duo, "ontheffingen-en-vrijstellingen-per-reden", cookbook.analyst)
    seen = Counter({(r["soort"], r["redenCode"], r["oordeel"]): int(r["aantal"]) for r in rows})
    everything = oracle.besluiten(cookbook.persons, gemeenten=own)
    medical = sum(n for (soort, reason, _), n in everything.items() if reason == "MED")
    assert medical >= 1 and seen == Counter({k: n for k, n in everything.items() if k[1] != "MED"})
    # The header says so: the medical dispensations of its municipalities are the special-category records.
    withheld = dict(part.strip().split("=") for part in headers["inburgering-withheld"].split(";")[1:])
    assert headers["inburgering-withheld"].startswith("special-categories;")
    assert int(withheld["records"]) == medical and int(withheld["facts"]) > 3 * medical
    assert f"Ontheffing={medical}" in headers["inburgering-withheld-records"]
    admin_headers, admin_rows = ask(cookbook.duo, "ontheffingen-en-vrijstellingen-per-reden", cookbook.admin,
                                    gemeente=sorted(own))
    assert admin_headers["inburgering-withheld"] == "none"
    assert Counter({(r["soort"], r["redenCode"], r["oordeel"]): int(r["aantal"]) for r in admin_rows}) == everything


def test_answer_formats_and_the_bound_text(cookbook: Cookbook) -> None:
    name, client = "verlengingen-per-reden", cookbook.duo
    csv = client.get(f"/api/queries/{name}", params={"format": "csv"}, headers=cookbook.admin)
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[0] == "redenCode,reden,verlengingen,personen"
    assert csv.headers["content-disposition"] == f'inline; filename="{name}.csv"'
    by_accept = client.get(f"/api/queries/{name}", headers={**cookbook.admin, "Accept": "text/tab-separated-values"})
    assert by_accept.headers["content-type"].startswith("text/tab-separated-values")
    xml = client.get(f"/api/queries/{name}?format=xml", headers=cookbook.admin)
    assert xml.headers["content-type"] == "application/sparql-results+xml" and "<sparql" in xml.text
    assert client.get(f"/api/queries/{name}?format=xlsx", headers=cookbook.admin).status_code == 400

    response = client.get("/api/queries/werklijst-termijn-eindigt-binnen-zes-maanden.rq",
                          params={"gemeente": "gm0363", "peildatum": "2026-08-31"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/sparql-query")
    assert response.headers["content-location"] == ("/api/queries/werklijst-termijn-eindigt-binnen-zes-maanden.rq"
                                                     "?gemeente=GM0363&peildatum=2026-08-31")
    assert "<https://identifier.overheid.nl/tooi/id/gemeente/gm0363>" in response.text
    assert '"2027-02-28"^^<http://www.w3.org/2001/XMLSchema#date>' in response.text  # six months on, in Python
    ran = client.get("/api/queries/pip-binnen-tien-weken", headers=cookbook.admin)
    assert ran.headers["content-location"] == f"/api/queries/pip-binnen-tien-weken?peildatum={date.today()}"


@pytest.mark.parametrize(("params", "message"), [
    ({"gemeente": "GM0363> } SELECT * WHERE { ?s ?p ?o"}, "is not a municipality code"),
    ({"peildatum": '2026-11-01"^^<x> . } #'}, "is not a date"),
    ({"peildatum": "2026-02-30"}, "is not a date"),
    ({"peildatum": ["2026-11-01", "2026-12-01"]}, "give one value"),
    ({"gemeentee": "GM0363"}, "unknown parameter 'gemeentee'"),
    ({"gemeente": [f"GM{n:04d}" for n in range(201)]}, "at most 200"),
])
def test_parameter_text_is_refused_never_pasted(cookbook: Cookbook, params: dict[str, Any], message: str) -> None:
    response = cookbook.duo.get("/api/queries/pip-binnen-tien-weken", params=params, headers=cookbook.admin)
    assert response.status_code == 400 and message in response.json()["error"]


def test_aow_age_is_a_bounded_integer(cookbook: Cookbook) -> None:
    for value in ("66.5", "1e2", "99", ""):
        response = cookbook.duo.get("/api/queries/signaal-aow-leeftijd-binnen-zes-maanden",
                                    params={"aowLeeftijd": value}, headers=cookbook.admin)
        assert response.status_code == (200 if value == "" else 400), value  # empty: the default


def test_unknown_query_and_the_listing(cookbook: Cookbook) -> None:
    assert cookbook.duo.get("/api/queries/bestaat-niet").status_code == 404
    listing = cookbook.duo.get("/api/queries").json()["queries"]
    assert [q["name"] for q in listing] == sorted(q.name for q in load_cookbook())
    first = listing[0]
    assert first["title"]["nl"] and first["title"]["en"] and first["url"] == f"/api/queries/{first['name']}"


def test_openapi_describes_each_saved_query_with_its_parameters(cookbook: Cookbook) -> None:
    spec = cookbook.duo.get("/api/openapi.json").json()
    for saved in load_cookbook():
        operation = spec["paths"][f"/api/queries/{saved.name}"]["get"]
        assert operation["summary"].startswith(saved.title.nl)
        names = [p["name"] for p in operation["parameters"]]
        assert names == [p.name for p in saved.parameters] + ["format"]
        assert "text/csv" in operation["responses"]["200"]["content"]


def test_saved_queries_are_audited_like_sparql(cookbook: Cookbook) -> None:
    ask(cookbook.duo, "verlengingen-per-reden", cookbook.analyst)
    ask(cookbook.duo, "verlengingen-per-reden")
    lines = [json.loads(line) for line in cookbook.audit_log.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in lines if r["endpoint"] == "/api/queries/verlengingen-per-reden"]
    assert any(r["role"] == "analyst" and r["query_sha256"] and r["result_count"] is not None for r in mine)
    assert any(r["token_id"] is None for r in mine)  # anonymous calls too, as on /sparql


def test_sparql_takes_a_format_parameter(cookbook: Cookbook) -> None:
    query = "SELECT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#ConceptScheme> } LIMIT 2"
    for fmt, media in (("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                       ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml")):
        response = cookbook.duo.get("/sparql", params={"query": query, "format": fmt},
                                    headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200 and response.headers["content-type"].split(";")[0] == media, fmt
    graph = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 2"
    assert cookbook.duo.get("/sparql", params={"query": graph, "format": "ttl"}).headers[
        "content-type"].startswith("text/turtle")
    assert cookbook.duo.get("/sparql", params={"query": graph, "format": "csv"}).status_code == 400
    assert cookbook.duo.post("/sparql", data={"query": query, "format": "csv"}).text.startswith("s\r\n")


def _duration_arithmetic(text: str) -> list[str]:
    """Places where a duration literal is added to or subtracted from something, and uses of NOW()."""
    tokens = lex(text)
    found = []
    for i, t in enumerate(tokens):
        if t.kind == "word" and t.text.upper() == "NOW":
            found.append(f"NOW() at {t.start}")
        typed = (t.kind == "string" and i + 2 < len(tokens) and tokens[i + 1].text == "^^"
                 and tokens[i + 2].text.lower().rstrip(">").endswith("duration"))
        if typed:
            before = tokens[i - 1].text if i else ""
            after = tokens[i + 3].text if i + 3 < len(tokens) else ""
            if before in ("+", "-") or after in ("+", "-"):
                found.append(f"{t.text} at {t.start}")
    return found


def test_no_shipped_query_adds_durations_to_dates() -> None:
    """The engine leaves date + duration unbound depending on a variable's name (tests/store/
    test_engine_date_arithmetic.py): every shipped query compares date - date, or dates computed in Python."""
    assert _duration_arithmetic('SELECT (?d + "P1D"^^xsd:dayTimeDuration AS ?x) {}') != []  # the check works
    assert _duration_arithmetic("SELECT (NOW() AS ?x) {}") != []
    for saved in load_cookbook():
        assert _duration_arithmetic(saved.query) == [], saved.name


def test_stats_count_exams_and_decisions_with_the_saved_queries(cookbook: Cookbook) -> None:
    """/stats counts exams and decisions with the saved queries: the published (suppressed) numbers are the
    source's, and the same when DUO and the GGM publish the same exams and decisions."""
    exams: Counter[tuple[str, str]] = Counter()
    for (onderdeel, _), (_, g, z, n, _) in oracle.slagingspercentage(cookbook.persons).items():
        exams.update({(onderdeel, "Geslaagd"): g, (onderdeel, "Gezakt"): z, (onderdeel, "Geen"): n})
    decisions = oracle.besluiten(cookbook.persons)
    expected = {"examens": exams,
                "ontheffingen": Counter({(r, o): c for (s, r, o), c in decisions.items() if s == "ontheffing"}),
                "vrijstellingen": Counter({(r, o): c for (s, r, o), c in decisions.items() if s == "vrijstelling"})}
    published, revealed = [], 0
    for client in (cookbook.duo, cookbook.both):
        tables = {t["name"]: t for t in client.get("/stats.json").json()["tables"]}
        published.append(tables)
        for name, counts in expected.items():
            t = tables[name]
            cells = {(row, col): t["cells"][i][j] for i, row in enumerate(t["rows"])
                     for j, col in enumerate(t["cols"])}
            shown = {k: v for k, v in cells.items() if v is not None}
            assert all(counts[k] == v for k, v in shown.items()), name
            revealed += len(shown) + (t["total"] is not None)
            assert t["total"] in (None, sum(counts.values())), name
    # The insider-proof suppression (docs/security.md) may hide a small table whole; the others show numbers.
    assert revealed > 0
    assert [published[0][n] for n in expected] == [published[1][n] for n in expected]
    page = cookbook.duo.get("/stats", headers={"Accept": "text/html"}).text
    assert 'href="/api/queries/slagingspercentage-per-onderdeel-en-niveau"' in page


GOLDEN_EXAMS = Path(__file__).resolve().parents[1] / "cases" / "duo-examens" / "expected.ttl"


def test_an_exam_without_a_level_counts_once() -> None:
    """DUO gives a KNM exam no level (``tests/cases/duo-examens``): the saved query and ``/stats`` count it once,
    at level ``onbekend``. The level's code was looked up after the grouping, where an unbound level matched
    every concept with a notation: one exam counted hundreds of times."""
    base = "https://data.example.org"
    store = open_store("memory:")
    load_public_graphs(store, base=base)
    graph = instance_graph(base, "GM0363", "duo", "L1")
    store.load(GOLDEN_EXAMS.read_bytes(), format=RdfFormat.TURTLE, graph=graph)
    dataset = [graph, public_graph(base, "concepts")]
    saved = saved_query(stats.EXAMS_QUERY)
    assert saved is not None
    text, _ = bound_query(saved, {}, today=PEILDATUM)
    result = store.query(text, default_graph=dataset, named_graphs=[])
    assert isinstance(result, QuerySolutions)
    columns = ("onderdeel", "niveau", "examens", "geslaagd", "gezakt", "geenResultaat", "percentageGeslaagd")
    assert [tuple(row[c].value for c in columns) for row in result] == [
        ("KNM", "onbekend", "1", "0", "0", "1", "n.v.t."), ("LE", "B1", "1", "1", "0", "0", "100")]
    assert stats.exam_counts(store, dataset) == Counter({("KNM", "Geen"): 1, ("LE", "Geslaagd"): 1})
