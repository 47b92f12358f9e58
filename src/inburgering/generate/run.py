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
from inburgering.generate.defects import KINDS, DefectKind, assign, manifest_entry
from inburgering.generate.people import GEMEENTEN, Needs, make_person
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


#: The most parts: part 2 and later get municipality codes from GM5000 up (20 per part) to GM9999.
MAX_PARTS = 250
#: First code of the synthetic municipalities of parts 2, 3, …; real CBS municipality codes are below GM2000.
PART_GEMEENTE_BASE = 5000


def part_gemeenten(part: int) -> tuple[str, ...]:
    """The municipality codes of part ``part`` (1-based), in the order and with the weights of ``GEMEENTEN``.

    Part 1 has the real codes; every later part its own synthetic codes, so that no two parts share a municipality
    (a load replaces a municipality's previously published data, so parts loaded one after another must not overlap).

    >>> part_gemeenten(1)[:2], part_gemeenten(2)[:2], part_gemeenten(3)[-1]
    (('GM0363', 'GM0599'), ('GM5000', 'GM5001'), 'GM5039')
    """
    if part == 1:
        return tuple(code for code, _ in GEMEENTEN)
    first = PART_GEMEENTE_BASE + (part - 2) * len(GEMEENTEN)
    return tuple(f"GM{first + j:04d}" for j in range(len(GEMEENTEN)))


def part_sizes(persons: int, parts: int) -> list[int]:
    """``persons`` split over ``parts`` as evenly as possible, larger parts first.

    >>> part_sizes(130_000, 15)[:2], sum(part_sizes(130_000, 15)), part_sizes(5, 3)
    ([8667, 8667], 130000, [2, 2, 1])
    """
    return [persons // parts + (1 if k < persons % parts else 0) for k in range(parts)]


def part_path(out: Path, part: int) -> Path:
    """Where part ``part`` (1-based) of a generation split with ``--parts`` goes: ``part-01/`` beside ``out``."""
    return Path(out).parent / f"part-{part:02d}" / Path(out).name


def generate(*, persons: int, seed: int, defects: float, format: str, out: Path,
             reference_date: date = DEFAULT_REFERENCE_DATE, reuse_bsns: bool = False) -> GenerateReport:
    """Write ``persons`` synthetic persons to ``out`` in ``format`` and ``defects.json`` beside it.

    Streams: memory does not grow with ``persons``. The same seed and reference date give the same persons
    (BSNs and facts) and the same defects in every format.
    """
    _check(persons, defects, format, reference_date, reuse_bsns)
    return _write(range(persons), assign(seed, persons, defects), bsn_order(seed), part_gemeenten(1), seed=seed,
                  format=format, out=Path(out), reference_date=reference_date)


def generate_parts(*, persons: int, parts: int, seed: int, defects: float, format: str, out: Path,
                   reference_date: date = DEFAULT_REFERENCE_DATE) -> list[GenerateReport]:
    """``persons`` split into ``parts`` source files, each of distinct persons and its own municipalities.

    The test range has only 9,091 BSNs, so one file cannot hold more distinct persons. A larger data set (the
    national benchmark: 130,000 persons) is made of parts of at most 9,091 persons each, as DUO sends per
    municipality: part *k* goes to ``part-{k:02d}/`` beside ``out`` (with its ``defects.json``) and holds its own
    municipalities (:func:`part_gemeenten`). Every part takes its BSNs from the start of the same test-range order,
    so BSNs repeat *between* parts, and each part must be loaded with its own pseudonymisation key to give
    distinct persons (a synthetic-benchmark device: one deployment has one key). Person *i* has the same facts and
    defect as in ``generate`` with the same seed; only the municipality codes of parts 2 and later and the BSNs
    differ.
    """
    if not 1 <= parts <= MAX_PARTS:
        raise UsageError(f"--parts must be between 1 and {MAX_PARTS}")
    sizes = part_sizes(persons, parts)
    _check(persons, defects, format, reference_date, reuse_bsns=True)
    if sizes and sizes[0] > len(bsn_pool()):
        raise UsageError(f"only {len(bsn_pool()):,} test BSNs exist (9999xxxxx passing the elfproef): "
                         f"{persons:,} persons in {parts} parts gives {sizes[0]:,} per part; use at least "
                         f"--parts {-(-persons // len(bsn_pool()))}")
    chosen, bsns = assign(seed, persons, defects), bsn_order(seed)
    reports, start = [], 0
    for k, size in enumerate(sizes, start=1):
        indices = range(start, start + size)
        reports.append(_write(indices, {i: chosen[i] for i in indices if i in chosen}, bsns, part_gemeenten(k),
                              seed=seed, format=format, out=part_path(out, k), reference_date=reference_date))
        start += size
    return reports


def _write(indices: range, chosen: dict[int, DefectKind], bsns: list[str], gemeenten: tuple[str, ...], *,
           seed: int, format: str, out: Path, reference_date: date) -> GenerateReport:
    """Persons ``indices`` to ``out`` (person ``indices[j]`` gets ``bsns[j % len(bsns)]``), defects.json beside."""
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    manifest, asiel = [], 0
    writer = open_writer(format, out)
    try:
        for j, index in enumerate(indices):
            kind = chosen.get(index)
            person = make_person(seed, index, bsns[j % len(bsns)], reference_date, kind.needs if kind else Needs(),
                                 gemeenten)
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
    return GenerateReport(format, out, defects_file, len(indices), len(manifest),
                          {k.name: counts[k.name] for k in KINDS if counts[k.name]}, asiel,
                          time.perf_counter() - started)
