"""What happens to a person after the PIP: termijn, hours, exams, PVT/MAP, Z-route, offers, dispensations.

Every date respects DUO's conditions (wi2021-rules B-G): termijn from the day after the PIP for three years,
MAP/PVT after the termijn start, not in the future, not after the Z-route completion and before the termijn
end (so ``verwijtbaar`` is never needed); Z-route completion only with enough hours; offers only for
asielstatushouders and not before the PIP.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from inburgering.generate.facts import (
    Aanbod,
    Exam,
    Ontheffing,
    Person,
    Termijn,
    Uren,
    Verlenging,
    Vrijstelling,
    add_years,
    days,
    ri,
)

if TYPE_CHECKING:
    from inburgering.generate.people import Needs

ONDERDELEN = ("KNM", "LE", "LU", "SC", "SP")
#: Synthetic institutions (instellingsnummer: 10 characters, as DUO).
INSTELLINGEN = tuple(f"10{n:08d}" for n in (1101, 1207, 1333, 1409, 1511, 1688, 1702, 1845, 1917, 2003))
VERLENGINGSGRONDEN = (("ZIEKTE", "Ziekte langer dan drie maanden", 40), ("BEVALLING", "Zwangerschap en bevalling", 30),
                      ("OVERLIJDEN", "Overlijden van een naaste", 10), ("OVERIG", "Overige grond", 20))
AANDACHTSPUNTEN = ("Financien", "Zorgtaken", "Taal", "Digitale vaardigheden", "Woonsituatie", "Psychische gezondheid",
                   "Lichaamelijke gezondheid", "Verslaving", "Justitie")
_REDENEN_GEEN = (("Afgemeld", 50), ("Absent", 35), ("Verwijtbaar", 15))


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + days(ri(rng, 0, max(0, (last - first).days)))


def _termijn(rng: random.Random, person: Person, reference: date, needs: Needs) -> Termijn:
    assert person.pip is not None
    start = person.pip.dagtekening + days(1)
    termijn = Termijn(start, add_years(start, 3))
    if not needs.plain and not needs.recent and (reference - start).days > 950 and rng.random() < 0.08:
        from inburgering.generate.people import pick

        code = pick(rng, tuple((c, w) for c, _, w in VERLENGINGSGRONDEN))
        label = next(label for c, label, _ in VERLENGINGSGRONDEN if c == code)
        weken = rng.choice((12, 16, 26, 52))
        changed = _between(rng, add_years(start, 2) + days(180), min(reference, termijn.eind - days(1)))
        termijn.verlenging = Verlenging(code, label, changed, termijn.eind, weken)
        termijn.eind = termijn.eind + days(7 * weken)
    return termijn


def _uren(rng: random.Random, person: Person, reference: date, months: float) -> Uren:
    assert person.pip is not None
    route = person.pip.leerroute
    rate = {"B": 28, "O": 45, "Z": 32}.get(route, 28) * rng.uniform(0.6, 1.3)
    participatie = 0 if route == "O" else int(months * rng.uniform(15, 40))
    return Uren(bekend_tot=max(person.pip.dagtekening + days(1), reference - days(ri(rng, 0, 30))),
                participatie_als_taalles=min(9999, int(months * rate)),
                participatieactiviteiten=min(9999, participatie),
                taalles_en_knm=ri(rng, 0, 80))


def _exams(rng: random.Random, person: Person, last: date, months: float, needs: Needs) -> None:
    assert person.pip is not None and person.termijn is not None
    route, start = person.pip.leerroute, person.termijn.start
    from inburgering.generate.people import pick

    for n, onderdeel in enumerate(ONDERDELEN):
        chance = 0.08 if route == "Z" and onderdeel == "KNM" else (0 if route == "Z" else min(1.0, months / 24))
        if not (rng.random() < chance or (needs.exam and n == 0)):
            continue
        niveau = "A2" if route == "Z" else ("B2" if route == "O" and rng.random() < 0.4 else "B1")
        when = _between(rng, start + days(120), last)
        attempts = 1 + (rng.random() < 0.3)
        for attempt in range(attempts):
            resultaat = pick(rng, (("Geslaagd", 65), ("Gezakt", 25), ("Geen", 10)))
            if attempt + 1 < attempts and resultaat == "Geslaagd":
                resultaat = "Gezakt"
            reden = pick(rng, _REDENEN_GEEN) if resultaat == "Geen" else None
            person.exams.append(Exam(onderdeel, niveau, resultaat, reden, when))
            when = min(last, when + days(ri(rng, 42, 120)))
            if when >= last:
                break
    if person.asiel and route != "Z":
        used = {o: sum(1 for e in person.exams if e.onderdeel == o) for o in ONDERDELEN}
        person.gratis_pogingen = {o: max(0, 2 - used[o]) for o in ONDERDELEN}


def _zroute(rng: random.Random, person: Person, uren: Uren) -> None:
    assert person.pip is not None and person.termijn is not None
    cursus = uren.participatie_als_taalles + uren.taalles_en_knm
    if person.pip.leerroute != "Z" or cursus < 800:
        return
    if person.asiel and uren.participatieactiviteiten < 800:
        return
    if person.termijn.start + days(300) <= uren.bekend_tot and rng.random() < 0.7:
        person.zroute_afgerond = _between(rng, person.termijn.start + days(300), uren.bekend_tot)


def _pvt_map(rng: random.Random, person: Person, last: date, months: float) -> None:
    assert person.pip is not None and person.termijn is not None
    end = min(last, person.zroute_afgerond or last)
    start = person.termijn.start
    if start + days(30) <= end and rng.random() < 0.6:
        person.pvt = _between(rng, start + days(30), end)
    if person.pip.leerroute != "O" and start + days(150) <= end and rng.random() < 0.45:
        person.map = _between(rng, start + days(150), end)


def _aanbod(rng: random.Random, person: Person, reference: date) -> None:
    assert person.pip is not None and person.termijn is not None
    if not person.asiel or rng.random() >= 0.85:
        return
    datum = min(reference, person.pip.dagtekening + days(ri(rng, 0, 30)))
    begin = datum + days(ri(rng, 7, 60))
    einde = min(begin + days(ri(rng, 540, 900)), person.termijn.eind - days(1))
    person.aanbod.append(Aanbod(rng.choice(INSTELLINGEN), datum, begin, max(begin, einde),
                                person.pip.alfabetisering))


def _ontheffing(rng: random.Random, person: Person, reference: date) -> None:
    assert person.pip is not None and person.termijn is not None
    grond = "MED" if rng.random() < 0.7 else "BIO"
    geheel = rng.random() < 0.35
    oordeel = "Toekenning" if rng.random() < 0.8 else "Afwijzing"
    datum = _between(rng, max(person.termijn.start, reference - days(60)), reference)
    if geheel:
        person.ontheffingen.append(Ontheffing(True, oordeel, datum, grond))
        if oordeel == "Toekenning":
            person.plicht_actief, person.plicht_einddatum = False, datum
            person.reden_geen_plicht = "Volledige ontheffing"
        return
    if person.pip.leerroute == "Z" and grond == "MED" and person.zroute_afgerond is None:
        person.ontheffingen.append(Ontheffing(False, oordeel, datum, grond, None, rng.randrange(0, 800, 20)))
    else:
        person.ontheffingen.append(Ontheffing(False, oordeel, datum, grond, rng.choice(ONDERDELEN)))


def _vrijstelling(rng: random.Random, person: Person, reference: date) -> None:
    assert person.termijn is not None
    datum = _between(rng, max(person.termijn.start, reference - days(60)), reference)
    soort = rng.random()
    if soort < 0.3:
        reden = rng.choice(("DIP", "DOC", "AVI", "INB"))
        oordeel = "Toekenning" if rng.random() < 0.85 else "Afwijzing"
        person.vrijstellingen.append(Vrijstelling("GeheleVrijstelling", oordeel, reden, datum))
        if oordeel == "Toekenning" and person.plicht_actief:
            person.plicht_actief, person.plicht_einddatum = False, datum
            person.reden_geen_plicht = "Volledige vrijstelling"
    elif soort < 0.6:
        start = datum + days(ri(rng, 0, 30))
        person.vrijstellingen.append(Vrijstelling("TijdelijkeVrijstelling", "Toekenning", rng.choice(("INS", "OPL")),
                                                  datum, start, add_years(start, 1)))
    else:
        person.vrijstellingen.append(Vrijstelling("GedeeltelijkeVrijstelling", "Toekenning", "GED", datum,
                                                  onderdeel=rng.choice(ONDERDELEN[1:]),
                                                  niveau=rng.choice(("A2", "B1"))))


def fill(rng: random.Random, person: Person, reference: date, needs: Needs) -> None:
    """Add everything after the PIP, up to ``reference`` (events never lie after the reference date)."""
    person.termijn = _termijn(rng, person, reference, needs)
    last = min(reference, person.termijn.eind - days(1))
    months = max(0.0, (last - person.termijn.start).days / 30.4)
    uren = _uren(rng, person, reference, months)
    person.uren = uren
    _zroute(rng, person, uren)
    if person.termijn.start + days(120) <= last:
        _exams(rng, person, last, months, needs)
    _pvt_map(rng, person, last, months)
    _aanbod(rng, person, reference)
    if not needs.plain and rng.random() < 0.03:
        _ontheffing(rng, person, reference)
    if not needs.plain and rng.random() < 0.04:
        _vrijstelling(rng, person, reference)
    if rng.random() < 0.25:
        person.aandachtspunten = rng.sample(AANDACHTSPUNTEN, ri(rng, 1, 2))
