"""Every derived fact of generated persons against an independent computation from the generated source data.

Persons are generated (``inburgering generate``), mapped by the real mapping (``inburgering map``), and derived
per graph as the loader will (one municipality, one source, non-special triples only). The expected facts are
recomputed from the DUO bundle itself, with DUO's field names and codes, not from the triples or the ontology.
The test also checks that the edge cases it is meant to cover occur in the sample, so it cannot pass vacuously.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import RdfFormat, Triple, parse

from inburgering.cli import main
from inburgering.derive import derive, derive_facts
from inburgering.derive.rules import DerivedFacts
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.namespaces import DEFAULT_BASE, SPECIAL_SUFFIX, thing_iri

from .conftest import Generated

KEY = "derived-facts-test-key-not-a-secret"  # for the GGM test's own persons
SEED = 5
REFERENCE = date(2026, 11, 1)  # the generator's reference date: nothing it generates lies after it
LEVELS = ["A1", "A2", "B1", "B2"]
ALL = {"KNM", "LE", "LU", "SC", "SP"}


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _at_least(level: str | None, required: str | None) -> bool:
    return required is None or level is None or LEVELS.index(level) >= LEVELS.index(required)


def _granted(items: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """DUO's ontheffingen/vrijstellingen of one kind that were granted, without the medical ones (special)."""
    return [body for item in items for k, body in item.items()
            if k == kind and body["oordeel"] == "Toekenning" and body.get("grond") != "MED"]


def expected(line: dict[str, Any], peildatum: date) -> dict[str, Any]:
    """The derived facts of one bundle line, from DUO's own fields (docs/derived-facts.md gives the rules)."""
    plicht = line["inburgeringsplicht"]
    pip = (line.get("pip") or {}).get("pip") or {}
    route = pip.get("leerroute")
    required = pip.get("niveau") or {"B": "B1", "O": "B1", "Z": "A2"}.get(route or "")
    taken = [e for e in line.get("examenresultaten") or [] if e["resultaat"] in ("Geslaagd", "Gezakt")]
    passed = {e["onderdeel"] for e in taken if e["resultaat"] == "Geslaagd"
              and (e["onderdeel"] == "KNM" or _at_least(e.get("niveau"), required))}
    vrij, onth = line.get("vrijstellingen") or [], line.get("ontheffingen") or []
    released = {v["examenonderdeel"] for v in _granted(vrij, "GedeeltelijkeVrijstelling")
                if _at_least(v.get("examenniveau"), required)}
    released |= {o["examenonderdeel"] for o in _granted(onth, "GedeeltelijkeOntheffing") if "examenonderdeel" in o}
    full = bool(_granted(vrij, "GeheleVrijstelling") or _granted(onth, "GeheleOntheffing"))
    einde = _d(plicht.get("einddatum"))
    running = plicht["indicatorInburgeringsplicht"] and not full and (einde is None or einde >= peildatum)
    open_ = ALL - passed - released
    termijn_end = _d((line.get("inburgeringstermijn") or {}).get("einddatum"))
    afronding = _d((line.get("zroute") or {}).get("datumAfrondingZroute"))
    if (route in ("B", "O") and not open_) or (route == "Z" and afronding and afronding <= peildatum):
        status = "Afgerond"
    elif not running:
        status = "GeenLopendePlicht"
    elif route is None:
        status = "GeenLeerroute"
    elif termijn_end and termijn_end <= peildatum:
        status = "TermijnVerstreken"
    else:
        status = "Lopend"
    first = min((_d(e["examendatum"]) for e in taken), default=None)
    dagtekening = _d(pip.get("dagtekeningPip"))
    vanaf = _d(plicht.get("datumKennisgevingInburgeringsplicht")) or _d(plicht.get("begindatum"))
    return {
        "uiterste_datum_pip": vanaf + timedelta(weeks=10) if vanaf else None,
        "dagen_tot_einde_termijn": (termijn_end - peildatum).days if running and termijn_end else None,
        "behaald": frozenset(passed),
        "vereist": None if route is None else frozenset(open_ if running and route in ("B", "O") else ()),
        "status": status,
        "datum_eerste_examen": first,
        "dagen_van_pip_tot_eerste_examen": (first - dagtekening).days if first and dagtekening else None,
    }


