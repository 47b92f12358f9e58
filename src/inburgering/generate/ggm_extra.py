"""GGM-only facts of a synthetic person: what a municipality's case system keeps and DUO does not exchange.

Goals and sub-goals, work, education, language and ICT skills, diploma recognition, the AZC and the preparation
for integration. They are drawn from a random stream of their own (the person's index and BSN), so adding them
changes nothing in the persons, their defects or the DUO form; every value is one the GGM's enumerations allow
and the project's shapes accept (``tests/generate/test_generator.py`` checks the sub-goals against the ontology).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from inburgering.generate.facts import Person, add_years, days, iso

Rows = dict[str, list[dict[str, Any]]]

#: A sub-goal from the GGM's Subdoel list of each point of attention (the list follows the point's kind).
SUBDOEL_AANDACHTSPUNT = {
    "Financien": "ik heb hulp bij het regelen van mijn financien",
    "Verslaving": "ik heb hulp gevraagd voor mijn verslavingsproblematiek",
    "Zorgtaken": "ik heb kinderopvang voor mijn kinderen",
    "Justitie": "ik heb mijn penitentair programma succesvol afgerond",
    "Taal": "ik weet wat mijn Nederlands taalniveau is",
    "Digitale vaardigheden": "ik heb voldoende digitale vaardigheden om een stap te zetten richting de arbeidsmarkt",
    "Lichaamelijke gezondheid": "ik heb hulp gevraagd voor mijn lichamelijke klachten",
    "Psychische gezondheid": "ik heb hulp gevraagd voor mijn psychische klachten",
    "Woonsituatie": "ik heb hulp gevraagd om mijn woonsituatie te verbeteren",
}
#: Development wishes with a sub-goal from their Subdoel list.
SUBDOEL_ONTWIKKELWENS = {
    "Werkervaring opdoen": "ik weet hoeveel uren ik kan werken",
    "Opleiding volgen": "ik ben gestart met een opleiding",
    "Ondernemen": "ik heb een ondernemingsplan geschreven",
    "Vrijwilligerswerk": "ik ben gestart met vrijwilligerswerk",
    "Taalvaardigheden opdoen": "ik beheers de nederlandse taal voldoende om aan het werk te gaan of te ondernemen",
}
_DOEL = ("Betaald Werken", "Ondernemen", "Opleiding met studiefinanciering", "Werkfit worden",
         "Maatschappelijk fit worden")
_KLASSE = ("Arm", "Middelmatig", "Voldoende", "Goed", "Uitstekend")
_NIVEAU = ("Geen basisopleiding", "Basisniveau", "LBO/MAVO-niveau", "MBO/HAVO/VWO-niveau", "HBO-niveau",
           "Wetenschappelijk onderwijs")
_OPLEIDING = ("Basisonderwijs", "VMBO / MBO-1", "MBO", "HAVO / VWO", "HBO / Bachelor", "WO / Master")
_BEROEP = ("Agricultural / Cattle breeding / Animal care / Nature conservation", "Production / Crafts",
           "Building industry", "Technology / Engineering", "Health care / Medical / Nursing / Paramedical",
           "Catering / Tourism", "Sales / Commercial", "Education / Training")
_SOORT = ("Aanpakken", "Helpen", "Maken", "Verkopen", "Vervoeren")
_AMBITIE = ("Kok worden", "Een eigen bedrijf starten", "Werken in de zorg", "Monteur worden", "Leraar worden")
_LAND = ("Syrië", "Eritrea", "Afghanistan", "Turkije", "Jemen")
_AZC = ("GM1950", "GM0114", "GM0200", "GM0034", "GM0344")
_PRESENTIE = ("Nooit aanwezig", "Wel/niet aanwezig", "Altijd aanwezig")


def _rng(p: Person) -> random.Random:
    return random.Random(f"ggm-extra:{p.index}:{p.bsn}")


def _before(rng: random.Random, day: date, low_years: int, high_years: int) -> tuple[str, str]:
    """A period of a few years that ended a while before ``day`` (life before the Netherlands)."""
    end = add_years(day, -rng.randint(low_years, high_years)) - days(rng.randint(0, 300))
    return iso(add_years(end, -rng.randint(1, 5))), iso(end)


def _asiel_rows(p: Person, pid: int, rng: random.Random, new_id: Callable[[], int], rows: Rows) -> None:
    start = p.kennisgeving
    if rng.random() < 0.4:
        van, tot = _before(rng, start, 1, 6)
        rows["werk"].append({"id": new_id(), "asielstatushouder_id": pid, "cv_gemaakt": rng.random() < 0.5,
                             "ambitie": rng.choice(_AMBITIE), "beroep": rng.choice(_BEROEP), "beroep_van": van,
                             "beroep_tot": tot, "soort_aanstelling": rng.choice(_SOORT)})
    if rng.random() < 0.5:
        van, tot = _before(rng, start, 3, 15)
        rows["educatie"].append({"id": new_id(), "asielstatushouder_id": pid, "opleiding": rng.choice(_OPLEIDING),
                                 "educatie_van": van, "educatie_tot": tot, "educatie_land": rng.choice(_LAND),
                                 "educatie_diploma": rng.choice(_NIVEAU), "educatie_in_bezit": rng.random() < 0.6})
    if p.pip is not None and rng.random() < 0.5:
        rows["taalvaardigheid"].append({
            "id": new_id(), "asielstatushouder_id": pid, "toets_taalleerbaarheid": rng.choice(_KLASSE),
            "score": rng.randint(20, 100), "resultaat_toets_taalleerbaarheid": rng.randint(1, 10),
            "toets_spreekvaardigheid": rng.choice(_KLASSE), "resultaat_toets_spreekvaardigheid": rng.randint(1, 10),
            "taalles_activiteit": True, "start_van_taalles_activiteit": iso(p.pip.dagtekening),
            "presentie_taalles": rng.choice(_PRESENTIE), "taalvaardigheid_overall": rng.choice(_KLASSE)})
    if rng.random() < 0.3:
        rows["ict_vaardigheid"].append({"id": new_id(), "asielstatushouder_id": pid, "ict_vaardigheid": True,
                                        "niveau_ict_vaardigheid": rng.choice(_KLASSE)})
    if rng.random() < 0.1:
        rows["diplomawaardering"].append({
            "id": new_id(), "asielstatushouder_id": pid, "niveau_competentie": rng.choice(_KLASSE),
            "waardering_aangevraagd": True, "diploma_waardering_voor": rng.choice(_NIVEAU),
            "diploma_waardering_nederlands_niveau": rng.random() < 0.5})
    if rng.random() < 0.3:
        rows["verblijfplaats_azc"].append({"id": new_id(), "asielstatushouder_id": pid, "plaats": rng.choice(_AZC)})
    if rng.random() < 0.2:
        voorbereiding = new_id()
        rows["voorbereiding_op_inburgering"].append({
            "id": voorbereiding, "asielstatushouder_id": pid, "instemming_deelname_voorinburgering": True,
            "datum_instemming": iso(start - days(rng.randint(30, 200)))})
        rows["introductiemodule"].append({"id": new_id(), "voorbereiding_op_inburgering_id": voorbereiding,
                                          "module_naam": rng.choice("BOZ"), "deelname_introductie_module": True})


def ggm_extra_rows(p: Person, pid: int, new_id: Callable[[], int], rows: Rows,
                   punten: Sequence[tuple[int, str]]) -> None:
    """Add the GGM-only rows of person ``p`` (``punten``: the ids and kinds of its points of attention)."""
    rng = _rng(p)
    if p.asiel:
        _asiel_rows(p, pid, rng, new_id, rows)
    for punt_id, kind in punten:
        if kind in SUBDOEL_AANDACHTSPUNT and rng.random() < 0.4:
            rows["subdoel_aandachtspunt"].append({"id": new_id(), "aandachtspunt_id": punt_id,
                                                  "subdoel": SUBDOEL_AANDACHTSPUNT[kind]})
    if p.pip is None:
        return
    start = iso(p.pip.dagtekening)
    if rng.random() < 0.5:
        rows["hoofddoel"].append({"id": new_id(), "inburgeraar_id": pid, "doel": rng.choice(_DOEL),
                                  "start_datum": start})
    if rng.random() < 0.3:
        wens, wens_id = rng.choice(sorted(SUBDOEL_ONTWIKKELWENS)), new_id()
        rows["ontwikkelwens"].append({"id": wens_id, "inburgeraar_id": pid, "ontwikkelwens_omschrijving": wens,
                                      "start_datum": start})
        rows["subdoel_ontwikkelwens"].append({"id": new_id(), "ontwikkelwens_id": wens_id,
                                              "subdoel": SUBDOEL_ONTWIKKELWENS[wens], "start_datum": start})
    if rng.random() < 0.15:
        rows["training"].append({"id": new_id(), "inburgeraar_id": pid, "training_gevolgd": True,
                                 "periode_training": f"{p.pip.dagtekening.year}",
                                 "resultaat_training": rng.choice(_KLASSE)})
