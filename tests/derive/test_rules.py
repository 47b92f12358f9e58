"""The rules of the derived facts, case by case, on DUO records mapped by the real mapping.

Each case starts from one ordinary person (B1 route, PIP on 2024-03-01, term 2024-03-02 to 2027-03-02 exclusive)
and changes what the case is about; the expected values are worked out by hand in the test.
"""

from __future__ import annotations

import copy
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple, parse
from rdflib import Graph
from rdflib.namespace import SH

from inburgering import namespaces as ns
from inburgering.derive import derive, derive_facts, derived_graph
from inburgering.derive.rules import DerivedFacts
from inburgering.errors import AccessError
from inburgering.mapping import builtin_mapping, map_person

BASE = "https://data.example.org/inburgering"
PEIL = date(2026, 1, 1)
ALL = frozenset({"KNM", "LE", "LU", "SC", "SP"})

PERSON: dict[str, Any] = {
    "bsn": "999990019", "gemeente": "GM0363",
    "inburgeringsplicht": {"indicatorInburgeringsplicht": True, "begindatum": "2024-01-10",
                           "datumKennisgevingInburgeringsplicht": "2024-01-15"},
    "doelgroep": {"indeling": "Asielstatushouder", "begindatum": "2024-01-10",
                  "gedetailleerdeDoelgroep": "Asielstatushouder"},
    "pip": {"gemeentecode": "0363", "pip": {"dagtekeningPip": "2024-03-01", "leerroute": "B",
                                            "indicatorAlfabetiseringsonderwijs": "NVT"}},
    "inburgeringstermijn": {"startdatum": "2024-03-02", "einddatum": "2027-03-02"},
}


def exam(onderdeel: str, resultaat: str = "Geslaagd", niveau: str = "B1", datum: str = "2025-05-01",
         reden: str | None = None) -> dict[str, Any]:
    body = {"examendatum": datum, "resultaat": resultaat, "onderdeel": onderdeel, "niveau": niveau}
    return body | ({"redenGeenResultaat": reden} if reden else {})


def person(**changes: Any) -> dict[str, Any]:
    """The ordinary person with top-level parts replaced (``None`` removes a part)."""
    line = copy.deepcopy(PERSON)
    for key, value in changes.items():
        if value is None:
            line.pop(key, None)
        else:
            line[key] = value
    return line


def mapped(line: dict[str, Any], pseudonym: str = "p1") -> tuple[list[Triple], list[Triple]]:
    """(non-special, special) triples of one bundle line, as the loader maps them."""
    out = map_person(builtin_mapping("duo"), line, base=BASE, pseudonym=pseudonym)
    return out.triples, out.special


def facts(line: dict[str, Any], peildatum: date = PEIL, extra: list[Triple] | None = None) -> DerivedFacts:
    triples, _ = mapped(line)
    (result,) = derive_facts([*triples, *(extra or [])], base=BASE, peildatum=peildatum)
    return result


def d(value: str) -> Literal:
    return Literal(value, datatype=NamedNode(ns.XSD + "date"))


# --- the PIP deadline --------------------------------------------------------------------------------------------

def test_pip_deadline_is_ten_weeks_after_the_notification() -> None:
    assert facts(person()).uiterste_datum_pip == date(2024, 3, 25)  # 2024-01-15 + 70 days


def test_pip_deadline_counts_from_settling_when_that_is_later() -> None:
    duty = NamedNode(ns.thing_iri(BASE, "inburgeringsplicht", "p1-actueel"))
    later = [Triple(duty, NamedNode(ns.inb("datumVestiging")), d("2024-02-01"))]
    earlier = [Triple(duty, NamedNode(ns.inb("datumVestiging")), d("2024-01-01"))]
    assert facts(person(), extra=later).uiterste_datum_pip == date(2024, 4, 11)
    assert facts(person(), extra=earlier).uiterste_datum_pip == date(2024, 3, 25)


def test_pip_deadline_without_notification_counts_from_the_start_of_the_duty() -> None:
    plicht = {"indicatorInburgeringsplicht": True, "begindatum": "2024-01-10"}
    assert facts(person(inburgeringsplicht=plicht)).uiterste_datum_pip == date(2024, 3, 20)


