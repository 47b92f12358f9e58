"""The query worker pool under uvloop, the event loop uvicorn runs the service on."""

from __future__ import annotations

from pathlib import Path

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
