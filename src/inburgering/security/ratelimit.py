"""A token-bucket rate limit per caller (token id, or client address for anonymous callers).

The buckets live in the process: with several worker processes each has its own, so the effective limit is
the configured one times the number of workers (docs/security.md).

>>> limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: 0.0)
>>> limiter.check("t1"); limiter.check("t1")
>>> limiter.check("t1")
Traceback (most recent call last):
...
inburgering.security.scope.RateLimited: too many requests: at most 60 a minute (burst 2); retry in 1 s
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from inburgering.security.scope import RateLimited

MAX_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` requests a minute on average, up to ``burst`` at once, per key."""

    def __init__(self, *, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("rate limit and burst must be positive")
        self.per_minute, self.burst = per_minute, burst
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one request from ``key``'s bucket; raises ``RateLimited`` when it is empty."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_BUCKETS:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = math.ceil((1.0 - bucket.tokens) / self.rate)
                raise RateLimited(f"too many requests: at most {self.per_minute} a minute (burst {self.burst}); "
                                  f"retry in {wait} s", retry_after_s=wait)
            bucket.tokens -= 1.0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled: forgetting them changes nothing, and memory stays bounded."""
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:  # all busy: forget the oldest half rather than grow without end
            for key in sorted(self._buckets, key=lambda k: self._buckets[k].updated)[: MAX_BUCKETS // 2]:
                del self._buckets[key]
