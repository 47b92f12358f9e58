"""The loader's progress bar: persons done of the total, rate and time left, on a terminal only.

The total is counted cheaply before the load (the lines of a ``.jsonl`` bundle, the rows of the GGM person
table); when it cannot be, the bar shows the count and the rate alone. Nothing is written when the stream is
not a terminal (a pipe, a file, CI), so scripts and logs see only the load report.

>>> import io
>>> bar = ProgressBar(total=10, stream=io.StringIO())
>>> bar.active, bar.render(5, elapsed=2.0)
(False, '[###############---------------]  5/10 persons  2.5/s  ETA 0:02')
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from inburgering.sources.ggm_model import PERSON_TABLE


def _lines(path: Path) -> int:
    """Newline-terminated lines of a file, plus a last line without one: counted in chunks, never read whole."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _table_rows(location: str, kind: str) -> int:
    if kind == "ggm-csv":
        return max(_lines(Path(location) / f"{PERSON_TABLE}.csv") - 1, 0)  # the header row
    if kind == "ggm-sqlite":
        with sqlite3.connect(f"{Path(location).resolve().as_uri()}?mode=ro", uri=True) as db:
            return int(db.execute(f'SELECT COUNT(*) FROM "{PERSON_TABLE}"').fetchone()[0])
    from sqlalchemy import create_engine, text

    engine = create_engine(location)
    try:
        with engine.connect() as db:
            return int(db.execute(text(f'SELECT COUNT(*) FROM "{PERSON_TABLE}"')).scalar_one())
    finally:
        engine.dispose()


def count_persons(sources: Sequence[tuple[str, str]]) -> int | None:
    """How many persons ``(location, kind)`` sources hold, or ``None`` when one cannot be counted cheaply.

    A bundle counts its lines (a blank line is counted, and skipped by the reader); a GGM source its person rows.
    """
    total = 0
    for location, kind in sources:
        try:
            total += _lines(Path(location)) if kind == "duo" else _table_rows(location, kind)
        except Exception:  # noqa: BLE001 - a bar without a total is still a bar; the load reports real errors
            return None
    return total


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """Call it with the number of persons done; it redraws one line on ``stream`` when that is a terminal."""

    def __init__(self, total: int | None, *, stream: TextIO | None = None, width: int = 30,
                 interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.active = self.stream.isatty()
        self.total = total if total else None
        self.width, self.interval, self.clock = width, interval, clock
        #: The time of the first person: opening the sources and counting them is not reading.
        self.started: float | None = None
        self.last_draw: float | None = None
        self.count = 0

    def render(self, done: int, *, elapsed: float) -> str:
        """The bar's text for ``done`` persons after ``elapsed`` seconds."""
        rate = done / elapsed if elapsed > 0 else 0.0
        speed = f"{rate:.1f}/s" if rate < 10 else f"{rate:,.0f}/s"
        if self.total is None:
            return f"{done:,} persons  {speed}"
        filled = min(self.width, self.width * done // self.total)
        eta = f"  ETA {_duration((self.total - done) / rate)}" if rate > 0 and done < self.total else ""
        return f"[{'#' * filled}{'-' * (self.width - filled)}]  {done:,}/{self.total:,} persons  {speed}{eta}"

    def _draw(self, now: float) -> None:
        elapsed = now - self.started if self.started is not None else 0.0
        self.stream.write("\r" + self.render(self.count, elapsed=elapsed) + "\x1b[K")
        self.stream.flush()
        self.last_draw = now

    def __call__(self, done: int) -> None:
        self.count = done
        if not self.active:
            return
        now = self.clock()
        if self.started is None:
            self.started = now
        if self.last_draw is None or now - self.last_draw >= self.interval:
            self._draw(now)

    def done(self) -> None:
        """Draw the final state and end the line (nothing when not on a terminal)."""
        if self.active:
            self._draw(self.clock())
            self.stream.write("\n")
            self.stream.flush()