def test_no_duty_start_gives_no_pip_deadline_but_the_other_facts() -> None:
    got = facts(person(inburgeringsplicht={"indicatorInburgeringsplicht": True}))
    assert got.uiterste_datum_pip is None
    assert (got.status, got.dagen_tot_einde_termijn, got.vereist) == ("Lopend", 425, ALL)


# --- days left in the term ---------------------------------------------------------------------------------------

def test_days_left_count_the_reference_date_and_the_end_is_exclusive() -> None:
    assert facts(person()).dagen_tot_einde_termijn == 425  # 2026-01-01 → 2027-03-02
    last_day = facts(person(), date(2027, 3, 1))
    assert (last_day.dagen_tot_einde_termijn, last_day.status) == (1, "Lopend")
    end = facts(person(), date(2027, 3, 2))
    assert (end.dagen_tot_einde_termijn, end.status) == (0, "TermijnVerstreken")
    later = facts(person(), date(2027, 4, 1))
    assert (later.dagen_tot_einde_termijn, later.status) == (-30, "TermijnVerstreken")


def test_an_extended_term_counts_to_its_new_end() -> None:
    extended = person(inburgeringstermijn={"startdatum": "2024-03-02", "einddatum": "2027-09-01",
                                           "wijzigingsdatum": "2026-12-01", "verlengingsgrondcode": "ZIEKTE"},
                      inburgeringstermijnHistorie=[{"einddatum": "2027-03-02", "wijzigingsdatum": "2024-03-02"}])
    got = facts(extended, date(2027, 4, 1))
    assert (got.dagen_tot_einde_termijn, got.status) == (153, "Lopend")


def test_a_term_without_end_date_ends_three_years_after_its_start_and_29_february_becomes_28() -> None:
    got = facts(person(inburgeringstermijn={"startdatum": "2024-02-29"}), date(2027, 2, 27))
    assert got.dagen_tot_einde_termijn == 1  # ends (exclusive) on 2027-02-28


def test_days_left_only_while_the_duty_runs() -> None:
    ended = {"indicatorInburgeringsplicht": False, "begindatum": "2024-01-10", "einddatum": "2025-06-01",
             "wijzigingsdatum": "2025-06-01", "redenGeenInburgeringsplicht": "Verblijfsdoel gewijzigd",
             "datumKennisgevingInburgeringsplicht": "2024-01-15"}
    got = facts(person(inburgeringsplicht=ended))
    assert (got.dagen_tot_einde_termijn, got.status, got.vereist) == (None, "GeenLopendePlicht", frozenset())
    assert got.uiterste_datum_pip == date(2024, 3, 25)


def test_a_historical_duty_is_not_the_current_one() -> None:
    history = [{"indicatorInburgeringsplicht": False, "begindatum": "2025-01-01", "einddatum": "2025-02-01"}]
    assert facts(person(inburgeringsplichtHistorie=history)).status == "Lopend"


# --- components passed and still required ------------------------------------------------------------------------

def test_all_components_passed_completes_the_route() -> None:
    got = facts(person(examenresultaten=[exam(o) for o in sorted(ALL)]))
    assert (got.behaald, got.vereist, got.status) == (ALL, frozenset(), "Afgerond")


def test_a_language_exam_below_the_route_level_is_not_passed_but_knm_at_any_level_is() -> None:
    got = facts(person(examenresultaten=[exam("LE", niveau="A2"), exam("KNM", niveau="A2"), exam("LU", niveau="B2")]))
    assert got.behaald == {"KNM", "LU"}
    assert got.vereist == {"LE", "SC", "SP"}


def test_after_downgrading_to_a2_an_a2_exam_counts() -> None:
    pip = copy.deepcopy(PERSON["pip"])
    pip["pip"]["niveau"] = "A2"
    assert facts(person(pip=pip, examenresultaten=[exam("LE", niveau="A2")])).behaald == {"LE"}


def test_failed_and_no_result_do_not_pass() -> None:
    got = facts(person(examenresultaten=[exam("LE", "Gezakt"), exam("LU", "Geen", reden="Absent")]))
    assert got.behaald == frozenset()
    assert got.vereist == ALL


