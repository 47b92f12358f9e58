"""A trajectory as a timeline chart: inline SVG drawn on the server (no script, no external file, so it works
offline and under the strict CSP), one lane per kind of event, spans as bars and moments as marks.

>>> from datetime import date
>>> svg = timeline_svg([Event("PIP", "PIP vastgesteld", date(2023, 2, 21), css="milestone")],
...                    today=date(2024, 1, 1))
>>> svg.startswith("<svg") and 'data-lane="PIP"' in svg and "<script" not in svg
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

WIDTH, LABEL_WIDTH, RIGHT, ROW, AXIS = 960, 170, 16, 26, 28
#: Days added before the first and after the last event, so marks at the ends stay inside the chart.
MARGIN_DAYS = 45
#: The chart reaches out to today when today is at most this long after the last event.
TODAY_REACH_DAYS = 730


@dataclass(frozen=True)
class Event:
    """Something on the timeline: a moment (``end`` None) or a span, in a lane; ``css`` chooses its look."""

    lane: str
    label: str
    start: date
    end: date | None = None
    css: str = ""
    special: bool = False

    @property
    def when(self) -> str:
        """``dd-mm-jjjj`` or ``dd-mm-jjjj – dd-mm-jjjj``."""
        text = dutch_date(self.start)
        return f"{text} – {dutch_date(self.end)}" if self.end else text


def dutch_date(day: date) -> str:
    """The date as a Dutch reader writes it.

    >>> dutch_date(date(2023, 2, 1))
    '01-02-2023'
    """
    return day.strftime("%d-%m-%Y")


def lanes_of(events: Sequence[Event]) -> list[str]:
    """The lanes in the order their first event was given (the caller orders them by meaning)."""
    return list(dict.fromkeys(e.lane for e in events))


class _Scale:
    def __init__(self, first: date, last: date) -> None:
        self.first = first - timedelta(days=MARGIN_DAYS)
        self.last = last + timedelta(days=MARGIN_DAYS)
        self.days = max(1, (self.last - self.first).days)

    def x(self, day: date) -> float:
        return round(LABEL_WIDTH + (day - self.first).days * (WIDTH - LABEL_WIDTH - RIGHT) / self.days, 1)


def _axis(scale: _Scale, bottom: int) -> list[str]:
    parts = []
    for year in range(scale.first.year, scale.last.year + 1):
        for month in (1, 4, 7, 10):
            day = date(year, month, 1)
            if scale.first <= day <= scale.last:
                x = scale.x(day)
                major = month == 1
                parts.append(f'<line class="{"grid-year" if major else "grid"}" x1="{x}" y1="{AXIS - 6}" '
                             f'x2="{x}" y2="{bottom}"/>')
                if major and x + 32 < WIDTH:  # a year label that would not fit is left out
                    parts.append(f'<text class="axis" x="{x + 3}" y="{AXIS - 10}">{year}</text>')
    return parts


def _mark(event: Event, scale: _Scale, row: int) -> str:
    y = AXIS + row * ROW + ROW // 2
    title = f"<title>{escape(event.label)} ({escape(event.when)})</title>"
    css = " ".join(c for c in ("mark", event.css, "special" if event.special else "") if c)
    attrs = f'class="{css}" data-lane="{escape(event.lane)}" data-date="{event.start.isoformat()}"'
    if event.end is not None:
        x1, x2 = scale.x(event.start), scale.x(max(event.end, event.start))
        return (f'<g {attrs} data-end="{event.end.isoformat()}">{title}'
                f'<rect x="{x1}" y="{y - 6}" width="{max(2.0, round(x2 - x1, 1))}" height="12" rx="3"/></g>')
    x = scale.x(event.start)
    if "milestone" in event.css:
        shape = f'<path d="M{x} {y - 7}L{x + 7} {y}L{x} {y + 7}L{x - 7} {y}Z"/>'
    else:
        shape = f'<circle cx="{x}" cy="{y}" r="5.5"/>'
    return f"<g {attrs}>{title}{shape}</g>"


def timeline_svg(events: Sequence[Event], *, today: date, title: str = "Traject") -> str:
    """The chart of ``events`` (at least one), with a line at ``today`` when it falls inside."""
    lanes = lanes_of(events)
    ends = [e.end or e.start for e in events]
    first, last = min(e.start for e in events), max(ends)
    if first <= today <= last + timedelta(days=TODAY_REACH_DAYS):  # where the person stands now
        last = max(last, today)
    scale = _Scale(first, last)
    height = AXIS + len(lanes) * ROW + 8
    summary = (f"{len(events)} gebeurtenissen van {dutch_date(min(e.start for e in events))} tot "
               f"{dutch_date(max(ends))}; de tabel 'Tijdlijn' bevat dezelfde gegevens.")
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{WIDTH}" '
              f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-labelledby="timeline-title timeline-desc">'),
             f'<title id="timeline-title">{escape(title)}</title><desc id="timeline-desc">{escape(summary)}</desc>']
    for row, lane in enumerate(lanes):
        y = AXIS + row * ROW
        parts.append(f'<rect class="lane{" odd" if row % 2 else ""}" x="0" y="{y}" width="{WIDTH}" height="{ROW}"/>'
                     f'<text class="lane-label" x="{LABEL_WIDTH - 8}" y="{y + ROW // 2 + 4}">{escape(lane)}</text>')
    parts += _axis(scale, height - 8)
    if scale.first <= today <= scale.last:
        x = scale.x(today)
        anchor = "end" if x > WIDTH - 60 else "start"
        parts.append(f'<g class="today"><line x1="{x}" y1="{AXIS - 6}" x2="{x}" y2="{height - 8}"/>'
                     f'<text x="{x - 3 if anchor == "end" else x + 3}" y="{height - 10}" text-anchor="{anchor}">'
                     "vandaag</text></g>")
    for event in sorted(events, key=lambda e: (e.end is None, e.start)):  # bars first, marks on top
        parts.append(_mark(event, scale, lanes.index(event.lane)))
    parts.append("</svg>")
    return "".join(parts)
