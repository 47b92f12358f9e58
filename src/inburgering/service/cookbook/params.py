"""The parameters of saved queries: their types, how a request's text becomes a typed value, and that value's RDF term.

A caller's text never reaches a query: it is parsed into a Python value of the parameter's type (a municipality
code checked against ``GM`` + four digits, a calendar date, a bounded integer), and only the pyoxigraph term made
from that value is written into the query (``binding.py``). Dates that a question needs relative to a parameter
(six months after the reference date, ten weeks before it) are computed here, in Python, never in SPARQL: the
embedded engine's date + duration arithmetic is unreliable (tests/store/test_engine_date_arithmetic.py).

>>> PARAMETERS["gemeente"].parse("gm0363")
'GM0363'
>>> str(term_for(PARAMETERS["peildatum"], date(2026, 11, 1)))
'"2026-11-01"^^<http://www.w3.org/2001/XMLSchema#date>'
>>> str(term_for(PARAMETERS["gemeente"], "GM0363"))
'<https://identifier.overheid.nl/tooi/id/gemeente/gm0363>'
>>> add_offset(date(2026, 8, 31), "P6M"), add_offset(date(2026, 11, 1), "-P10W")
(datetime.date(2027, 2, 28), datetime.date(2026, 8, 23))
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from pyoxigraph import Literal, NamedNode

from inburgering.errors import InburgeringError
from inburgering.namespaces import XSD, gemeente_iri

Value = str | date | int
Term = NamedNode | Literal
TYPES = ("gemeente", "date", "integer")
_GEMEENTE = re.compile(r"GM[0-9]{4}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_OFFSET = re.compile(r"(-?)P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?")


class ParameterError(InburgeringError):
    """A request gave a parameter value the query cannot take (answered with a 400 naming the parameter)."""


@dataclass(frozen=True)
class Text:
    """A text in Dutch and English."""

    nl: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


@dataclass(frozen=True)
class Parameter:
    """One parameter of a saved query. ``default`` ``"today"`` is the day of the request."""

    name: str
    type: str
    description: Text
    default: Value | None = None
    multiple: bool = False
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, text: str) -> Value:
        """The value ``text`` stands for; raises ``ParameterError`` saying what was expected."""
        text = text.strip()
        if self.type == "gemeente":
            code = text.upper()
            if not _GEMEENTE.fullmatch(code):
                raise ParameterError(f"{self.name}: {text[:40]!r} is not a municipality code (GM and four digits, "
                                     "e.g. GM0363)")
            return code
        if self.type == "date":
            try:
                return date.fromisoformat(text) if _DATE.fullmatch(text) else _bad_date(self.name, text)
            except ValueError:  # 2026-02-30
                return _bad_date(self.name, text)
        number = int(text) if re.fullmatch(r"-?[0-9]{1,9}", text) else None
        if number is None or (self.minimum is not None and number < self.minimum) or (
                self.maximum is not None and number > self.maximum):
            raise ParameterError(f"{self.name}: {text[:40]!r} is not a whole number from {self.minimum} to "
                                 f"{self.maximum}")
        return number

    def default_value(self, today: date) -> Value | None:
        return today if self.default == "today" else self.default

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "type": self.type, "multiple": self.multiple,
                                  "description": self.description.as_dict()}
        if self.default is not None:
            out["default"] = self.default if isinstance(self.default, (str, int)) else self.default.isoformat()
        if self.minimum is not None:
            out["minimum"], out["maximum"] = self.minimum, self.maximum
        return out


def _bad_date(name: str, text: str) -> date:
    raise ParameterError(f"{name}: {text[:40]!r} is not a date (YYYY-MM-DD, e.g. 2026-11-01)")


@dataclass(frozen=True)
class Computed:
    """A value derived from a date parameter in Python: the date moved by ``offset`` (ISO 8601, ``P6M``,
    ``-P10W``), as a date or as the number ``yyyymmdd`` (``as_number``)."""

    name: str
    source: str
    offset: str = "P0D"
    as_number: bool = False
    description: Text = field(default_factory=lambda: Text("", ""))

    def value(self, values: dict[str, list[Value]]) -> list[Value]:
        out: list[Value] = []
        for v in values.get(self.source, []):
            assert isinstance(v, date)
            try:
                moved = add_offset(v, self.offset)
            except (OverflowError, ValueError) as exc:  # 0001-01-01 minus six months: no such date
                raise ParameterError(f"{self.source}: {v.isoformat()} moved by {self.offset} is out of the "
                                     f"date range ({exc})") from None
            out.append(moved.year * 10_000 + moved.month * 100 + moved.day if self.as_number else moved)
        return out


def add_offset(day: date, offset: str) -> date:
    """``day`` moved by an ISO 8601 duration of years, months, weeks and days; a day past the end of the month
    becomes its last day (as XPath's date + yearMonthDuration)."""
    match = _OFFSET.fullmatch(offset)
    if match is None or offset in ("P", "-P"):
        raise ValueError(f"not a duration of years, months, weeks and days: {offset!r}")
    sign = -1 if match.group(1) else 1
    years, months, weeks, days = (int(g or 0) for g in match.groups()[1:])
    total = day.month - 1 + sign * (12 * years + months)
    year, month = day.year + total // 12, total % 12 + 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return moved + timedelta(days=sign * (7 * weeks + days))


def term_for(parameter: Parameter | Computed, value: Value) -> Term:
    """The RDF term of a parsed value: a municipality's TOOI IRI, an ``xsd:date``, an ``xsd:integer``."""
    if isinstance(parameter, Parameter) and parameter.type == "gemeente":
        return NamedNode(gemeente_iri(str(value)))
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=NamedNode(XSD + "date"))
    return Literal(str(int(value)), datatype=NamedNode(XSD + "integer"))


#: The parameters most questions share; a query names them in its header, or declares its own.
PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    Parameter("gemeente", "gemeente", Text(
        "Gemeente(n) als GM-code (bijv. GM0363); herhaal voor meer gemeenten. Zonder: alle gemeenten die het "
        "token mag lezen.",
        "Municipality code(s) (e.g. GM0363); repeat for more. Without: every municipality the token reads."),
        multiple=True),
    Parameter("peildatum", "date", Text(
        "Peildatum (JJJJ-MM-DD): de dag waarop de vraag gesteld wordt. Standaard vandaag.",
        "Reference date (YYYY-MM-DD): the day the question is asked for. Default: today."), default="today"),
    Parameter("van", "date", Text(
        "Begin van de periode (JJJJ-MM-DD, inclusief). Zonder: geen ondergrens.",
        "Start of the period (YYYY-MM-DD, inclusive). Without: no lower bound.")),
    Parameter("tot", "date", Text(
        "Einde van de periode (JJJJ-MM-DD, exclusief). Zonder: geen bovengrens.",
        "End of the period (YYYY-MM-DD, exclusive). Without: no upper bound.")),
)}
