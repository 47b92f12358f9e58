"""``generate()``: synthetic persons in one source format, with injected defects and their ``defects.json``."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from inburgering.errors import UsageError
from inburgering.generate.defects import KINDS, assign, manifest_entry
from inburgering.generate.people import Needs, make_person
from inburgering.generate.writers import FORMATS, open_writer

#: Fixed, so that a seed always gives the same data (override with ``reference_date``).
DEFAULT_REFERENCE_DATE = date(2026, 11, 1)
#: The earliest reference date that leaves room for the Wi2021 timeline (duty from 2022, exams after a year).
EARLIEST_REFERENCE_DATE = date(2024, 10, 1)


@cache
def bsn_pool() -> tuple[str, ...]:
    """Every BSN of the test range 9999xxxxx that passes the elfproef (9,091 of them), ascending."""
    out = []
    for prefix in range(99990000, 100000000):
        digits = str(prefix)
        check = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        if check <= 9:
            out.append(digits + str(check))
    return tuple(out)


def bsn_order(seed: int) -> list[str]:
    """The test BSNs in the order persons get them for ``seed``."""
    pool = list(bsn_pool())
    random.Random(f"bsn/{seed}").shuffle(pool)
    return pool


@dataclass(frozen=True)
class GenerateReport:
    format: str
    out: Path
    defects_file: Path
    persons: int
    defects: int
    by_kind: dict[str, int] = field(default_factory=dict)
    asielstatushouders: int = 0
    seconds: float = 0.0

    @property
    def persons_per_second(self) -> float:
        return self.persons / self.seconds if self.seconds else 0.0


def _check(persons: int, defects: float, fmt: str, reference_date: date, reuse_bsns: bool) -> None:
    if persons < 0:
        raise UsageError("--persons must be 0 or more")
    if not 0.0 <= defects <= 1.0:
        raise UsageError("--defects must be a fraction between 0 and 1")
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    if reference_date < EARLIEST_REFERENCE_DATE:
        raise UsageError(f"--reference-date must be {EARLIEST_REFERENCE_DATE} or later")
    if persons > len(bsn_pool()) and not reuse_bsns:
        raise UsageError(f"only {len(bsn_pool()):,} test BSNs exist (9999xxxxx passing the elfproef); "
                         f"{persons:,} persons need --reuse-bsns (then BSNs repeat every {len(bsn_pool()):,} persons)")


def generate(*, persons: int, seed: int, defects: float, format: str, out: Path,
             reference_date: date = DEFAULT_REFERENCE_DATE, reuse_bsns: bool = False) -> GenerateReport:
    """Write ``persons`` synthetic persons to ``out`` in ``format`` and ``defects.json`` beside it.

    Streams: memory does not grow with ``persons``. The same seed and reference date give the same persons
    (BSNs and facts) and the same defects in every format.
    """
    _check(persons, defects, format, reference_date, reuse_bsns)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    chosen = assign(seed, persons, defects)
    bsns = bsn_order(seed)
    manifest, asiel = [], 0
    writer = open_writer(format, out)
    try:
        for index in range(persons):
            kind = chosen.get(index)
            person = make_person(seed, index, bsns[index % len(bsns)], reference_date, kind.needs if kind else Needs())
            if kind is not None:
                kind.apply(person, random.Random(f"defect/{seed}/{index}"), reference_date)
                manifest.append(manifest_entry(person, kind))
            asiel += person.asiel
            writer.write(person)
    finally:
        writer.close()
    defects_file = out.parent / "defects.json"
    defects_file.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    counts = Counter(entry["kind"] for entry in manifest)
    return GenerateReport(format, out, defects_file, persons, len(manifest),
                          {k.name: counts[k.name] for k in KINDS if counts[k.name]}, asiel,
                          time.perf_counter() - started)
