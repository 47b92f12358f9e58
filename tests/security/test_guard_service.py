"""Issue 13, findings 1 and 2 through the service: SERVICE in every lexical disguise is refused and nothing is
called, the store's parser never sees a text nested deeper than the limit, no input kills a process, and the
processes that evaluate client queries cannot open a network connection at all (the guard bypassed on purpose).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inburgering.service import create_app
from inburgering.service.execute import QueryJob
from inburgering.service.publish import load_public_graphs
from inburgering.service.worker import ProcessEngine
from inburgering.settings import Settings
from inburgering.store import open_store

from .conftest import Deployment
from .engine_oracle import EngineOracle
from .listener import Listener

#: Texts Oxigraph reads as a SERVICE call that a lexer can miss; ``{e}`` is the listener.
DISGUISES = {
    "comment ended by CR": "SELECT * WHERE {{ ?s ?p ?o # a comment ends at CR too\rSERVICE <{e}/a> {{ ?s ?p ?o }} }}",
    "prefixed name with an escape that breaks its IRI": (
        "PREFIX ex: <http://ex.org/#> PREFIX : <{e}/> SELECT * WHERE {{ ?s ?p ex:SERVICE:x\\#y {{ ?s ?p ?o }} }}"),
    "IRI with a \\u escape and a quote": (
        "SELECT * WHERE {{ ?s ?p <http://ex.org/\\u0041'> SERVICE <{e}/c> {{ ?s ?p ?o }} #'\n}}"),
    "less-than before a quote in an expression": (
        "SELECT * WHERE {{ BIND(1 AS ?a) FILTER(?a <'> && \"x') SERVICE <{e}/d> {{ }} #\")\n}}"),
    "keyword glued to a literal": "SELECT * WHERE {{ ?s ?p trueSERVICE<{e}/e>{{ ?s ?p ?o }} }}",
    "dots in a prefixed name": "PREFIX x: <http://ex.org/> SELECT * WHERE {{ ?s ?p x:a.b.SERVICE<{e}/f>{{}} }}",
    "mixed case, SILENT glued": "ASK {{ sErViCeSiLeNt<{e}/g> {{ ?s ?p ?o }} }}",
    "endpoint in a variable": "SELECT * WHERE {{ BIND(<{e}/h> AS ?x) SERVICE ?x {{ ?s ?p ?o }} }}",
    "endpoint as a prefixed name": "PREFIX l: <{e}/> SELECT * WHERE {{ SERVICE l:i {{ ?s ?p ?o }} }}",
    "endpoint relative to BASE": "BASE <{e}/> SELECT * WHERE {{ SERVICE <j> {{ ?s ?p ?o }} }}",
    "endpoint with \\u escapes": "SELECT * WHERE {{ SERVICE <\\u0068ttp://{host}/k> {{ ?s ?p ?o }} }}",
    "inside EXISTS in a sub-select": (
        "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{e}/l> {{}} }} }} }} }}"),
    "inside OPTIONAL after an empty pattern": (
        "SELECT * WHERE {{ ?s <urn:none> ?o OPTIONAL {{ SERVICE SILENT <{e}/m> {{ ?s ?p ?o }} }} }}"),
    "CONSTRUCT template then SERVICE": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE\r\n<{e}/n>\t{{ ?s ?p ?o }} }}",
}
#: Look-alikes that are no SERVICE at all: answered normally.
HARMLESS = [
    'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:1/> {}" } LIMIT 1',
    "SELECT * WHERE { ?s ?p ?o # SERVICE <http://127.0.0.1:1/> { }\n} LIMIT 1",
    "SELECT * WHERE { ?s <http://ex.org/SERVICE> ?service } LIMIT 1",
    "PREFIX ex: <http://ex.org/> SELECT * WHERE { ?s ex:SERVICE ?o } LIMIT 1",
    "SELECT * WHERE { ?s ?p '''x''' FILTER(?p != <urn:service>) } LIMIT 1",
]


@pytest.fixture(scope="module")
def client(deployment: Deployment) -> Iterator[TestClient]:
    with deployment.client() as c:
        yield c


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_every_disguise_is_a_service_call_for_the_engine(listener: Listener) -> None:
    """The disguises are real: Oxigraph's plan for each holds a SERVICE call (engine_oracle.py)."""
    oracle = EngineOracle()
    try:
        for name, template in DISGUISES.items():
            text = template.format(e=listener.url, host=listener.url.removeprefix("http://"))
            assert oracle.judge(text).service, name
    finally:
        oracle.close()


@pytest.mark.parametrize("name", DISGUISES)
def test_service_in_every_disguise_is_refused_and_nothing_is_called(client: TestClient, deployment: Deployment,
                                                                    listener: Listener, name: str) -> None:
    text = DISGUISES[name].format(e=listener.url, host=listener.url.removeprefix("http://"))
    for headers in ({}, deployment.token("admin", "GM0363", "GM0599", "GM0014", special=True)):
        response = client.post("/sparql", data={"query": text}, headers=headers)
        assert response.status_code == 403, (name, response.text)
        assert "SERVICE is not allowed" in response.text
    assert listener.hits == []


@pytest.mark.parametrize("query", HARMLESS)
def test_look_alikes_are_answered(client: TestClient, query: str) -> None:
    assert client.get("/sparql", params={"query": query}).status_code == 200, query


