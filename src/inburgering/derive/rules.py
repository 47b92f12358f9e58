"""The rules that derive one person's facts from the index of a load; each rule is documented in its ontology term.

Dates are computed here, in Python: SPARQL engines differ on ``xsd:date + xsd:dayTimeDuration`` (Oxigraph 0.5
returns unbound in some queries), so no published fact depends on date arithmetic in a query.
docs/derived-facts.md lists the rules with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

from inburgering import namespaces as ns
from inburgering.derive.index import Index

#: The ten weeks within which the municipality sets the PIP.
PIP_TERMIJN = timedelta(days=70)
#: The exam components of the B1 route and the education route, in DUO's order.
ONDERDELEN = ("KNM", "LE", "LU", "SC", "SP")
#: Language levels in order; an exam or exemption counts when its level is at least the required one.
NIVEAUS = ("A1", "A2", "B1", "B2")
#: The required level of a route that gives none: B1 on the B1 route and the education route (DUO), A2 on the
#: Z route, where exams are voluntary and taken at A2.
DEFAULT_NIVEAU = {"B": "B1", "O": "B1", "Z": "A2"}
ROUTE_CLASSES = {"B1Route": "B", "Onderwijsroute": "O", "ZRoute": "Z"}
#: The values of ``inb:statusLeerroute`` (scheme ``leerroutestatus``).
AFGEROND, GEEN_PLICHT, GEEN_LEERROUTE, VERSTREKEN, LOPEND = (
    "Afgerond", "GeenLopendePlicht", "GeenLeerroute", "TermijnVerstreken", "Lopend")


@dataclass(frozen=True)
class DerivedFacts:
    """The derived facts of one person (``None``: not derived, for want of the facts it needs)."""

    #: The person's IRI.
    person: str
    uiterste_datum_pip: date | None = None
    dagen_tot_einde_termijn: int | None = None
    behaald: frozenset[str] = frozenset()
    #: ``None`` without a learning route; empty when nothing is required (any more).
    vereist: frozenset[str] | None = None
    status: str | None = None
    datum_eerste_examen: date | None = None
    dagen_van_pip_tot_eerste_examen: int | None = None


@cache
def _codes(scheme: str, notations: tuple[str, ...]) -> dict[str, str]:
    return {ns.concept_iri(scheme, n): n for n in notations}


def _code(index: Index, subject: str, name: str, scheme: str, notations: tuple[str, ...]) -> str | None:
    """The notation of the concept ``subject`` has for ``inb:{name}`` (one of ``notations``), or ``None``."""
    codes = _codes(scheme, notations)
    for o in index.objects(subject, name):
        code = codes.get(o) if type(o) is str else None
        if code is not None:
            return code
    return None


def _rank(niveau: str | None) -> int | None:
    return NIVEAUS.index(niveau) if niveau in NIVEAUS else None


def add_years(day: date, years: int) -> date:
    """``day`` plus ``years`` calendar years; 29 February becomes 28 February (as XPath ``date + P3Y``)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _latest(index: Index, nodes: list[str], name: str) -> str | None:
    """The node with the latest date in ``inb:{name}`` (ties and undated nodes: by IRI), or ``None``."""
    return max(nodes, key=lambda n: (index.date(n, name) or date.min, str(n)), default=None)


@dataclass(frozen=True)
class _Route:
    code: str | None
    required: int | None
    afronding_z: date | None


def _route(index: Index, pip: str | None) -> _Route:
    """The learning route agreed in ``pip``: its type code, the required level's rank, its Z-route completion."""
    routes = sorted(index.routes.get(pip, []), key=str) if pip is not None else []
    for route in routes:
        code = _code(index, route, "leerrouteType", "leerroute", ("B", "O", "Z"))
        code = code or next((c for k, c in ROUTE_CLASSES.items() if index.has_type(route, k)), None)
        if code is None:
            continue
        niveau = _code(index, route, "niveau", "niveau", NIVEAUS) or DEFAULT_NIVEAU[code]
        return _Route(code, _rank(niveau), index.date(route, "datumAfrondingZroute"))
    return _Route(None, None, None)


def _granted(index: Index, decision: str) -> bool:
    return _code(index, decision, "oordeel", "aanvraagoordeel", ("Toekenning", "Afwijzing")) == "Toekenning"


def _components(index: Index, decision: str, via: str) -> set[str]:
    """The exam components a partial exemption or dispensation is for: its own, or the exam result's (GGM)."""
    found = {c for c in [_code(index, decision, "examenonderdeel", "examenonderdeel", ONDERDELEN)] if c}
    for result in index.nodes(decision, via):
        code = _code(index, result, "examenonderdeel", "examenonderdeel", ONDERDELEN)
        if code:
            found.add(code)
    return found


