"""Standing test (issue 13): schemathesis fuzzes every route of a real ``inburgering serve`` process, from the
OpenAPI description it publishes (``/api/openapi.json``), anonymously and with three kinds of token.

No answer may be a server error other than 503 (a query past its time limit, or the anonymous share full), and
no body may hold a traceback; the process must still be running at the end. Examples per route are bounded
(``INBURGERING_API_FUZZ_EXAMPLES``, default 30 per route and mode: the whole run takes under a minute) and derandomized, so a
failure repeats; raise the number for a longer campaign.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from service_support import LiveServer

from inburgering.security.tokens import TokenStore

from .conftest import build_instance_store

EXAMPLES = int(os.environ.get("INBURGERING_API_FUZZ_EXAMPLES", "30"))
#: Each caller asks with its own Accept header, so every answer format is met along the way.
CALLERS = {"anonymous": "text/html", "analyst": "text/turtle", "analyst-special": "application/ld+json",
           "admin": "application/sparql-results+json"}
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages/")


@dataclass
class Served:
    server: LiveServer
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("api-fuzz")
    build_instance_store(folder / "store")
    tokens = TokenStore(folder / "tokens.sqlite")
    issued = {"analyst": tokens.create(role="analyst", gemeenten=["GM0363"]),
              "analyst-special": tokens.create(role="analyst", gemeenten=["GM0363"], special_categories=True),
              "admin": tokens.create(role="admin", gemeenten=["GM0363", "GM0599"], special_categories=True)}
    tokens.close()
    headers = {name: {"Accept": accept} for name, accept in CALLERS.items()}
    for name, token in issued.items():
        headers[name]["Authorization"] = f"Bearer {token.token}"
    with pytest.MonkeyPatch.context() as env:  # the fuzzer is not to be throttled into 429s
        env.setenv("INBURGERING_RATE_LIMIT_PER_MINUTE", "1000000")
        env.setenv("INBURGERING_RATE_LIMIT_BURST", "1000000")
        server = LiveServer(str(folder / "store"), logs=folder, options=(
            "--token-db", str(folder / "tokens.sqlite"), "--audit-log", str(folder / "audit.jsonl")))
    try:
        yield Served(server, headers)
        assert server.process.poll() is None, "the service died under the fuzzer"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api(served: Served) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{served.server.url}/api/openapi.json")


def _check(case: schemathesis.Case, served: Served) -> None:
    for caller, headers in served.headers.items():
        try:
            response = case.call(base_url=served.server.url, headers=dict(headers), timeout=60,
                                 allow_redirects=False)
        except requests.exceptions.InvalidHeader:
            continue  # the client library refuses to send it: nothing reached the service
        where = f"{caller}: {case.method} {response.request.url} -> {response.status_code}"
        assert response.status_code < 500 or response.status_code == 503, where + "\n" + response.text[:500]
        assert not any(marker in response.text for marker in TRACEBACK_MARKERS), where + "\n" + response.text[:500]


def test_no_server_error_and_no_traceback_on_any_route(api: schemathesis.BaseSchema, served: Served) -> None:
    """Every operation, valid and invalid inputs (schemathesis's positive and negative modes), every caller.

    (Driven by hand rather than by schemathesis's pytest plugin, whose lazy schemas do not run on pytest 9.)"""
    operations = [result.ok() for result in api.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: schemathesis.Case) -> None:
                _check(case, served)

            try:
                fuzz()
            except hypothesis.errors.Unsatisfiable:
                continue  # no invalid input exists for an operation without parameters


def test_the_fuzzer_met_every_route(api: schemathesis.BaseSchema) -> None:
    """The description covers the service: every route the app serves is in it (static files apart)."""
    paths = set(api.raw_schema["paths"])  # type: ignore[attr-defined]
    assert {"/sparql", "/id/{path}", "/doc/{path}", "/def/{term}", "/shapes/{name}", "/stats.json",
            "/downloads/{filename}", "/context/{name}"} <= paths
    assert api.raw_schema["paths"]["/sparql"]["get"]["parameters"][0]["name"] == "query"  # type: ignore[attr-defined]
