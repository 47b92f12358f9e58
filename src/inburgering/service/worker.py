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
import dataclasses
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Protocol

from inburgering.service.execute import Answers, QueryAnswer, QueryJob, Together, execute_job
from inburgering.store.base import Store


class QueryEngine(Protocol):
    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer: ...

    async def aclose(self) -> None: ...


async def execute_together(engine: QueryEngine, together: Together, *, timeout_s: float) -> Answers:
    """The answers to ``together``'s jobs over one municipality's graphs: from one worker and one in-memory copy
    of the graphs where the engine has ``execute_together`` (query worker processes), within ``timeout_s`` for all
    of them; otherwise one job after the other, each within ``timeout_s``, with nothing packed."""
    method = getattr(engine, "execute_together", None)
    if method is not None:
        answers: Answers = await method(together, timeout_s=timeout_s)
        return answers
    return Answers(tuple([await engine.execute(job, timeout_s=timeout_s) for job in together.jobs]))


log = logging.getLogger(__name__)
READY = "ready"
#: How long a request waits for a free worker (a fresh worker takes about a second to start).
WAIT_FOR_WORKER_S = 60.0


def _timeout_answer(timeout_s: float) -> QueryAnswer:
    return QueryAnswer(error_kind="timeout", error=f"the query ran longer than the time limit of {timeout_s:g} s "
                       "and was stopped; make it more selective or add a LIMIT")


#: Stack of the thread that evaluates queries in a worker: Oxigraph's parser and evaluator recurse once per
#: operator of a long chain (``1+1+…``: about 400 bytes each), which overflowed the default 8 MB at 20,000
#: operators and killed the process. The guard's limits come first (docs/security.md); this is the margin.
#: Address space only: pages are used as the recursion reaches them.
QUERY_STACK_BYTES = 512 * 1024 * 1024


async def crashed_answer(process: subprocess.Popen[bytes]) -> QueryAnswer:
    """The answer when a worker died under a query: a fresh worker takes its place (``ProcessEngine``)."""
    try:  # it closed its end of the pipe by dying: its status follows at once
        code: int | None = await asyncio.to_thread(process.wait, 5)
    except subprocess.TimeoutExpired:
        code = None
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}" if code is not None else "died"
    return QueryAnswer(error_kind="crashed", error=f"the query stopped the process that evaluated it ({how}); a "
                       "fresh one has taken its place. Make the query smaller or less deeply nested")


def worker_main(path: str, conn: Connection, *, sandbox: bool = True, copy_quads: int = 0) -> None:
    """One worker process: no network from here on (``sandbox.py``), then open the store read-only and
    answer jobs until the pipe closes, in a thread with a large stack (``QUERY_STACK_BYTES``). A job over a small
    scope is answered from an in-memory copy of its graphs, up to ``copy_quads`` quads in all (``scoped.py``)."""
    from inburgering.service.sandbox import deny_network
    from inburgering.service.scoped import PublicQuads, ScopeCopies, answer_from_copy, answer_together
    from inburgering.store.embedded import EmbeddedStore

    try:
        if sandbox:
            deny_network()
        stores = {path: EmbeddedStore(path, read_only=True)}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it and gives up on this worker
        conn.send(f"cannot start: {exc}")
        return
    copies = ScopeCopies(copy_quads)
    public = PublicQuads()

    def store_for(job: QueryJob) -> tuple[str, EmbeddedStore]:
        """The publication the job's request is pinned to (``live.py``), and its folder; the last two stay open.
        Copies are made of the newest only: a request still pinned to the one before reads its disk."""
        where = job.store_path or path
        if where not in stores:
            stores[where] = EmbeddedStore(where, read_only=True)
            for older in [folder for folder in stores if folder != where]:
                copies.retire(older)
            while len(stores) > 2:
                stores.pop(next(iter(stores)))
        return where, stores[where]

    def serve() -> None:
        conn.send(READY)
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                return
            try:
                where, store = store_for(job.jobs[0] if isinstance(job, Together) else job)
            except Exception as exc:  # noqa: BLE001 - answered, like any store error
                conn.send(QueryAnswer(error_kind="store", error=f"cannot open the publication: {exc}"))
                continue
            if isinstance(job, Together):
                with copies.querying():
                    conn.send(answer_together(store, job, limit=copy_quads, public=(public, where)))
                continue
            with copies.querying():
                copy = copies.lookup(store, where, job)
                if copy is None:
                    conn.send(execute_job(store, job))
                else:
                    conn.send(answer_from_copy(copy.store, job, copy.holds))

    threading.stack_size(QUERY_STACK_BYTES)
    thread = threading.Thread(target=serve, name="queries")
    thread.start()
    thread.join()


