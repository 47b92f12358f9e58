"""Client queries on an in-memory store run in sandboxed worker processes too, over an on-disk copy of it.

With ``--store memory:`` client queries used to run in a thread of the service process: a query that crashed the
engine's parser (deep nesting) took the whole service down, a query past its time limit could not be stopped,
and a ``SERVICE`` past the guard would have been called from the service itself. ``SnapshotEngine`` copies the
store into a temporary folder (N-Quads dump and bulk load) and runs a ``ProcessEngine`` there, so an in-memory
store gets the same isolation as an on-disk one: killable, network-less workers. A store written after the copy
(tests load data while the service runs) is copied again at the next query; workers of an older copy finish
their queries and are then closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from inburgering.service.execute import Answers, QueryAnswer, QueryJob, Together
from inburgering.service.worker import ProcessEngine
from inburgering.store.embedded import EmbeddedStore


class Snapshots:
    """On-disk copies of one in-memory store, one per generation of its data, shared by the engines over it."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.folder = Path(tempfile.mkdtemp(prefix="inburgering-snapshot-"))
        self._lock = asyncio.Lock()
        self._made: dict[int, str] = {}

    def _copy(self, generation: int) -> str:
        path = self.folder / f"generation-{generation}"
        data = self.store.ox.dump(format=RdfFormat.N_QUADS) or b""
        copy = Store(str(path))
        copy.bulk_load(data, format=RdfFormat.N_QUADS)
        copy.flush()
        del copy  # closes RocksDB: the workers open the folder read-only
        return str(path)

    async def current(self) -> tuple[int, str]:
        """(generation, folder) of a copy of the store as it is now; copies it in a thread when it changed."""
        async with self._lock:
            generation = self.store.generation
            if generation not in self._made:
                self._made[generation] = await asyncio.to_thread(self._copy, generation)
            return generation, self._made[generation]

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class SnapshotEngine:
    """A ``ProcessEngine`` over the current copy (``Snapshots``); older engines close when their queries end."""

    def __init__(self, snapshots: Snapshots, *, workers: int, sandbox: bool, copy_quads: int = 0) -> None:
        self.snapshots = snapshots
        self.workers = workers
        self.sandbox = sandbox
        self.copy_quads = copy_quads
        self._engines: dict[int, ProcessEngine] = {}
        self._busy: dict[int, int] = {}
        self._current = -1

    async def _retire_idle(self) -> None:
        for generation in [g for g in self._engines if g != self._current and not self._busy.get(g)]:
            await self._engines.pop(generation).aclose()

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        async with self._engine() as engine:
            return await engine.execute(job, timeout_s=timeout_s)

    async def execute_together(self, together: Together, *, timeout_s: float) -> Answers:
        async with self._engine() as engine:
            return await engine.execute_together(together, timeout_s=timeout_s)

    @contextlib.asynccontextmanager
    async def _engine(self) -> AsyncIterator[ProcessEngine]:
        """The engine over the current copy, counted busy while in use."""
        generation, path = await self.snapshots.current()
        if generation not in self._engines:
            self._engines[generation] = ProcessEngine(path, workers=self.workers, sandbox=self.sandbox,
                                                        copy_quads=self.copy_quads)
        self._current = max(self._current, generation)
        self._busy[generation] = self._busy.get(generation, 0) + 1
        try:
            yield self._engines[generation]
        finally:
            self._busy[generation] -= 1
            await self._retire_idle()

    async def aclose(self) -> None:
        for engine in self._engines.values():
            await engine.aclose()
        self._engines.clear()


__all__ = ["SnapshotEngine", "Snapshots"]