def _released(index: Index, duties: list[str], required: int | None) -> tuple[set[str], bool]:
    """(components exempted or dispensed, whether a full exemption or dispensation was granted) over ``duties``."""
    components: set[str] = set()
    full = False
    for duty in duties:
        for v in index.nodes(duty, "heeftVrijstelling"):
            if not _granted(index, v) or index.has_type(v, "TijdelijkeVrijstelling"):
                continue
            if index.has_type(v, "GeheleVrijstelling"):
                full = True
                continue
            level = _rank(_code(index, v, "niveau", "niveau", NIVEAUS))
            if required is None or level is None or level >= required:
                components |= _components(index, v, "vrijstellingVoor")
        for o in index.nodes(duty, "heeftOntheffing"):
            if not _granted(index, o):
                continue
            if index.has_type(o, "GeheleOntheffing"):
                full = True
            else:
                components |= _components(index, o, "ontheffingVoor")
    return components, full


def _exams(index: Index, person: str, route: _Route) -> tuple[frozenset[str], date | None]:
    """(components passed at the required level, the date of the first exam taken and graded)."""
    passed: set[str] = set()
    first: date | None = None
    for result in index.nodes(person, "heeftExamenresultaat"):
        uitslag = _code(index, result, "resultaat", "examenresultaat", ("Geslaagd", "Gezakt", "Geen"))
        if uitslag not in ("Geslaagd", "Gezakt"):
            continue
        when = index.date(result, "examendatum")
        if when is not None and (first is None or when < first):
            first = when
        component = _code(index, result, "examenonderdeel", "examenonderdeel", ONDERDELEN)
        if uitslag != "Geslaagd" or component is None:
            continue
        level = _rank(_code(index, result, "niveau", "niveau", NIVEAUS))
        if component == "KNM" or route.required is None or level is None or level >= route.required:
            passed.add(component)
    return frozenset(passed), first


def _termijn_end(index: Index, duty: str) -> date | None:
    """The (exclusive) end date of the duty's period, after extensions."""
    termijn = _latest(index, index.nodes(duty, "heeftInburgeringstermijn"), "startdatum")
    if termijn is None:
        return None
    end = index.date(termijn, "einddatum")
    if end is not None:
        return end
    extended = [d for v in index.nodes(termijn, "heeftVerlenging") for d in index.dates(v, "einddatum")]
    if extended:
        return max(extended)
    start = index.date(termijn, "startdatum")
    return add_years(start, 3) if start is not None else None


def _deadline(index: Index, duty: str) -> date | None:
    """The PIP deadline: the notification or, when later, settling, else the duty's start; plus 70 days."""
    known = [d for d in (index.date(duty, "datumKennisgeving"), index.date(duty, "datumVestiging")) if d]
    start = max(known) if known else index.date(duty, "begindatum")
    return start + PIP_TERMIJN if start is not None else None


def _first_pip(index: Index, pips: list[str]) -> date | None:
    initial = [d for p in pips for d in index.dates(p, "dagtekeningInitielePip")]
    return min(initial) if initial else min((d for p in pips for d in index.dates(p, "dagtekening")), default=None)


def _status(route: _Route, open_: frozenset[str], *, running: bool, end: date | None, peildatum: date) -> str:
    """The learning-route status: the first of completed, no running duty, no route, expired, in progress."""
    if route.code in ("B", "O") and not open_:
        return AFGEROND
    if route.code == "Z" and route.afronding_z is not None and route.afronding_z <= peildatum:
        return AFGEROND
    if not running:
        return GEEN_PLICHT
    if route.code is None:
        return GEEN_LEERROUTE
    return VERSTREKEN if end is not None and end <= peildatum else LOPEND


def derive_person(index: Index, person: str, peildatum: date) -> DerivedFacts:
    """The derived facts of ``person`` on ``peildatum``."""
    current = [d for d in index.nodes(person, "heeftInburgeringsplicht") if index.boolean(d, "historisch") is not True]
    duty = _latest(index, current, "begindatum")
    pips = index.nodes(person, "heeftPip")
    route = _route(index, _latest(index, pips, "dagtekening"))
    passed, first = _exams(index, person, route)
    first_pip = _first_pip(index, pips)
    common = DerivedFacts(person, behaald=passed, datum_eerste_examen=first,
                          dagen_van_pip_tot_eerste_examen=(first - first_pip).days if first and first_pip else None)
    if duty is None:
        return common
    released, full = _released(index, current, route.required)
    ended = index.date(duty, "einddatum")
    running = (index.boolean(duty, "indicatorInburgeringsplicht") is not False and not full
               and (ended is None or ended >= peildatum))
    open_ = frozenset(ONDERDELEN) - passed - released
    end = _termijn_end(index, duty)
    return replace(
        common, uiterste_datum_pip=_deadline(index, duty),
        dagen_tot_einde_termijn=(end - peildatum).days if running and end is not None else None,
        vereist=None if route.code is None else (open_ if running and route.code in ("B", "O") else frozenset()),
        status=_status(route, open_, running=running, end=end, peildatum=peildatum))
