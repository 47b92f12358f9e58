"""The query worker pool under uvloop, the event loop uvicorn runs the service on."""

from __future__ import annotations

import asyncio
import logging
import select
import time
from pathlib import Path

import pytest
import uvloop
from pyoxigraph import Literal, NamedNode, Quad

from inburgering.service.execute import QueryJob
from inburgering.service.worker import ProcessEngine
from inburgering.store.embedded import EmbeddedStore


def test_an_answer_larger_than_the_socket_buffer_arrives_whole_under_uvloop(tmp_path: Path) -> None:
    # uvloop leaves a watched fd non-blocking: reading a multi-megabyte answer failed with EAGAIN half-way.
    path = tmp_path / "store"
    store = EmbeddedStore(str(path))
    graph = NamedNode("https://example.org/g")
    store.ox.extend(Quad(NamedNode(f"https://example.org/s{i}"), NamedNode("https://example.org/p"),  # type: ignore[attr-defined]
                         Literal("x" * 200 + str(i)), graph) for i in range(20_000))
    store.close()
    job = QueryJob("SELECT ?s ?o WHERE { ?s ?p ?o }", (graph.value,), (), "application/sparql-results+json",
                   max_results=100_000)

    async def run() -> tuple[int, str | None, int]:
        engine = ProcessEngine(str(path), workers=1)
        try:
            answers = [await engine.execute(job, timeout_s=60) for _ in range(3)]
        finally:
            await engine.aclose()
        return answers[-1].count, answers[-1].error_kind, min(len(a.body) for a in answers)

    count, error, smallest = uvloop.run(run())
    assert (count, error) == (20_000, None)
    assert smallest > 4_000_000


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_an_engine_closed_while_its_workers_start_stops_them_quietly(tmp_path: Path, loop: str,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """``serve --ask-ahead-only`` with nothing left to ask closes the engine right after its synchronous first
    steps: the workers had said they were ready, their start-up waits had been woken but not yet run, and closing
    killed them under those waits, which then logged a failed start and a traceback on the user's terminal."""
    path = tmp_path / "store"
    EmbeddedStore(str(path)).close()
    seen: list[dict[str, object]] = []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, context: seen.append(context))
        engine = ProcessEngine(str(path), workers=2)
        workers = list(engine._all)
        for _ in range(3):  # the start-up waits begin
            await asyncio.sleep(0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the loop busy (not yielding) until both workers have said READY
            readable, _, _ = select.select([w.conn.fileno() for w in workers], [], [], 1)
            if len(readable) == len(workers):
                break
        else:
            pytest.fail("the query workers did not start within 60 s")
        await asyncio.sleep(0)  # the waits are woken, not yet run
        await engine.aclose()
        assert all(w.process.poll() is not None for w in workers)

    with caplog.at_level(logging.ERROR):
        uvloop.run(run()) if loop == "uvloop" else asyncio.run(run())
    assert not caplog.records and not seen