class _Worker:
    """A fresh interpreter (``python -m inburgering.service.worker_main``), never a fork of a process that holds
    RocksDB and an event loop; jobs and answers travel pickled over a socket pair."""

    def __init__(self, path: str, *, sandbox: bool = True, copy_quads: int = 0) -> None:
        parent, child = socket.socketpair()
        self.process = subprocess.Popen([sys.executable, "-m", "inburgering.service.worker_main", path,
                                         str(child.fileno()), "sandbox" if sandbox else "no-sandbox",
                                         str(copy_quads)],
                                        pass_fds=[child.fileno()], stdin=subprocess.DEVNULL)
        child.close()
        self.conn = Connection(parent.detach())

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.conn.close()


class ProcessEngine:
    """A fixed pool of query worker processes over one on-disk store."""

    def __init__(self, path: str, *, workers: int = 2, sandbox: bool = True,
                 locate: Callable[[], str] | None = None, copy_quads: int = 0) -> None:
        """Start ``workers`` processes; call from within the running event loop (the app's lifespan).
        ``locate``: the store folder for the job being sent (a live store's pinned publication); ``copy_quads``:
        each worker's budget for in-memory copies of small scopes (``scoped.py``; 0: none)."""
        self.path = path
        self.locate = locate
        self.sandbox = sandbox
        self.copy_quads = copy_quads
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: list[_Worker] = []
        self._starting: set[asyncio.Future[None]] = set()
        for _ in range(workers):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self.path, sandbox=self.sandbox, copy_quads=self.copy_quads)
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
        if worker in self._all:  # not after aclose (a job cancelled at shutdown ends after it)
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
        answer = await self._exchange(job, timeout_s)
        assert isinstance(answer, QueryAnswer)
        return answer

    async def execute_together(self, together: Together, *, timeout_s: float) -> Answers:
        """``together``'s jobs (over one municipality's graphs) in one worker, from one copy of their graphs; a
        time-out or a crash is the answer to each of them."""
        answer = await self._exchange(together, timeout_s)
        return answer if isinstance(answer, Answers) else Answers((answer,) * len(together.jobs))

    async def _exchange(self, message: QueryJob | Together, timeout_s: float) -> QueryAnswer | Answers:
        """Send ``message`` to a free worker: its answer (``Answers`` for ``Together``), or an error answer."""
        try:
            worker = await asyncio.wait_for(self._idle.get(), WAIT_FOR_WORKER_S)
        except TimeoutError:
            return QueryAnswer(error_kind="timeout", error="no query worker became free; try again later")
        healthy = False
        if self.locate is not None:
            where = self.locate()
            message = (dataclasses.replace(message, jobs=tuple(dataclasses.replace(j, store_path=where)
                                                               for j in message.jobs))
                       if isinstance(message, Together) else dataclasses.replace(message, store_path=where))
        try:
            worker.conn.send(message)
            answer = await self._receive(worker, timeout_s)
            healthy = isinstance(answer, QueryAnswer | Answers)
            if healthy:
                return answer  # type: ignore[return-value]
            return QueryAnswer(error_kind="store", error=str(answer))
        except TimeoutError:
            return _timeout_answer(timeout_s)
        except (EOFError, OSError):
            return await crashed_answer(worker.process)
        finally:
            if healthy:
                self._idle.put_nowait(worker)
            else:  # killed on timeout, crashed, or cancelled mid-query: its state is unknown
                self._replace(worker)

    async def aclose(self) -> None:
        """Stop the workers. Their start-up waits end first, while their sockets are open: a wait already woken
        by a ready worker would otherwise run on a closed socket and log a failed start."""
        starting = list(self._starting)
        for task in starting:
            task.cancel()
        await asyncio.gather(*starting, return_exceptions=True)
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
