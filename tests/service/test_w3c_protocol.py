"""The W3C SPARQL 1.1 Protocol tests (tests/service/data/sparql11-protocol, a copy of ../shared/conformance),
run against a real uvicorn process: every query test must pass; every update test must be refused with a 4xx.

The manifest is read with rdflib; each test's requests are replayed over HTTP as the manifest gives them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pyoxigraph import QueryBoolean, QueryResultsFormat, RdfFormat, parse, parse_query_results
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection
from service_support import LiveServer

from inburgering.namespaces import DEFAULT_BASE
from inburgering.store import open_store
from inburgering.store.publication import publish_public

SUITE = Path(__file__).parent / "data" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
RESULT_TYPES = {"application/sparql-results+json": QueryResultsFormat.JSON,
                "application/sparql-results+xml": QueryResultsFormat.XML,
                "text/csv": QueryResultsFormat.CSV, "text/tab-separated-values": QueryResultsFormat.TSV}
RDF_TYPES = {"text/turtle": RdfFormat.TURTLE, "application/n-triples": RdfFormat.N_TRIPLES,
             "application/rdf+xml": RdfFormat.RDF_XML}


@dataclass
class Request:
    method: str
    path: str
    body: str | None
    headers: dict[str, str]
    statuses: set[str]
    boolean: bool | None
    format: str | None


@dataclass
class ProtocolTest:
    name: str
    label: str
    requests: list[Request] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return "update" in self.name


def _request(g: Graph, node: object) -> Request:
    body = g.value(node, HT.body)
    headers = {}
    header_list = g.value(node, HT.headers)
    if header_list is not None:
        for h in Collection(g, header_list):
            headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
    resp = g.value(node, HT.resp)
    boolean = g.value(resp, MF.expectedBoolean)
    fmt = g.value(resp, MF.expectedFormat)
    return Request(str(g.value(node, HT.methodName)), str(g.value(node, HT.absolutePath)),
                   str(g.value(body, CNT.chars)) if body is not None else None, headers,
                   {str(s).rpartition("#")[2] for s in g.objects(resp, MF.expectedStatus)},
                   bool(boolean.toPython()) if boolean is not None else None, str(fmt) if fmt else None)


def manifest_tests() -> list[ProtocolTest]:
    g = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        test = ProtocolTest(str(entry).rpartition("#")[2], str(g.value(entry, MF.name)))
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            test.requests.append(_request(g, req))
        tests.append(test)
    return tests


def graph_data() -> dict[str, Path]:
    g = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    return {str(g.value(d, RDFS.label)): SUITE / Path(str(g.value(d, UT.graph))).name
            for d in g.objects(None, UT.graphData)}


TESTS = manifest_tests()


@pytest.fixture(scope="module")
def protocol_server(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    store = open_store(module_store_url)
    for graph, file in graph_data().items():
        store.load(file.read_bytes(), format=RdfFormat.N_TRIPLES, graph=graph)
    publish_public(store, base=DEFAULT_BASE, changed=[])  # written by hand: published for the service
    store.close()
    # the test graphs are not public graphs: read them as an admin
    server = LiveServer(module_store_url, logs=tmp_path_factory.mktemp("w3c"), scope="admin")
    yield server
    server.stop()


def _status_ok(status: int, expected: set[str]) -> bool:
    return f"StatusCode{str(status)[0]}xx" in expected


def _check_body(response: httpx.Response, req: Request) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if req.format in ("boolean", "tabular"):
        assert media in RESULT_TYPES, f"unexpected media type {media} for {req.format} results"
        result = parse_query_results(response.content, format=RESULT_TYPES[media])
        if req.format == "boolean":
            assert isinstance(result, QueryBoolean)
            if req.boolean is not None:
                assert bool(result) is req.boolean
        else:
            assert list(result)  # type: ignore[arg-type]
    elif req.format == "RDF":
        assert media in RDF_TYPES, f"unexpected media type {media} for an RDF result"
        list(parse(response.content, format=RDF_TYPES[media]))


def _send(server: LiveServer, req: Request) -> httpx.Response:
    path = req.path.removeprefix("/sparql/")
    url = f"{server.url}/sparql{'?' + path.removeprefix('?') if path else ''}"
    content = req.body.encode("utf-8") if req.body is not None else None
    return httpx.request(req.method, url, content=content, headers=req.headers, timeout=30)


@pytest.mark.parametrize("test", [t for t in TESTS if not t.is_update], ids=lambda t: t.name)
def test_query_protocol(test: ProtocolTest, protocol_server: LiveServer) -> None:
    for req in test.requests:
        response = _send(protocol_server, req)
        assert _status_ok(response.status_code, req.statuses), (
            f"{test.label}: status {response.status_code} not in {sorted(req.statuses)}: {response.text[:300]}")
        if response.status_code < 300:
            _check_body(response, req)


@pytest.mark.parametrize("test", [t for t in TESTS if t.is_update], ids=lambda t: t.name)
def test_update_refused(test: ProtocolTest, protocol_server: LiveServer) -> None:
    response = _send(protocol_server, test.requests[0])
    assert 400 <= response.status_code < 500, f"{test.label}: update answered {response.status_code}"
    assert json.dumps(response.text)  # a readable message, not an empty body
    assert response.text.strip()


def test_suite_size() -> None:
    """The copy of the suite is complete: 20 query tests and 14 update tests."""
    assert (sum(not t.is_update for t in TESTS), sum(t.is_update for t in TESTS)) == (20, 14)