def _derived(graphs: dict[str, list[Triple]], peildatum: date) -> dict[str, DerivedFacts]:
    """Per person IRI, derived per graph of non-special facts, as the loader does per load."""
    out: dict[str, DerivedFacts] = {}
    for graph, triples in graphs.items():
        if not graph.endswith(SPECIAL_SUFFIX):
            for facts in derive_facts(triples, base=DEFAULT_BASE, peildatum=peildatum):
                assert facts.person not in out, "a person is in one municipality's graph"
                out[facts.person] = facts
    return out


@pytest.mark.parametrize("peildatum", [REFERENCE, date(2027, 9, 1)], ids=["reference-date", "ten-months-later"])
def test_every_derived_fact_matches_the_bundle(generated: Generated,
                                               peildatum: date) -> None:
    lines, graphs, key = generated
    derived = _derived(graphs, peildatum)
    pseudonym = Pseudonymiser(key)
    assert len(derived) == len(lines) == 600
    mismatches = []
    for line in lines:
        person = thing_iri(DEFAULT_BASE, "persoon", pseudonym.bsn(line["bsn"]))
        got = {k: v for k, v in asdict(derived[person]).items() if k != "person"}
        want = expected(line, peildatum)
        if got != want:
            mismatches.append((line["bsn"], {k: (got[k], want[k]) for k in want if got[k] != want[k]}))
    assert mismatches == []


def test_the_sample_holds_the_edge_cases(generated: Generated) -> None:
    """The comparison above covers each case the rules distinguish (else it could pass on easy persons only)."""
    lines, graphs, _ = generated
    facts = _derived(graphs, REFERENCE)
    statuses = Counter(f.status for f in facts.values())
    assert all(statuses[s] >= 3 for s in ("Afgerond", "GeenLopendePlicht", "GeenLeerroute", "TermijnVerstreken",
                                          "Lopend")), statuses
    assert sum(1 for line in lines if "inburgeringstermijnHistorie" in line and line.get("inburgeringstermijn",
               {}).get("verlengingsgrondcode")) >= 3  # terms extended
    assert sum(1 for f in facts.values() if f.behaald == ALL) >= 3  # all components passed
    exempted = [line for line in lines if _granted(line.get("vrijstellingen") or [], "GedeeltelijkeVrijstelling")]
    assert len(exempted) >= 3  # partial exemptions (some at A2, below a B1 route's level)
    assert sum(1 for line in lines if "pip" not in line) >= 3  # no PIP: no route, nothing required derived
    assert sum(1 for f in facts.values() if f.vereist is not None and 0 < len(f.vereist) < 5) >= 10
    assert sum(1 for f in facts.values() if f.dagen_tot_einde_termijn is not None
               and f.dagen_tot_einde_termijn <= 0) >= 3  # terms run out while the duty runs
    assert any(line["inburgeringsplicht"]["indicatorInburgeringsplicht"] is False for line in lines)


