"""Where user queries run: worker processes that can be killed, so a query timeout really stops the query.

pyoxigraph cannot cancel a running query, so each worker process opens the on-disk store read-only
(``Store.read_only``) and a query that outlives its timeout is ended by killing its worker; a fresh worker
takes its place. In-memory and remote stores use ``ThreadEngine``: the caller gets its timeout error on time,
but an in-memory evaluation itself cannot be stopped (documented in docs/service.md). A remote store is given
the same time limit for client queries (``RemoteStore.with_timeout``): the client stops waiting, and a server
that takes a time limit (Virtuoso) stops the query itself; Oxigraph server cannot (docs/remote-stores.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Protocol

from inburgering.service.execute import QueryAnswer, QueryJob, execute_job
from inburgering.store.base import Store


class QueryEngine(Protocol):
    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer: ...

    async def aclose(self) -> None: ...


log = logging.getLogger(__name__)
READY = "ready"
#: How long a request waits for a free worker (a fresh worker takes about a second to start).
WAIT_FOR_WORKER_S = 60.0


def _timeout_answer(timeout_s: float) -> QueryAnswer:
    return QueryAnswer(error_kind="timeout", error=f"the query ran longer than the time limit of {timeout_s:g} s "
                       "and was stopped; make it more selective or add a LIMIT")


def worker_main(path: str, conn: Connection) -> None:
    """The loop of one worker process: open the store read-only, answer jobs until the pipe closes."""
    from inburgering.store.embedded import EmbeddedStore

    try:
        store = EmbeddedStore(path, read_only=True)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it and gives up on this worker
        conn.send(f"cannot open the store: {exc}")
        return
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(execute_job(store, job))


class _Worker:
    """A fresh interpreter (``python -m inburgering.service.worker_main``), never a fork of a process that holds
    RocksDB and an event loop; jobs and answers travel pickled over a socket pair."""

    def __init__(self, path: str) -> None:
        parent, child = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-m", "inburgering.service.worker_main", path,
                                         str(child.fileno())], pass_fds=[child.fileno()], stdin=subprocess.DEVNULL)
        child.close()
        self.conn = Connection(parent.detach())

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class ProcessEngine:
    """A fixed pool of query worker processes over one on-disk store."""

    def __init__(self, path: str, *, workers: int = 2) -> None:
        """Start ``workers`` processes; call from within the running event loop (the app's lifespan)."""
        self.path = path
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: list[_Worker] = []
        self._starting: set[asyncio.Future[None]] = set()
        for _ in range(workers):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self.path)
        self._all.append(worker)
        task = asyncio.ensure_future(self._when_ready(worker))
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _when_ready(self, worker: _Worker) -> None:
        """Queue a new worker once it has opened the store, so its start-up never counts against a query."""
        try:
            message = await self._receive(worker, WAIT_FOR_WORKER_S)
        except (TimeoutError, EOFError, OSError) as exc:
            message = f"no answer ({exc!r})"
        if message == READY:
            self._idle.put_nowait(worker)
        else:
            log.error("query worker for %s failed to start: %s", self.path, message)
            worker.kill()
            self._all.remove(worker)

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._all.remove(worker)
        self._add()

    async def _receive(self, worker: _Worker, timeout_s: float) -> object:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = worker.conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, timeout_s)
        finally:
            loop.remove_reader(fd)
        # uvloop (uvicorn's loop) makes a watched fd non-blocking; an answer larger than the socket buffer then
        # failed with EAGAIN half-way through. The rest of the message follows promptly: read it blocking.
        os.set_blocking(fd, True)
        return worker.conn.recv()

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        try:
            worker = await asyncio.wait_for(self._idle.get(), WAIT_FOR_WORKER_S)
        except TimeoutError:
            return QueryAnswer(error_kind="timeout", error="no query worker became free; try again later")
        healthy = False
        try:
            worker.conn.send(job)
            answer = await self._receive(worker, timeout_s)
            healthy = isinstance(answer, QueryAnswer)
            return answer if isinstance(answer, QueryAnswer) else QueryAnswer(error_kind="store", error=str(answer))
        except TimeoutError:
            return _timeout_answer(timeout_s)
        except (EOFError, OSError) as exc:
            return QueryAnswer(error_kind="store", error=f"the query worker failed: {exc}")
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:  # killed on timeout, crashed, or cancelled mid-query: its state is unknown
                self._replace(worker)

    async def aclose(self) -> None:
        for task in list(self._starting):
            task.cancel()
        for worker in self._all:
            worker.kill()
        self._all.clear()


class ThreadEngine:
    """Runs jobs in a thread on a store object (in-memory or remote): timely errors; a remote store gets the
    time limit too (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._timed: dict[float, Store] = {}

    def _store_for(self, timeout_s: float) -> Store:
        with_timeout = getattr(self.store, "with_timeout", None)
        if with_timeout is None:
            return self.store
        if timeout_s not in self._timed:
            self._timed[timeout_s] = with_timeout(timeout_s)
        return self._timed[timeout_s]

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        store = self._store_for(timeout_s)
        try:
            answer = await asyncio.wait_for(asyncio.to_thread(execute_job, store, job), timeout_s)
        except TimeoutError:
            return _timeout_answer(timeout_s)
        # The store stopped at the limit a moment before we did: the same answer as our own time-out.
        return _timeout_answer(timeout_s) if answer.error_kind == "timeout" else answer

    async def aclose(self) -> None:
        for store in self._timed.values():
            store.close()
        self._timed.clear()