def test_exempted_components_at_the_route_level_are_not_required() -> None:
    vrij = [{"GedeeltelijkeVrijstelling": {"oordeel": "Toekenning", "reden": "GED", "datumOordeel": "2025-01-01",
                                           "examenonderdeel": "LE", "examenniveau": "B1"}},
            {"GedeeltelijkeVrijstelling": {"oordeel": "Toekenning", "reden": "GED", "datumOordeel": "2025-01-01",
                                           "examenonderdeel": "LU", "examenniveau": "A2"}},
            {"GedeeltelijkeVrijstelling": {"oordeel": "Afwijzing", "reden": "GED", "datumOordeel": "2025-01-01",
                                           "examenonderdeel": "SC", "examenniveau": "B1"}}]
    got = facts(person(vrijstellingen=vrij))
    assert got.vereist == {"KNM", "LU", "SC", "SP"}  # LU exempted at A2 only; SC refused
    assert got.behaald == frozenset()


def test_exempted_and_passed_components_together_complete_the_route() -> None:
    vrij = [{"GedeeltelijkeVrijstelling": {"oordeel": "Toekenning", "reden": "GED", "datumOordeel": "2025-01-01",
                                           "examenonderdeel": o, "examenniveau": "B1"}} for o in ("LE", "LU")]
    got = facts(person(vrijstellingen=vrij, examenresultaten=[exam(o) for o in ("KNM", "SC", "SP")]))
    assert (got.vereist, got.status) == (frozenset(), "Afgerond")


def test_a_granted_partial_dispensation_on_other_grounds_releases_its_component() -> None:
    onth = [{"GedeeltelijkeOntheffing": {"oordeel": "Toekenning", "datumOordeel": "2025-01-01", "grond": "BIO",
                                         "examenonderdeel": "SP"}}]
    assert facts(person(ontheffingen=onth)).vereist == {"KNM", "LE", "LU", "SC"}


def test_a_medical_dispensation_is_never_read_and_special_facts_are_refused() -> None:
    onth = [{"GedeeltelijkeOntheffing": {"oordeel": "Toekenning", "datumOordeel": "2025-01-01", "grond": "MED",
                                         "examenonderdeel": "SP"}}]
    triples, special = mapped(person(ontheffingen=onth))
    assert special  # the mapping puts it in the special-category graph
    (got,) = derive_facts(triples, base=BASE, peildatum=PEIL)
    assert got.vereist == ALL  # documented: a medical dispensation is not visible to the derivation
    with pytest.raises(AccessError, match="special-category"):
        derive([*triples, *special], base=BASE, peildatum=PEIL)


def test_a_granted_full_exemption_ends_what_is_required() -> None:
    vrij = [{"GeheleVrijstelling": {"oordeel": "Toekenning", "reden": "DIP", "datumOordeel": "2025-01-01"}}]
    got = facts(person(vrijstellingen=vrij))
    assert (got.status, got.vereist, got.dagen_tot_einde_termijn) == ("GeenLopendePlicht", frozenset(), None)


def test_the_z_route_has_no_required_exams_and_completes_on_its_completion_date() -> None:
    pip = copy.deepcopy(PERSON["pip"])
    pip["pip"]["leerroute"] = "Z"
    running = facts(person(pip=pip, zroute={"datumAfrondingZroute": "2026-03-01"}))
    assert (running.vereist, running.status) == (frozenset(), "Lopend")
    done = facts(person(pip=pip, zroute={"datumAfrondingZroute": "2026-03-01"}), date(2026, 3, 1))
    assert done.status == "Afgerond"


def test_without_a_pip_nothing_required_is_derived() -> None:
    got = facts(person(pip=None, inburgeringstermijn=None))
    assert (got.status, got.vereist, got.dagen_tot_einde_termijn) == ("GeenLeerroute", None, None)
    triples, _ = mapped(person(pip=None, inburgeringstermijn=None))
    written = {t.predicate.value.rsplit("/", 1)[1] for t in derive(triples, base=BASE, peildatum=PEIL)}
    assert written == {"peildatum", "uitersteDatumPip", "aantalBehaaldeExamenonderdelen", "statusLeerroute"}


