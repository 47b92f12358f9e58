"""The facts of one synthetic person, independent of the source format they are written in.

Dates are ``datetime.date``; a defect may replace one by an impossible date string (``"2023-02-30"``), and codes
are plain strings, so a defect may put ``"X"`` where DUO expects ``B``, ``O`` or ``Z``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

DateLike = date | str


def iso(value: DateLike) -> str:
    """``YYYY-MM-DD`` for a date; a string (an injected bad date) as it is."""
    return value if isinstance(value, str) else value.isoformat()


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` calendar years; 29 February becomes 28 February (as XPath date + P3Y)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@cache
def days(n: int) -> timedelta:
    """``timedelta(days=n)``, cached: the generator adds a few hundred thousand of them per second."""
    return timedelta(days=n)


def ri(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)`` at a third of the cost (the generator calls it ~20 times per person)."""
    return low + int(rng.random() * (high - low + 1))


@dataclass(slots=True)
class Pip:
    dagtekening: date
    leerroute: str
    niveau: str | None
    intensiteit: int | None
    alfabetisering: str
    gemeentecode: str


@dataclass(slots=True)
class Verlenging:
    code: str
    omschrijving: str
    wijzigingsdatum: date
    #: End date before this extension (DUO's termijn history keeps it).
    vorige_einddatum: date
    weken: int


@dataclass(slots=True)
class Termijn:
    start: date
    eind: date
    verlenging: Verlenging | None = None


@dataclass(slots=True)
class Lbt:
    resultaat: str
    behaalde_score: str
    benodigde_score: str
    datum: date


@dataclass(slots=True)
class Exam:
    onderdeel: str
    niveau: str
    resultaat: str
    reden: str | None
    datum: date


@dataclass(slots=True)
class Ontheffing:
    geheel: bool
    oordeel: str
    datum: date
    grond: str
    onderdeel: str | None = None
    belastbaarheid: int | None = None


@dataclass(slots=True)
class Vrijstelling:
    soort: str  # GeheleVrijstelling | TijdelijkeVrijstelling | GedeeltelijkeVrijstelling
    oordeel: str
    reden: str
    datum: date
    start: date | None = None
    eind: date | None = None
    onderdeel: str | None = None
    niveau: str | None = None


@dataclass(slots=True)
class Uren:
    bekend_tot: date
    participatie_als_taalles: int
    participatieactiviteiten: int
    taalles_en_knm: int


@dataclass(slots=True)
class Aanbod:
    instellingsnummer: str
    datum: date
    start: date
    eind: date
    alfabetisering: str


@dataclass(slots=True)
class Person:
    """Everything the generator knows about one person; writers turn it into DUO JSON or GGM rows."""

    index: int
    bsn: str
    gemeente: str
    geslacht: str
    geboortedatum: date
    asiel: bool
    gedetailleerde_doelgroep: str
    begindatum: DateLike
    kennisgeving: date
    plicht_actief: bool = True
    plicht_einddatum: date | None = None
    reden_geen_plicht: str | None = None
    pip: Pip | None = None
    termijn: Termijn | None = None
    lbt: Lbt | None = None
    exams: list[Exam] = field(default_factory=list)
    gratis_pogingen: dict[str, int] = field(default_factory=dict)
    ontheffingen: list[Ontheffing] = field(default_factory=list)
    vrijstellingen: list[Vrijstelling] = field(default_factory=list)
    uren: Uren | None = None
    map: date | None = None
    pvt: date | None = None
    zroute_afgerond: date | None = None
    aanbod: list[Aanbod] = field(default_factory=list)
    aandachtspunten: list[str] = field(default_factory=list)

    @property
    def doelgroep(self) -> str:
        return "Asielstatushouder" if self.asiel else "Gezinsmigrant en overige migrant"
