"""Fair scheduling of client queries: anonymous callers get a bounded share of the query workers.

Two anonymous slow queries used to hold both query workers, so an analyst's ``ASK {}`` waited 9 s. ``FairEngine``
wraps two engines: anonymous jobs (``QueryJob.anonymous``) run only in the ``public`` engine, at most
``public_slots`` at a time, with their own (shorter) time limit; at most ``public_queue`` more wait, for at most
one such time limit, and the rest get a 503 at once. Jobs of token holders run in the ``protected`` engine and
borrow a free public slot when all of theirs are busy, never the other way round. With separate worker pools,
anonymous load (slow queries, queries that time out and cost a worker restart, queries that crash a worker)
never touches the token holders' workers. When both are one engine (threads for a remote store), only the caps
apply.

>>> import asyncio
>>> class Echo:
...     async def execute(self, job, *, timeout_s): return QueryAnswer(body=f"{job.query} {timeout_s:g}".encode())
...     async def aclose(self): pass
>>> fair = FairEngine(protected=Echo(), public=Echo(), public_slots=1, protected_slots=2, public_timeout_s=5)
>>> job = QueryJob("ASK {}", (), (), "application/json", 10, anonymous=True)
>>> asyncio.run(fair.execute(job, timeout_s=10)).body
b'ASK {} 5'
"""

from __future__ import annotations

import asyncio

from inburgering.service.execute import Answers, QueryAnswer, QueryJob, Together
from inburgering.service.worker import QueryEngine, execute_together


class FairEngine:
    """A ``QueryEngine`` over a protected and a public engine (see the module docstring)."""

    def __init__(self, *, protected: QueryEngine, public: QueryEngine, public_slots: int, protected_slots: int,
                 public_timeout_s: float, public_queue: int = 4) -> None:
        self.protected = protected
        self.public = public
        self.public_slots = public_slots
        self.protected_slots = protected_slots
        self.public_timeout_s = public_timeout_s
        self.public_queue = public_queue
        self._public_free = asyncio.Semaphore(public_slots)
        self._waiting = 0
        self.running = {"public": 0, "protected": 0, "borrowed": 0}

    def _busy(self) -> QueryAnswer:
        return QueryAnswer(error_kind="busy", error=f"the service is busy with anonymous queries ({self.public_slots} "
                           f"running, {self._waiting} waiting); try again in a moment, or query with a token")

    async def _public_slot(self) -> bool:
        if self._waiting >= self.public_queue and self._public_free.locked():
            return False
        self._waiting += 1
        try:
            await asyncio.wait_for(self._public_free.acquire(), self.public_timeout_s)
        except TimeoutError:
            return False
        finally:
            self._waiting -= 1
        return True

    async def _run(self, lane: str, engine: QueryEngine, job: QueryJob, timeout_s: float) -> QueryAnswer:
        self.running[lane] += 1
        try:
            return await engine.execute(job, timeout_s=timeout_s)
        finally:
            self.running[lane] -= 1

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        if job.anonymous:
            if self.public_slots < 1:
                return QueryAnswer(error_kind="refused", error="this service answers SPARQL queries with a token only")
            if not await self._public_slot():
                return self._busy()
            try:
                return await self._run("public", self.public, job, min(timeout_s, self.public_timeout_s))
            finally:
                self._public_free.release()
        separate = self.public is not self.protected
        if separate and self.running["protected"] >= self.protected_slots and not self._public_free.locked() \
                and not self._waiting:
            await self._public_free.acquire()  # free: returns at once
            try:
                return await self._run("borrowed", self.public, job, timeout_s)
            finally:
                self._public_free.release()
        return await self._run("protected", self.protected, job, timeout_s)

    async def execute_together(self, together: Together, *, timeout_s: float) -> Answers:
        """Token holders' jobs over one municipality's graphs (``worker.execute_together``), in the protected engine."""
        self.running["protected"] += 1
        try:
            return await execute_together(self.protected, together, timeout_s=timeout_s)
        finally:
            self.running["protected"] -= 1

    async def aclose(self) -> None:
        await self.protected.aclose()
        if self.public is not self.protected:
            await self.public.aclose()


__all__ = ["FairEngine"]