def test_nesting_beyond_the_limit_is_a_clear_400_before_any_parser(client: TestClient) -> None:
    for opener, closer in (("(", ")"), ("{", "}"), ("[ <urn:p> ", "]")):
        deep = "SELECT * WHERE { ?s ?p " + opener * 40 + "?o" + closer * 40 + " }"
        response = client.get("/sparql", params={"query": deep})
        assert response.status_code == 400, opener
        assert "nests brackets deeper than 32 levels" in response.text
    # 5,000 levels overflowed the engine parser's stack (a dead worker, or with memory: a dead service)
    response = client.post("/sparql", data={"query": "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"})
    assert response.status_code == 400
    assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


#: Flat texts of up to 100 kB that once crashed Oxigraph or take it long: long operator chains.
CHAINS = {
    "sums": "SELECT * WHERE { BIND(1" + "+1" * 45_000 + " AS ?x) }",
    "negations": "ASK { FILTER(" + "!" * 90_000 + "true) }",
    "conjunctions": "ASK { FILTER(true" + "&&true" * 15_000 + ") }",
    "unions": "SELECT * WHERE { {} " + "UNION {} " * 10_000 + "}",
}


def _in_memory_app(**overrides: object) -> TestClient:
    store = open_store("memory:")
    load_public_graphs(store, base=Settings().base_iri)
    return TestClient(create_app(Settings(store="memory:", **overrides), store=store))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["embedded", "memory"])
def test_no_input_kills_a_process(kind: str, tmp_path: Path) -> None:
    """Each chain is answered (a result, a 400 or a 503 at the time limit) by a service that stays up, on an
    on-disk and on an in-memory store, both with worker processes."""
    if kind == "embedded":
        store = open_store(str(tmp_path / "store"))
        load_public_graphs(store, base=Settings().base_iri)
        store.close()
        client = TestClient(create_app(Settings(store=str(tmp_path / "store"), query_timeout_s=3,
                                                anonymous_query_timeout_s=3)))
    else:
        client = _in_memory_app(query_timeout_s=3, anonymous_query_timeout_s=3)
    with client:
        for name, text in CHAINS.items():
            assert len(text.encode()) <= 100_000
            response = client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"})
            assert response.status_code in (200, 400, 503), (name, response.status_code)
            assert "stopped the process" not in response.text, name  # no worker crashed either
            assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True, name


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    store = open_store(str(tmp_path / "store"))
    load_public_graphs(store, base=Settings().base_iri)
    store.close()
    return str(tmp_path / "store")


def _job(query: str) -> QueryJob:
    return QueryJob(query, (), (), "application/sparql-results+json", 100, union_all=True)


def test_a_crashed_worker_is_a_503_and_a_fresh_worker(store_path: str) -> None:
    """Past every limit on purpose (straight to the engine): 400,000 open brackets still overflow the parser's
    512 MB stack; the answer is a clean error and the next query runs in a new worker."""
    async def run() -> None:
        engine = ProcessEngine(store_path, workers=1)
        try:
            first = await engine.execute(_job("ASK {}"), timeout_s=30)
            before = {w.process.pid for w in engine._all}
            crash = await engine.execute(_job("ASK { FILTER(" + "(" * 400_000 + ") }"), timeout_s=60)
            assert (first.error_kind, crash.error_kind) == (None, "crashed")
            assert "stopped the process that evaluated it (signal" in crash.error
            after = await engine.execute(_job("ASK {}"), timeout_s=60)
            assert after.error_kind is None and b"true" in after.body
            assert not before & {w.process.pid for w in engine._all}
        finally:
            await engine.aclose()

    asyncio.run(run())


@pytest.mark.parametrize("kind", ["embedded", "memory"])
def test_a_worker_cannot_reach_the_network_even_past_the_guard(kind: str, store_path: str,
                                                               listener: Listener) -> None:
    """SERVICE sent straight to the engine of the query workers, the guard bypassed, on an on-disk and an
    in-memory store: the call fails inside the worker and the listener hears nothing; every worker runs under
    seccomp (``Seccomp: 2``)."""
    client = TestClient(create_app(Settings(store=store_path))) if kind == "embedded" else _in_memory_app()
    with client:
        fair = client.app.state.runtime.engine  # type: ignore[attr-defined]
        for lane in (fair.protected, fair.public):
            for query in (f"SELECT * WHERE {{ SERVICE <{listener.url}/x> {{ ?s ?p ?o }} }}",
                          f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}/y> {{ ?s ?p ?o }} }}"):
                answer = client.portal.call(partial(lane.execute, _job(query), timeout_s=30))  # type: ignore[union-attr]
                assert answer.error_kind is None or "Permission denied" in answer.error, answer
        pids = _worker_pids(fair)
        assert len(pids) >= 2
        for pid in pids:  # a worker still starting installs its filter before it opens the store: wait for it
            _wait_for_seccomp(pid)
    assert listener.hits == []


def _wait_for_seccomp(pid: int, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while "Seccomp:\t2" not in Path(f"/proc/{pid}/status").read_text():
        if time.monotonic() > deadline:
            pytest.fail(f"worker {pid} runs without its seccomp filter")
        time.sleep(0.05)


def _worker_pids(fair: object) -> list[int]:
    pids = []
    for lane in (fair.protected, fair.public):  # type: ignore[attr-defined]
        for engine in getattr(lane, "_engines", {lane: lane}).values():
            pids += [w.process.pid for w in getattr(engine, "_all", [])]
    return pids
