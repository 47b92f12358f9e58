"""Realistic synthetic persons under the Wi2021, one at a time, following ../shared/reference/wi2021-rules.md.

Each person is drawn from its own random stream (``seed`` and index), so person *i* is the same whatever the
format, the number of persons or the defects around it, and nothing needs to be held in memory.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from inburgering.generate import timeline
from inburgering.generate.facts import Lbt, Person, Pip, add_years, days, ri

#: Share of asielstatushouders (CBS: 72 % in cohort 2022, 61 % in 2023).
ASIEL_SHARE = 0.665
WI2021_START = date(2022, 1, 1)
_PHI = 0.6180339887498949

#: Municipalities (CBS codes) with a weight roughly following where newcomers are housed.
GEMEENTEN: tuple[tuple[str, int], ...] = (
    ("GM0363", 12), ("GM0599", 9), ("GM0518", 8), ("GM0344", 5), ("GM0772", 3), ("GM0855", 3),
    ("GM0014", 3), ("GM0034", 3), ("GM0758", 2), ("GM0268", 2), ("GM0503", 2), ("GM0193", 2),
    ("GM0200", 2), ("GM0153", 2), ("GM0392", 2), ("GM0080", 1), ("GM0307", 1), ("GM0796", 1),
    ("GM0935", 1), ("GM0202", 1),
)
_GM_CODES = [g for g, _ in GEMEENTEN]
_GM_CUM = []
_total = 0
for _, _w in GEMEENTEN:
    _total += _w
    _GM_CUM.append(_total)

_DETAIL_ASIEL = (("Asielstatushouder", 85), ("Gezinshereniger met Asielstatushouder", 10),
                 ("Gezinsvormer met Asielstatushouder", 5))
_DETAIL_GEZINS = (("Gezinsvormer", 40), ("Gezinshereniger", 35), ("Overig", 22), ("Geestelijk bedienaar", 3))
_ROUTES_ASIEL = (("B", 72), ("Z", 18), ("O", 10))
_ROUTES_GEZINS = (("B", 80), ("Z", 12), ("O", 8))
_ALFA = (("NVT", 80), ("A", 10), ("AA", 10))


@dataclass(frozen=True, slots=True)
class Needs:
    """What a defect needs of the person it goes into (so the person is otherwise fully conforming)."""

    asiel: bool | None = None
    route: str | None = None
    #: Duty started between 4 and 14 months before the reference date (termijn still running).
    recent: bool = False
    #: At least one exam result.
    exam: bool = False
    #: A leerbaarheidstoets result.
    lbt: bool = False
    #: Duty not ended by a full ontheffing or vrijstelling, no extension.
    plain: bool = False


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    """A weighted choice from ``(value, weight)`` pairs."""
    total = sum(w for _, w in weighted)
    r = rng.random() * total
    for value, weight in weighted:
        r -= weight
        if r < 0:
            return value
    return weighted[-1][0]


@cache
def _offset(seed: int) -> float:
    return random.Random(f"asiel/{seed}").random()


def asiel_for(seed: int, index: int) -> bool:
    """Low-discrepancy assignment: the share of asielstatushouders stays near 66.5 % for every N."""
    offset = _offset(seed)
    return (offset + index * _PHI) % 1.0 < ASIEL_SHARE


def _gemeente(rng: random.Random, codes: Sequence[str] = _GM_CODES) -> str:
    """One of the municipalities by weight; ``codes`` renames them (one code per entry of :data:`GEMEENTEN`)."""
    r = rng.random() * _total
    for code, cum in zip(codes, _GM_CUM, strict=True):
        if r < cum:
            return code
    return codes[-1]


def _begindatum(rng: random.Random, reference: date, needs: Needs) -> date:
    if needs.recent:
        return reference - days(ri(rng, 120, 420))
    if needs.exam:
        return reference - days(ri(rng, 450, 1000))
    latest = reference - days(45 if needs == Needs() else 120)
    span = (latest - WI2021_START).days
    # Cohorts grow over time (26k in 2022, 36k in 2023): a triangular draw leaning to later dates.
    return WI2021_START + days(int(rng.triangular(0, span, span * 0.75)))


def _birth(rng: random.Random, begin: date, route: str | None) -> date:
    age = 18 + int(rng.gammavariate(2.2, 5.5))
    age = min(age, 62)
    return add_years(begin, -age) - days(ri(rng, 0, 364))


def _lbt(rng: random.Random, person: Person, route: str) -> Lbt:
    assert person.pip is not None
    window = max(1, (person.pip.dagtekening - person.kennisgeving).days - 1)
    if route == "Z":
        resultaat = "B1-route niet haalbaar" if rng.random() < 0.9 else "Onbekend"
    else:
        resultaat = "B1-route haalbaar" if rng.random() < 0.9 else "Onbekend"
    low, high = (60, 99) if resultaat == "B1-route haalbaar" else (15, 59)
    score = f"{ri(rng, low, high)},{rng.choice((0, 25, 50, 75)):02d}"
    return Lbt(resultaat, score, "60,00", person.kennisgeving + days(ri(rng, 1, window)))


def _pip(rng: random.Random, person: Person, needs: Needs, age: int) -> Pip:
    route = needs.route or pick(rng, _ROUTES_ASIEL if person.asiel else _ROUTES_GEZINS)
    if route == "O" and age >= 35 and needs.route is None:
        route = "B"
    if route == "Z":
        niveau = "A2" if rng.random() < 0.3 else None
    else:
        niveau = "B1" if rng.random() < 0.9 else None
    intensiteit = None
    if route == "B" and person.asiel and rng.random() < 0.75:
        intensiteit = rng.randrange(200, 1600, 10)
    dagtekening = person.kennisgeving + days(ri(rng, 14, 70))
    return Pip(dagtekening, route, niveau, intensiteit, pick(rng, _ALFA), person.gemeente[2:])


def make_person(seed: int, index: int, bsn: str, reference: date, needs: Needs = Needs(),
                gemeenten: Sequence[str] = _GM_CODES) -> Person:
    """Person number ``index`` for ``seed``: the same facts every time (apart from what ``needs`` imposes).

    ``gemeenten`` gives the codes of the municipalities in the order and with the weights of :data:`GEMEENTEN`.
    """
    rng = random.Random(f"{seed}/{index}/{needs}")
    base = random.Random(f"{seed}/{index}")
    asiel = asiel_for(seed, index) if needs.asiel is None else needs.asiel
    if asiel:
        geslacht = "M" if base.random() < 0.60 else "V"
        detail = pick(base, _DETAIL_ASIEL)
    else:
        geslacht = "V" if base.random() < 0.68 else "M"
        detail = pick(base, _DETAIL_GEZINS)
    gemeente = _gemeente(base, gemeenten)
    begin = _begindatum(rng, reference, needs)
    geboorte = _birth(rng, begin, needs.route)
    person = Person(index=index, bsn=bsn, gemeente=gemeente, geslacht=geslacht, geboortedatum=geboorte,
                    asiel=asiel, gedetailleerde_doelgroep=detail, begindatum=begin,
                    kennisgeving=min(reference, begin + days(ri(rng, 0, 28))))
    age = begin.year - geboorte.year
    pip = _pip(rng, person, needs, age)
    if pip.dagtekening > reference - days(2):
        return person  # no PIP yet: recent cohort
    if needs == Needs() and rng.random() < 0.03:
        return person  # PIP not (yet) registered although the ten weeks have passed
    person.pip = pip
    if needs.lbt or rng.random() < (0.9 if asiel else 0.75):
        person.lbt = _lbt(rng, person, pip.leerroute)
    timeline.fill(rng, person, reference, needs)
    return person
