"""The cookbook's answers computed independently, in Python, from the generated source records.

Every function reads the DUO bundle (``duo.jsonl``: DUO's own field names) or the GGM database (its own tables),
never the graph, and returns what the saved query of the same name must answer. Persons are named by their
pseudonym (the last segment of their IRI), municipalities by their GM code. The rules are the ones each query's
description states; where DUO leaves a choice the query documents it (``docs/cookbook.md``).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.service.cookbook.params import add_offset

TEN_WEEKS = timedelta(days=70)
REQUIRED = {"B": {"KNM", "LE", "LU", "SC", "SP", "MAP", "PVT"}, "O": {"KNM", "PVT"}, "Z": {"MAP", "PVT", "ZROUTE"}}


def sparql_round(value: Fraction) -> int:
    """SPARQL ROUND: to the nearest integer, halves towards positive infinity."""
    return math.floor(value + Fraction(1, 2))


def tenth(value: Fraction) -> Fraction:
    """``ROUND(10 * x) / 10``: the queries' one decimal."""
    return Fraction(sparql_round(10 * value), 10)


def pct(part: int, whole: int) -> Fraction:
    """``ROUND(1000 * part / whole) / 10``."""
    return Fraction(sparql_round(Fraction(1000 * part, whole)), 10)


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class Person:
    """One line of the bundle, with its pseudonym."""

    key: str
    raw: dict[str, Any]

    @property
    def gemeente(self) -> str:
        return str(self.raw["gemeente"])

    @property
    def plicht(self) -> dict[str, Any]:
        return self.raw.get("inburgeringsplicht") or {}

    @property
    def active(self) -> bool:
        return bool(self.plicht.get("indicatorInburgeringsplicht"))

    @property
    def start(self) -> date:
        """Start of the ten weeks: DUO's notice, else the start of the duty."""
        day = d(self.plicht.get("datumKennisgevingInburgeringsplicht")) or d(self.plicht["begindatum"])
        assert day is not None
        return day

    @property
    def pip(self) -> date | None:
        return d(((self.raw.get("pip") or {}).get("pip") or {}).get("dagtekeningPip"))

    @property
    def route(self) -> str | None:
        return ((self.raw.get("pip") or {}).get("pip") or {}).get("leerroute")

    @property
    def doelgroep(self) -> str:
        return str((self.raw.get("doelgroep") or {}).get("indeling", "onbekend"))

    @property
    def exams(self) -> list[dict[str, Any]]:
        return list(self.raw.get("examenresultaten") or [])

    def decisions(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(soort, kind, body) of every ontheffing and vrijstelling."""
        for soort, key in (("ontheffing", "ontheffingen"), ("vrijstelling", "vrijstellingen")):
            for entry in self.raw.get(key) or []:
                for kind, body in entry.items():
                    yield soort, kind, body


def read_bundle(bundle: Path, key: bytes) -> list[Person]:
    pseudonym = Pseudonymiser(key)
    return [Person(pseudonym.bsn(line["bsn"]), line)
            for line in map(json.loads, bundle.read_text(encoding="utf-8").splitlines()) if line]


def _in(day: date | None, van: date | None, tot: date | None) -> bool:
    """A period filter as the queries write it: an unknown day passes only when the period is open."""
    if van is None and tot is None:
        return True
    return day is not None and (van is None or day >= van) and (tot is None or day < tot)


def personen(persons: Iterable[Person], gemeenten: set[str] | None = None) -> Counter[tuple[str, str, str]]:
    return Counter((p.gemeente, p.doelgroep, p.route or "geen") for p in persons
                   if gemeenten is None or p.gemeente in gemeenten)


def pip_binnen_tien_weken(persons: Iterable[Person], peildatum: date, *, van: date | None = None,
                          tot: date | None = None) -> dict[str, tuple[int, int, int, int, Fraction]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in persons:
        if not p.active or p.start > peildatum - TEN_WEEKS or not _in(p.start, van, tot):
            continue
        pip = p.pip if p.pip is not None and p.pip <= peildatum else None
        row = counts[p.gemeente]
        row[0] += 1
        row[1 if pip is not None and pip - p.start <= TEN_WEEKS else 2 if pip is not None else 3] += 1
    return {g: (n, a, b, c, pct(a, n)) for g, (n, a, b, c) in counts.items()}


def _days_summary(values: list[int]) -> tuple[int, Fraction, int, int]:
    return len(values), tenth(Fraction(sum(values), len(values))), min(values), max(values)


def doorlooptijd(persons: Iterable[Person], peildatum: date, *, van: date | None = None,
                 tot: date | None = None) -> dict[str, tuple[int, Fraction, int, int]]:
    days: dict[str, list[int]] = defaultdict(list)
    for p in persons:
        if p.pip is not None and p.pip <= peildatum and _in(p.pip, van, tot) and p.plicht:
            days[p.gemeente].append((p.pip - p.start).days)
    return {g: _days_summary(v) for g, v in days.items()}


def slagingspercentage(persons: Iterable[Person], *, van: date | None = None, tot: date | None = None,
                       gemeenten: set[str] | None = None) -> dict[tuple[str, str], tuple[int, int, int, int, object]]:
    exams = {(p.key, e["onderdeel"], e.get("niveau") or "onbekend", e["examendatum"], e["resultaat"])
             for p in persons if gemeenten is None or p.gemeente in gemeenten for e in p.exams
             if _in(d(e["examendatum"]), van, tot)}
    groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for _, onderdeel, niveau, _, uitslag in exams:
        groups[(onderdeel, niveau)][uitslag] += 1
    out: dict[tuple[str, str], tuple[int, int, int, int, object]] = {}
    for group, c in groups.items():
        g, z, n = c["Geslaagd"], c["Gezakt"], c["Geen"]
        out[group] = (g + z + n, g, z, n, pct(g, g + z) if g + z else "n.v.t.")
    return out


def term_end(p: Person) -> date | None:
    """The end of the term in force: the current term's end and every extension's, the latest."""
    termijn = p.raw.get("inburgeringstermijn")
    if not termijn:
        return None
    ends = [d(termijn.get("einddatum"))]
    ends += [d(h.get("einddatum")) for h in p.raw.get("inburgeringstermijnHistorie") or []
             if h.get("verlengingsgrondcode")]
    known = [e for e in ends if e is not None]
    return max(known) if known else None


def done(p: Person, peildatum: date) -> set[str]:
    """The components ``p`` has done by ``peildatum`` (the work list's rule)."""
    out = {e["onderdeel"] for e in p.exams if e["resultaat"] == "Geslaagd" and d(e["examendatum"]) <= peildatum}
    for _, _, body in p.decisions():
        when = d(body.get("datumOordeel")) or peildatum
        if body.get("oordeel") == "Toekenning" and body.get("examenonderdeel") and when <= peildatum:
            out.add(body["examenonderdeel"])
    for key, field, name in (("map", "datumEindgesprekMap", "MAP"), ("pvt", "datumOndertekeningPvt", "PVT"),
                             ("zroute", "datumAfrondingZroute", "ZROUTE")):
        day = d((p.raw.get(key) or {}).get(field))
        if day is not None and day <= peildatum:
            out.add(name)
    return out


def werklijst(persons: Iterable[Person], peildatum: date) -> dict[str, tuple[str, str, date, set[str]]]:
    until = add_offset(peildatum, "P6M")
    out = {}
    for p in persons:
        end = term_end(p)
        if not p.active or p.route is None or end is None or not peildatum < end <= until:
            continue
        missing = REQUIRED[p.route] - done(p, peildatum)
        if missing:
            out[p.key] = (p.gemeente, p.route, end, missing)
    return out


def besluiten(persons: Iterable[Person], *, van: date | None = None, tot: date | None = None,
              gemeenten: set[str] | None = None) -> Counter[tuple[str, str, str]]:
    keys = set()
    for p in persons:
        if gemeenten is not None and p.gemeente not in gemeenten:
            continue
        for soort, _, body in p.decisions():
            if _in(d(body.get("datumOordeel")), van, tot):
                reason = body["grond"] if soort == "ontheffing" else body["reden"]
                keys.add((p.key, soort, reason, body.get("oordeel") or "onbekend", body.get("datumOordeel") or ""))
    return Counter((soort, reason, oordeel) for _, soort, reason, oordeel, _ in keys)


def pip_tot_eerste_examen(persons: Iterable[Person], peildatum: date, *, van: date | None = None,
                          tot: date | None = None) -> dict[str, tuple[int, Fraction, int, int]]:
    days: dict[str, list[int]] = defaultdict(list)
    for p in persons:
        exams = [d(e["examendatum"]) for e in p.exams if d(e["examendatum"]) <= peildatum]
        if p.pip is None or p.pip > peildatum or not exams or not _in(p.pip, van, tot) or p.route is None:
            continue
        days[p.route].append((min(exams) - p.pip).days)  # type: ignore[type-var,operator]
    return {r: _days_summary(v) for r, v in days.items()}


def verlengingen(persons: Iterable[Person], *, van: date | None = None,
                 tot: date | None = None) -> dict[str, tuple[int, int]]:
    keys = set()
    for p in persons:
        entries = [p.raw.get("inburgeringstermijn") or {}, *(p.raw.get("inburgeringstermijnHistorie") or [])]
        for entry in entries:
            if entry.get("verlengingsgrondcode") and _in(d(entry.get("wijzigingsdatum")), van, tot):
                keys.add((p.key, entry["verlengingsgrondcode"], entry.get("wijzigingsdatum") or ""))
    per_code: dict[str, list[str]] = defaultdict(list)
    for person, code, _ in keys:
        per_code[code].append(person)
    return {code: (len(v), len(set(v))) for code, v in per_code.items()}


def map_en_pvt(persons: Iterable[Person], peildatum: date) -> dict[str, tuple[int, int, int, object, Fraction]]:
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for p in persons:
        if p.pip is None or p.pip > peildatum or p.route is None:
            continue
        m, v = d((p.raw.get("map") or {}).get("datumEindgesprekMap")), d(
            (p.raw.get("pvt") or {}).get("datumOndertekeningPvt"))
        groups[p.route].append((m is not None and m <= peildatum, v is not None and v <= peildatum))
    out: dict[str, tuple[int, int, int, object, Fraction]] = {}
    for route, rows in groups.items():
        n, m, v = len(rows), sum(a for a, _ in rows), sum(b for _, b in rows)
        out[route] = (n, m, v, "n.v.t." if route == "O" else pct(m, n), pct(v, n))
    return out


def hours(p: Person) -> tuple[int, int, int] | None:
    """Per person: course hours in the route, in the brede intake and participation hours, per municipality the
    highest report, summed over municipalities; None without reports."""
    per: dict[str, tuple[int, int, int]] = {}
    for u in p.raw.get("uren") or []:
        new = ((u.get("ParticipatieAlsTaalles") or {}).get("uren", 0),
               (u.get("TaallesEnKnmBredeIntake") or {}).get("uren", 0),
               (u.get("ParticipatieactiviteitenBredeIntake") or {}).get("uren", 0))
        old = per.get(u["gemeentecode"], (0, 0, 0))
        per[u["gemeentecode"]] = (max(old[0], new[0]), max(old[1], new[1]), max(old[2], new[2]))
    if not per:
        return None
    return (sum(v[0] for v in per.values()), sum(v[1] for v in per.values()), sum(v[2] for v in per.values()))


def uren_per_leerroute(persons: Iterable[Person]) -> dict[str, tuple[object, ...]]:
    groups: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for p in persons:
        h = hours(p)
        if p.route is not None and h is not None:
            groups[p.route].append(h)
    out: dict[str, tuple[object, ...]] = {}
    for route, rows in groups.items():
        n = len(rows)
        sums = [sum(r[i] for r in rows) for i in range(3)]
        out[route] = (n, *(tenth(Fraction(s, n)) for s in sums), *sums)
    return out


def geen_leerroute(persons: Iterable[Person], peildatum: date) -> dict[str, tuple[str, date, int]]:
    return {p.key: (p.gemeente, p.start, (peildatum - p.start).days) for p in persons
            if p.active and p.start <= peildatum - TEN_WEEKS and (p.pip is None or p.pip > peildatum)}


def geen_aanbod(persons: Iterable[Person], peildatum: date) -> dict[str, tuple[str, str, date, int]]:
    out = {}
    for p in persons:
        if p.doelgroep != "Asielstatushouder" or not p.active or p.pip is None or p.pip > peildatum:
            continue
        offers = [d(o.get("datumInburgeringsaanbod")) for o in (p.raw.get("inburgeringsaanbod") or {}).values()]
        if any(o is not None and o <= peildatum for o in offers):
            continue
        assert p.route is not None
        out[p.key] = (p.gemeente, p.route, p.pip, (peildatum - p.pip).days)
    return out


def lbt_per_leerroute(persons: Iterable[Person], *, van: date | None = None,
                      tot: date | None = None) -> Counter[tuple[str, str]]:
    pairs = {(p.key, p.route or "geen", r["resultaat"]) for p in persons
             for r in p.raw.get("leerbaarheidstoetsResultaten") or [] if _in(d(r.get("datumAfname")), van, tot)}
    return Counter((route, outcome) for _, route, outcome in pairs)


def instroom(persons: Iterable[Person], *, van: date | None = None,
             tot: date | None = None) -> Counter[tuple[str, str]]:
    return Counter((p.plicht["begindatum"][:7], p.doelgroep) for p in persons
                   if p.plicht.get("begindatum") and _in(d(p.plicht["begindatum"]), van, tot))


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class AowCase:
    gemeente: str
    age_at_start: int
    start: date
    pension: date  # the true pension date, from the birth date the graph never holds


def aow_cases(ggm: Path, key: bytes, aow_age: int) -> dict[str, AowCase]:
    """Every person with a running duty in the GGM database, with the age at the start and the true pension date."""
    pseudonym = Pseudonymiser(key)
    db = sqlite3.connect(f"file:{ggm}?mode=ro", uri=True)
    rows = db.execute("SELECT np.bsn, np.geboortedatum, i.gemeente, p.datum_start FROM inburgeringsplicht p "
                      "JOIN inburgeraar i ON i.id = p.inburgeraar_id JOIN natuurlijk_persoon np ON np.id = i.id "
                      "WHERE p.indicator_inburgeringsplicht IN (1, 'true', 'ja') AND p.datum_start IS NOT NULL "
                      "AND np.geboortedatum IS NOT NULL").fetchall()
    db.close()
    out = {}
    for bsn, born, gemeente, start in rows:
        born_d, start_d = date.fromisoformat(born), date.fromisoformat(start)
        out[pseudonym.bsn(bsn)] = AowCase(gemeente, age(born_d, start_d), start_d, add_years(born_d, aow_age))
    return out


def aow_signal(cases: dict[str, AowCase], peildatum: date, aow_age: int) -> dict[str, tuple[str, int, date, date]]:
    """The query's rule, in dates: the pension date lies after start + (AOW - L - 1) years and on or before
    start + (AOW - L) years; listed when that window meets (peildatum, peildatum + 6 months]."""
    until = add_offset(peildatum, "P6M")
    out = {}
    for person, c in cases.items():
        earliest = add_years(c.start, aow_age - c.age_at_start - 1)
        latest = add_years(c.start, aow_age - c.age_at_start)
        if earliest < until and latest > peildatum:
            out[person] = (c.gemeente, c.age_at_start, earliest, latest)
    return out