# --- the first exam ----------------------------------------------------------------------------------------------

def test_the_first_exam_is_the_first_one_taken_and_graded() -> None:
    got = facts(person(examenresultaten=[exam("LE", "Geen", datum="2024-09-01", reden="Afgemeld"),
                                         exam("LU", "Gezakt", datum="2024-10-15"),
                                         exam("LU", datum="2025-01-20")]))
    assert got.datum_eerste_examen == date(2024, 10, 15)
    assert got.dagen_van_pip_tot_eerste_examen == 228  # 2024-03-01 → 2024-10-15
    assert facts(person()).datum_eerste_examen is None


# --- the input ---------------------------------------------------------------------------------------------------

def test_triples_and_a_store_graph_give_the_same_facts_and_a_special_graph_is_refused() -> None:
    triples, _ = mapped(person(examenresultaten=[exam("KNM")]))
    graph = ns.instance_graph(BASE, "GM0363", "duo", "20260101T000000Z-abcdef")
    store = Store()
    store.extend([Quad(t.subject, t.predicate, t.object, NamedNode(graph)) for t in triples])
    assert set(derive(store, base=BASE, peildatum=PEIL, graph=graph)) == set(derive(triples, base=BASE,
                                                                                    peildatum=PEIL))
    assert derive(store, base=BASE, peildatum=PEIL) == []  # the default graph is empty
    with pytest.raises(AccessError):
        derive(store, base=BASE, peildatum=PEIL, graph=graph + ns.SPECIAL_SUFFIX)
    assert derived_graph(graph) == graph + "/afgeleid"
    with pytest.raises(AccessError):
        derived_graph(graph + ns.SPECIAL_SUFFIX)


def test_the_order_of_the_triples_does_not_matter_and_persons_outside_the_base_are_left_out() -> None:
    first, _ = mapped(person(examenresultaten=[exam("KNM"), exam("LE", "Gezakt")]), "p1")
    second, _ = mapped(person(pip=None), "p2")
    foreign = map_person(builtin_mapping("duo"), person(), base="https://elsewhere.example", pseudonym="p3").triples
    triples = [*first, *second, *foreign]
    shuffled = list(triples)
    random.Random(3).shuffle(shuffled)
    assert set(derive(shuffled, base=BASE, peildatum=PEIL)) == set(derive(triples, base=BASE, peildatum=PEIL))
    assert {f.person.rsplit("/", 1)[1] for f in derive_facts(shuffled, base=BASE, peildatum=PEIL)} == {"p1", "p2"}


@pytest.mark.parametrize("fixture", ["conforming", "violating"])
def test_the_pip_deadline_agrees_with_the_rule_pip_binnen_tien_weken(fixture: str) -> None:
    """A PIP dated after the derived deadline is exactly a PIP the SHACL rule warns about (its fixtures)."""
    folder = Path(__file__).resolve().parents[1] / "shapes" / "PipBinnenTienWeken"
    triples = list(parse(path=str(folder / f"{fixture}.ttl"), format=RdfFormat.TURTLE))
    warned = {str(o) for o in Graph().parse(folder / "expected.ttl").objects(None, SH.focusNode)} \
        if fixture == "violating" else set()
    dagtekening = NamedNode(ns.inb("dagtekening"))
    found = derive_facts(triples, base="https://data.example.org", peildatum=date(2026, 1, 1))
    assert len(found) >= 2
    for person in found:
        pip = person.person.replace("/persoon/", "/pip/") + "-actueel"
        (signed,) = [date.fromisoformat(t.object.value) for t in triples
                     if t.subject == NamedNode(pip) and t.predicate == dagtekening]
        assert person.uiterste_datum_pip is not None
        assert (signed > person.uiterste_datum_pip) == (pip in warned), pip


def test_doctests_of_the_derive_modules_run() -> None:
    import doctest

    import inburgering.derive
    import inburgering.derive.index
    import inburgering.derive.rules

    for module in (inburgering.derive, inburgering.derive.index, inburgering.derive.rules):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
    assert doctest.testmod(inburgering.derive).attempted >= 5
