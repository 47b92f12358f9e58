"""The SPARQL endpoint through its ASGI app: formats, errors, read-only, limits and the scope-fixed dataset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import QueryResultsFormat, QuerySolutions, RdfFormat, parse, parse_query_results
from service_support import INSTANCE_GRAPH, PERSON, build_store, expand_jsonld, make_client

from servers import OxigraphServer

COUNT_PIPS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/PIP> }"
#: Four-way cross product of the whole store: far too slow for a short time limit.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _count(response_text: str) -> int:
    return int(json.loads(response_text)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(("accept", "fmt"), [
    ("application/sparql-results+json", QueryResultsFormat.JSON),
    ("application/sparql-results+xml", QueryResultsFormat.XML),
    ("text/csv", QueryResultsFormat.CSV),
    ("text/tab-separated-values", QueryResultsFormat.TSV),
])
def test_select_in_every_results_format(client: TestClient, accept: str, fmt: QueryResultsFormat) -> None:
    query = "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> } ORDER BY ?c"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in response.headers["vary"]
    if fmt == QueryResultsFormat.CSV:
        assert response.text.splitlines()[1:] == [f"http://testserver/id/concept/leerroute/{c}" for c in "BOZ"]
        return
    result = parse_query_results(response.content, format=fmt)
    assert isinstance(result, QuerySolutions)
    assert [s["c"].value.rsplit("/", 1)[1] for s in result] == ["B", "O", "Z"]


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", RdfFormat.TURTLE), ("application/n-triples", RdfFormat.N_TRIPLES),
    ("application/ld+json", RdfFormat.JSON_LD), ("application/rdf+xml", RdfFormat.RDF_XML),
])
def test_construct_in_every_rdf_format(client: TestClient, accept: str, fmt: RdfFormat) -> None:
    query = "CONSTRUCT WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n }"
    response = client.post("/sparql", content=query,
                           headers={"Content-Type": "application/sparql-query", "Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    triples = expand_jsonld(client, response.content) if fmt == RdfFormat.JSON_LD else \
        parse(response.content, format=fmt)
    notations = sorted(t.object.value for t in triples)
    assert notations == ["B", "O", "Z"]


def test_default_formats_and_q_values(client: TestClient) -> None:
    ask = client.post("/sparql", data={"query": "ASK {}"})
    assert ask.headers["content-type"].startswith("application/sparql-results+json")
    assert ask.json() == {"head": {}, "boolean": True}
    picked = client.get("/sparql", params={"query": "SELECT * {} "},
                        headers={"Accept": "application/sparql-results+json;q=0.2, text/csv;q=0.9"})
    assert picked.headers["content-type"].startswith("text/csv")
    describe = client.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/inburgering/def/PIP>"})
    assert describe.headers["content-type"].startswith("text/turtle")


def test_unsupported_accept_is_406(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_syntax_error_is_400_with_a_readable_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    assert response.text.startswith("SPARQL syntax error")
    assert "Traceback" not in response.text


@pytest.mark.parametrize("request_kwargs", [
    {"data": {"update": "DROP ALL"}},
    {"content": "INSERT DATA { <a:s> <a:p> 1 }", "headers": {"Content-Type": "application/sparql-update"}},
    {"content": "DELETE WHERE { ?s ?p ?o }", "headers": {"Content-Type": "application/sparql-query"}},
    {"data": {"query": "CLEAR ALL"}},
])
def test_updates_are_refused(client: TestClient, request_kwargs: dict[str, object]) -> None:
    response = client.post("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in response.text
    assert _count(client.get("/sparql", params={"query": COUNT_PIPS}).text) == 0  # public sees no PIPs anyway


def test_service_is_refused_before_evaluation(client: TestClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE is not allowed" in response.text


def test_public_dataset_holds_no_instance_data(client: TestClient) -> None:
    for query in (
        COUNT_PIPS,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{PERSON}> ?p ?o }} }}",
        f"SELECT (COUNT(*) AS ?n) FROM <{INSTANCE_GRAPH}> WHERE {{ ?s ?p ?o }}",
        f"SELECT (COUNT(*) AS ?n) FROM NAMED <{INSTANCE_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        assert _count(client.get("/sparql", params={"query": query}).text) == 0, query
    protocol = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                             "default-graph-uri": INSTANCE_GRAPH})
    assert _count(protocol.text) == 0


def test_admin_scope_reads_instance_data(admin_client: TestClient) -> None:
    assert _count(admin_client.get("/sparql", params={"query": COUNT_PIPS}).text) == 1
    from_clause = f"SELECT (COUNT(*) AS ?n) FROM <{INSTANCE_GRAPH}> WHERE {{ ?s a ?t }}"
    assert _count(admin_client.get("/sparql", params={"query": from_clause}).text) == 3


def test_local_iris_in_queries_mean_production_iris(client: TestClient) -> None:
    query = "ASK { <http://testserver/id/concept/leerroute/B> ?p ?o }"
    assert client.get("/sparql", params={"query": query}).json()["boolean"] is True


def test_service_description_without_query(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    triples = list(parse(response.content, format=RdfFormat.TURTLE))
    assert any(t.object.value == "http://www.w3.org/ns/sparql-service-description#Service" for t in triples)
    browser = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert (browser.status_code, browser.headers["location"]) == (303, "/query")


def test_two_query_parameters_are_400(client: TestClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400


def test_oversized_request_is_413(store_location: str) -> None:
    with make_client(store_location, max_query_bytes=100) as small:
        response = small.post("/sparql", data={"query": "ASK {}" + " " * 200})
    assert response.status_code == 413


@pytest.fixture(scope="module")
def limited(store_location: str) -> Iterator[TestClient]:
    with make_client(store_location, query_timeout_s=0.5, max_results=5) as c:
        yield c


def test_result_cap_is_a_clear_error(limited: TestClient) -> None:
    response = limited.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 422
    assert "more than 5 results" in response.text
    construct = limited.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert (construct.status_code, "more than 5 triples" in construct.text) == (422, True)
    small = limited.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"})
    assert small.status_code == 200


@pytest.mark.not_on("oxigraph")  # it cannot stop the query: test_timeout_on_a_server_that_cannot_stop_the_query
def test_timeout_stops_the_query_and_the_endpoint_recovers(limited: TestClient, module_backend: str) -> None:
    engine = limited.app.state.runtime.engine.public  # type: ignore[attr-defined]  # anonymous callers' workers
    before = {w.process.pid for w in getattr(engine, "_all", [])}
    response = limited.get("/sparql", params={"query": SLOW})
    assert response.status_code == 503
    assert "time limit of 0.5 s" in response.text
    if module_backend == "embedded":  # a query worker process: killed and replaced
        after = {w.process.pid for w in engine._all}
        assert len(before - after) == 1
        for pid in before - after:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    # Virtuoso was given the same limit and stopped the query itself (tests/store/test_remote_timeout.py).
    assert limited.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    assert limited.get("/sparql", params={"query": COUNT_PIPS}).status_code == 200


def test_timeout_on_a_server_that_cannot_stop_the_query(tmp_path: Path) -> None:
    """Oxigraph server goes on evaluating a query after its client gave up (docs/remote-stores.md): the
    service still answers 503 on time and stays responsive. A server of its own (not the module's shared one,
    which the query would keep busy), stopped afterwards, ends the query. Not parametrized: Oxigraph only."""
    server = OxigraphServer(tmp_path / "oxigraph").start()
    try:
        with make_client(build_store(server.url), query_timeout_s=0.5) as c:
            response = c.get("/sparql", params={"query": SLOW})
            assert response.status_code == 503
            assert "time limit of 0.5 s" in response.text
            assert c.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
            assert _count(c.get("/sparql", params={"query": COUNT_PIPS}).text) == 0
            assert c.get("/def/PIP", headers={"Accept": "text/turtle"}).status_code == 200
    finally:
        server.stop()


def test_a_slow_query_does_not_block_other_requests(tmp_path: Path) -> None:
    """While one query runs in a worker until its time limit, the event loop answers other requests. Query
    worker processes exist on the embedded store only (remote stores: the tests above), so not parametrized."""
    import threading
    import time

    finished: list[str] = []
    with make_client(build_store(str(tmp_path / "store")), query_timeout_s=5, anonymous_query_workers=2,
                     anonymous_query_timeout_s=5) as c:
        def slow() -> None:
            c.get("/sparql", params={"query": SLOW})
            finished.append("slow")

        engine = c.app.state.runtime.engine.public  # type: ignore[attr-defined]  # anonymous callers' workers
        c.get("/sparql", params={"query": "ASK {}"})
        while engine._idle.qsize() < 2:  # both workers up
            time.sleep(0.01)
        thread = threading.Thread(target=slow)
        thread.start()
        while engine._idle.qsize() != 1:  # the slow query holds a worker
            time.sleep(0.01)
        assert c.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
        assert c.get("/def/PIP", headers={"Accept": "text/turtle"}).status_code == 200
        finished.append("others")
        thread.join()
    assert finished == ["others", "slow"]
