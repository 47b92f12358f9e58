"""Measuring one step: run it in a fresh child process, take its wall time and peak memory, repeat, take medians.

A step is a function in :mod:`bench.steps` that takes keyword arguments and returns a JSON-ready dict. Each run
is a separate ``python -m bench.steps`` process, so peak memory (``ru_maxrss`` of that process) belongs to that
step alone and no run warms the caches of the next in-process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Measurement:
    """Medians over the runs of one step (``capped`` when a run hit the time cap and was stopped)."""

    step: str
    runs: int
    seconds: float | None
    seconds_all: list[float]
    peak_mb: float | None
    capped: bool = False
    cap_seconds: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "runs": self.runs, "seconds": self.seconds, "seconds_all": self.seconds_all,
                "peak_mb": self.peak_mb, "capped": self.capped, "cap_seconds": self.cap_seconds, **self.extra}


def run_child(step: str, args: dict[str, Any], *, cap: float | None = None) -> dict[str, Any] | None:
    """Run one step once in a child process; ``None`` when it was stopped at ``cap`` seconds."""
    command = [sys.executable, "-m", "bench.steps", step, json.dumps(args)]
    env = dict(os.environ, PYTHONHASHSEED="0")
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=cap, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"bench step {step} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result.setdefault("wall_seconds", time.perf_counter() - started)
    return result


def measure(step: str, args: dict[str, Any], *, runs: int, cap: float | None = None,
            log: Any = print, before: Any = None) -> Measurement:
    """Run ``step`` ``runs`` times; medians of its own ``seconds`` and of its peak memory.

    A capped run ends the series: the measurement then reports the cap, not a time.
    """
    seconds: list[float] = []
    peaks: list[float] = []
    extras: list[dict[str, Any]] = []
    for i in range(runs):
        if before is not None:
            before()  # e.g. a fresh target store for every run
        result = run_child(step, args, cap=cap)
        if result is None:
            log(f"  {step}: stopped at the cap of {cap:.0f} s")
            return Measurement(step, i + 1, None, seconds, max(peaks) if peaks else None, True, cap)
        seconds.append(result.pop("seconds"))
        peaks.append(result.pop("peak_mb"))
        result.pop("wall_seconds", None)
        extras.append(result)
        log(f"  {step} run {i + 1}/{runs}: {seconds[-1]:.2f} s (CPU {result.get('cpu_s', 0):.0f} s), "
            f"peak {peaks[-1]:.0f} MB")
    return Measurement(step, runs, statistics.median(seconds), seconds, statistics.median(peaks),
                       extra=_median_extras(extras))


def _median_extras(extras: list[dict[str, Any]]) -> dict[str, Any]:
    """Numbers become their median across runs; anything else is taken from the last run."""
    out: dict[str, Any] = dict(extras[-1]) if extras else {}
    for key, value in out.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = statistics.median(e[key] for e in extras)
    return out