def test_derived_triples_say_the_same_as_the_facts(generated: Generated
                                                   ) -> None:
    """``derive`` writes each fact once, with ``inb:peildatum`` on every person, and nothing for absent facts."""
    _, graphs, _ = generated
    graph, triples = max(((g, t) for g, t in graphs.items() if not g.endswith(SPECIAL_SUFFIX)), key=lambda x: len(x[1]))
    out = derive(triples, base=DEFAULT_BASE, peildatum=REFERENCE)
    facts = derive_facts(triples, base=DEFAULT_BASE, peildatum=REFERENCE)
    by_predicate = Counter(t.predicate.value.rsplit("/", 1)[1] for t in out)
    assert by_predicate["peildatum"] == len(facts) > 10, graph
    assert by_predicate["statusLeerroute"] == sum(1 for f in facts if f.status)
    assert by_predicate["behaaldExamenonderdeel"] == sum(len(f.behaald) for f in facts)
    assert by_predicate["vereistExamenonderdeel"] == sum(len(f.vereist or ()) for f in facts)
    assert by_predicate["aantalVereisteExamenonderdelen"] == sum(1 for f in facts if f.vereist is not None)
    assert by_predicate["dagenTotEindeTermijn"] == sum(1 for f in facts if f.dagen_tot_einde_termijn is not None)
    assert len(set(out)) == len(out)
    assert {t.subject.value for t in out} == {f.person for f in facts}


def test_a_ggm_database_gives_the_same_exam_and_term_facts(tmp_path: Path) -> None:
    """The same persons from their GGM database: the facts the GGM tables carry agree with the bundle's."""
    bundle, ggm, key, mapped = tmp_path / "duo.jsonl", tmp_path / "ggm.sqlite", tmp_path / "key", tmp_path / "m.nq"
    key.write_text(KEY, encoding="utf-8")
    for fmt, out in (("duo", bundle), ("ggm-sqlite", ggm)):
        assert main(["generate", "--persons", "150", "--seed", str(SEED), "--defects", "0", "--format", fmt,
                     "--out", str(out)]) == 0
    assert main(["map", str(ggm), "--out", str(mapped), "--key-file", str(key)]) == 0
    graphs: dict[str, list[Triple]] = defaultdict(list)
    for quad in parse(path=str(mapped), format=RdfFormat.N_QUADS):
        graphs[quad.graph_name.value].append(quad.triple)
    derived = _derived(graphs, REFERENCE)
    pseudonym = Pseudonymiser(KEY.encode())
    compared = 0
    for line in (json.loads(x) for x in bundle.read_text(encoding="utf-8").splitlines()):
        got, want = derived[thing_iri(DEFAULT_BASE, "persoon", pseudonym.bsn(line["bsn"]))], expected(line, REFERENCE)
        assert (got.behaald, got.datum_eerste_examen, got.dagen_van_pip_tot_eerste_examen) == (
            want["behaald"], want["datum_eerste_examen"], want["dagen_van_pip_tot_eerste_examen"]), line["bsn"]
        assert got.dagen_tot_einde_termijn == want["dagen_tot_einde_termijn"], line["bsn"]
        # The GGM tables have no notification date: the deadline counts from the start of the duty.
        begin = date.fromisoformat(line["inburgeringsplicht"]["begindatum"])
        assert got.uiterste_datum_pip == begin + timedelta(days=70)
        compared += 1
    assert compared == 150


def test_derived_facts_with_their_source_conform_to_the_shapes(
        generated: Generated) -> None:
    """The derived graph with its source: the class shapes (datatypes, concepts) and the derived-fact rules find
    nothing, on the fast engine over the whole sample and on pySHACL for one municipality."""
    from inburgering.loader.checking import validator_for
    from inburgering.validation import validate

    _, graphs, _ = generated
    union: list[Triple] = []
    for graph, triples in graphs.items():
        if not graph.endswith(SPECIAL_SUFFIX):
            union += triples + derive(triples, base=DEFAULT_BASE, peildatum=REFERENCE)
    findings = validator_for("fast")(union, reference_date=REFERENCE)
    assert [(f.rule, f.focus, f.message) for f in findings if f.is_violation] == []
    graph, triples = min(((g, t) for g, t in graphs.items() if not g.endswith(SPECIAL_SUFFIX)), key=lambda x: len(x[1]))
    derived = derive(triples, base=DEFAULT_BASE, peildatum=REFERENCE)
    assert len(derived) > 20, graph
    report = validate([*triples, *derived], reference_date=REFERENCE)
    assert [(r.shape, r.focus_node) for r in report.results if r.severity.endswith("Violation")] == []
