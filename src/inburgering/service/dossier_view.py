"""The dossier page model: a person's facts (``dossier.Facts``) as a case worker reads them.

Key facts, the trajectory as timeline events (duty, term and its extensions, PIP, learning route, offer,
learnability test, exams per component, MAP, PVT, decisions), exam results and decisions as tables. Nothing is
computed from rules here (deadlines and statuses are derived facts of their own, issue 14 §2): the page shows
the recorded dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import NamedNode

from inburgering.namespaces import VOCAB
from inburgering.service.dossier import Facts, Resource
from inburgering.service.timeline import Event, dutch_date, timeline_svg


@dataclass(frozen=True)
class Cell:
    """A value in a table: its text, a date for ``<time>``, and a link."""

    text: str
    day: date | None = None
    iri: str | None = None


@dataclass
class DossierView:
    iri: str
    pseudonym: str
    gemeente: str
    summary: list[tuple[str, Cell]] = field(default_factory=list)
    exams: list[dict[str, Cell]] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    decisions: list[dict[str, object]] = field(default_factory=list)
    hours: list[dict[str, Cell]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    timeline: str = ""


def _notation(value: object) -> str:
    return value.value.rsplit("/", 1)[-1] if isinstance(value, NamedNode) else ""


def _day_cell(day: date | None) -> Cell:
    return Cell(dutch_date(day) if day else "—", day)


def _span(lane: str, label: str, start: date | None, end: date | None, css: str, *,
          special: bool = False) -> list[Event]:
    if start is None:
        return []
    return [Event(lane, label, start, end if end and end >= start else None, css, special)]


def _duty_events(facts: Facts, duty: Resource | None, term: Resource | None) -> list[Event]:
    events: list[Event] = []
    if duty is not None:
        end = duty.day("einddatum") or (term.day("einddatum") if term else None)
        events += _span("Inburgeringsplicht", "inburgeringsplicht", duty.day("begindatum"), end, "duty")
        events += _span("Inburgeringsplicht", "kennisgeving door DUO", duty.day("datumKennisgeving"), None, "notice")
    if term is not None:
        events += _span("Inburgeringstermijn", "inburgeringstermijn", term.day("startdatum"), term.day("einddatum"),
                        "term")
        for extension in facts.linked(term, "heeftVerlenging"):
            ground = facts.label(extension.first("verlengingsgrond"))
            until = extension.day("einddatum")
            label = f"verlenging ({ground})" + (f" tot {dutch_date(until)}" if until else "")
            events += _span("Inburgeringstermijn", label, extension.day("wijzigingsdatum") or until, None, "extension")
        events += _span("Inburgeringstermijn", "einde termijn", term.day("einddatum"), None, "milestone term-end")
    return events


def _route_events(facts: Facts, pip: Resource | None, route: Resource | None, term: Resource | None) -> list[Event]:
    events: list[Event] = []
    if pip is not None:
        events += _span("PIP", "PIP vastgesteld", pip.day("dagtekening"), None, "milestone pip")
    if route is not None and pip is not None:
        name = facts.label(route.first("leerrouteType")) or "leerroute"
        end = route.day("datumAfrondingZroute") or (term.day("einddatum") if term else None)
        events += _span("Leerroute", name, pip.day("dagtekening"), end,
                        f"route route-{_notation(route.first('leerrouteType'))}")
    for offer in facts.linked(facts.get(facts.person), "heeftInburgeringsaanbod"):
        events += _span("Inburgeringsaanbod", "opleiding (verwacht)", offer.day("verwachteStartdatumOpleiding"),
                        offer.day("verwachteEinddatumOpleiding"), "offer")
    for test in facts.linked(facts.get(facts.person), "heeftLeerbaarheidstoetsResultaat"):
        outcome = facts.label(test.first("leerbaarheidstoetsUitkomst"))
        events += _span("Leerbaarheidstoets", f"leerbaarheidstoets: {outcome}", test.day("datumAfname"), None, "test")
    return events


def _exam_rows(facts: Facts, person: Resource) -> tuple[list[dict[str, Cell]], list[Event], list[str]]:
    rows, events, passed = [], [], []
    exams = sorted(facts.linked(person, "heeftExamenresultaat"), key=lambda e: (e.day("examendatum") or date.min,
                                                                                e.iri))
    for exam in exams:
        part, result = exam.first("examenonderdeel"), exam.first("resultaat")
        day = exam.day("examendatum")
        rows.append({"datum": _day_cell(day), "onderdeel": Cell(facts.label(part)),
                     "code": Cell(_notation(part)), "niveau": Cell(facts.label(exam.first("niveau"))),
                     "resultaat": Cell(facts.label(result), iri=exam.iri),
                     "reden": Cell(facts.label(exam.first("redenGeenResultaat"))),
                     "css": Cell(f"exam-{_notation(result).lower()}")})
        if day is not None:
            events.append(Event(f"Examen {_notation(part)}", f"{facts.label(part)}: {facts.label(result)}", day,
                                css=f"exam exam-{_notation(result).lower()}"))
        if _notation(result) == "Geslaagd" and _notation(part) not in passed:
            passed.append(_notation(part))
    events.sort(key=lambda e: (e.lane, e.start))  # one lane per component, in the order of their codes
    return rows, events, sorted(passed)


def _decisions(facts: Facts, duty: Resource | None) -> tuple[list[dict[str, object]], list[Event]]:
    rows: list[dict[str, object]] = []
    events: list[Event] = []
    for link, lane in (("heeftOntheffing", "Ontheffingen"), ("heeftVrijstelling", "Vrijstellingen")):
        for decision in facts.linked(duty, link):
            kinds = sorted(t for t in decision.types if t not in ("Ontheffing", "Vrijstelling")) or sorted(decision.types)
            kind = facts.label(NamedNode(VOCAB + kinds[0])) if kinds else lane
            ground = decision.first("ontheffingsgrond") or decision.first("redenVrijstelling")
            day = decision.day("datumOordeel")
            rows.append({"soort": kind, "datum": _day_cell(day),
                         "grond": facts.label(ground), "onderdeel": facts.label(decision.first("examenonderdeel")),
                         "oordeel": facts.label(decision.first("oordeel")), "special": decision.special,
                         "iri": decision.iri})
            label = f"{kind}: {facts.label(ground)} ({facts.label(decision.first('oordeel'))})"
            events += _span(lane, label, day, None, "decision", special=decision.special)
            events += _span(lane, "vrijstelling geldt", decision.day("startdatum"), decision.day("einddatum"),
                            "exemption", special=decision.special)
    return rows, events


def _summary(facts: Facts, person: Resource, duty: Resource | None, pip: Resource | None,
             route: Resource | None, term: Resource | None) -> list[tuple[str, Cell]]:
    def day(resource: Resource | None, name: str) -> Cell:
        return _day_cell(resource.day(name) if resource else None)

    route_text = facts.label(route.first("leerrouteType")) if route else "—"
    if route is not None and route.first("niveau") is not None:
        route_text += f" (niveau {facts.label(route.first('niveau'))})"
    extensions = len(facts.linked(term, "heeftVerlenging"))
    return [("Doelgroep", Cell(facts.label(person.first("doelgroep")) or "—")),
            ("Gedetailleerde doelgroep", Cell(facts.label(person.first("gedetailleerdeDoelgroep")) or "—")),
            ("Gemeente", Cell(facts.gemeente or "—")),
            ("Inburgeringsplichtig sinds", day(duty, "begindatum")),
            ("PIP vastgesteld", day(pip, "dagtekening")),
            ("Leerroute", Cell(route_text)),
            ("Einde inburgeringstermijn", day(term, "einddatum")),
            ("Verlengingen", Cell(str(extensions))),
            ("Eindgesprek MAP", day(facts.linked(person, "heeftMap")[0] if facts.linked(person, "heeftMap") else None,
                                    "datumEindgesprekMap")),
            ("PVT ondertekend", day(facts.linked(person, "heeftPvt")[0] if facts.linked(person, "heeftPvt") else None,
                                    "datumOndertekeningPvt"))]


def dossier_view(facts: Facts, *, today: date) -> DossierView:
    """The page model of the person in ``facts``."""
    person = facts.resources[facts.person]
    duty = next(iter(facts.linked(person, "heeftInburgeringsplicht")), None)
    term = next(iter(facts.linked(duty, "heeftInburgeringstermijn")), None)
    pip = next(iter(facts.linked(person, "heeftPip")), None)
    route = next((r for r in facts.resources.values() if pip is not None and pip.iri in r.links("afgesprokenIn")),
                 None)
    view = DossierView(facts.person, facts.label(person.first("pseudoniem")), facts.gemeente)
    view.summary = _summary(facts, person, duty, pip, route, term)
    view.exams, exam_events, view.passed = _exam_rows(facts, person)
    view.decisions, decision_events = _decisions(facts, duty)
    view.hours = [{"bekend tot": _day_cell(h.day("bekendTot")), **{name: Cell(facts.label(h.first(key)))
                                                                     for name, key in HOURS}}
                  for h in facts.linked(person, "heeftGevolgdeUren")]
    view.events = [*_duty_events(facts, duty, term), *_route_events(facts, pip, route, term), *exam_events]
    for name, link, field_name, label in MOMENTS:
        for moment in facts.linked(person, link):
            view.events += _span(name, label, moment.day(field_name), None, "milestone")
    view.events += decision_events
    if view.events:
        view.timeline = timeline_svg(view.events, today=today, title=f"Traject van inburgeraar {view.pseudonym[:8]}…")
    return view


#: Hours as DUO reports them (column title, property).
HOURS = (("taalles en KNM in de brede intake", "urenTaallesEnKnm"),
         ("Nederlands en KNM in de leerroute", "urenParticipatieAlsTaalles"),
         ("participatieactiviteiten", "urenParticipatieactiviteiten"))
#: Moments of the learning route shown on their own lane (lane, link, date property, label).
MOMENTS = (("MAP", "heeftMap", "datumEindgesprekMap", "eindgesprek MAP"),
           ("PVT", "heeftPvt", "datumOndertekeningPvt", "PVT ondertekend"))
