"""Issue 13, finding 6: what a client writes in its headers never steers the service.

Links come from the configured public URL only (never ``Host``); ``X-Forwarded-For`` is read only from
configured proxies (none by default, also in a real ``inburgering serve`` process, whose uvicorn would believe
it from 127.0.0.1); a request with two ``Authorization`` headers is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from service_support import LiveServer

from inburgering.service import create_app

from .conftest import BASE, Deployment, build_instance_store

PUBLIC_URL = "https://inburgering.example.test"
EVIL = "evil.example"
#: A value for each path parameter of the service's routes, so that every route is asked.
PARAMS = {"path": "concept/leerroute/B", "term": "PIP", "name": "v1.jsonld", "filename": "concepts.ttl",
          "ext": "ttl"}
ACCEPTS = ("text/html", "text/turtle", "application/ld+json", "application/sparql-results+json",
           "application/json", "*/*")


#: Without a configured public URL, links name the address the service listens on (settings host and port).
LISTENING = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def client(deployment: Deployment) -> Iterator[TestClient]:
    with deployment.client(public_url=PUBLIC_URL) as c:
        yield c


def _route_paths(client: TestClient) -> list[str]:
    paths = ["/static/query.js", "/no/such/page", "/downloads", "/def/", "/stats/",
             "/sparql?query=SELECT%20%3Fs%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%201"]
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and "GET" in route.methods:
            paths.append(re.sub(r"\{(\w+)(:path)?\}", lambda m: PARAMS[m.group(1)], route.path))
    return paths


@pytest.mark.parametrize("configured", [True, False])
def test_no_answer_names_the_host_header(deployment: Deployment, configured: bool) -> None:
    own = deployment.person("GM0363", special=True)
    token = deployment.token("admin", "GM0363", special=True)
    root = PUBLIC_URL if configured else LISTENING
    with deployment.client(public_url=PUBLIC_URL if configured else None) as client:
        links = 0
        for path in [*_route_paths(client), own.iri.replace(f"{BASE}/id/", "/doc/")]:
            for accept in ACCEPTS:
                for headers in ({}, token):
                    response = client.get(path, headers={"Host": EVIL, "Accept": accept, **headers},
                                          follow_redirects=False)
                    assert response.status_code < 500, (path, accept, response.status_code)
                    assert EVIL not in response.text, (path, accept)
                    assert all(EVIL not in v for v in response.headers.values()), (path, accept, response.headers)
                    links += response.text.count(root)
        assert links > 20, "the answers hold few links: the test would not see a wrong one"
        redirect = client.get("/id/concept/leerroute/B", headers={"Host": EVIL}, follow_redirects=False)
        assert redirect.status_code == 303 and redirect.headers["location"] == "/doc/concept/leerroute/B"


def test_the_service_description_names_the_public_url(client: TestClient) -> None:
    described = client.get("/sparql", headers={"Host": EVIL, "Accept": "text/turtle"})
    assert f"<{PUBLIC_URL}/sparql>" in described.text


def _statuses(client: TestClient, forwarded: list[str]) -> list[int]:
    return [client.get("/def/PIP", headers={"Accept": "text/turtle", "X-Forwarded-For": f}).status_code
            for f in forwarded]


def test_forwarded_for_is_not_believed_without_configured_proxies(deployment: Deployment) -> None:
    app = create_app(deployment.settings(rate_limit_burst=3, rate_limit_per_minute=1), query_workers=0)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        statuses = _statuses(local, [f"198.51.100.{n}" for n in range(8)])
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}


def test_forwarded_for_is_read_from_the_right_behind_a_trusted_proxy(deployment: Deployment) -> None:
    app = create_app(deployment.settings(rate_limit_burst=3, rate_limit_per_minute=1,
                                         trusted_proxies=["127.0.0.0/8"]), query_workers=0)
    with TestClient(app, client=("127.0.0.1", 40000)) as proxied:
        assert _statuses(proxied, [f"198.51.100.{n}" for n in range(8)]) == [200] * 8  # eight clients
        # what a client writes left of what the proxy appended changes nothing: one client, one bucket
        spoofed = _statuses(proxied, [f"203.0.113.{n}, 192.0.2.77" for n in range(8)])
        assert spoofed[:3] == [200, 200, 200] and set(spoofed[3:]) == {429}
    with TestClient(app, client=("192.0.2.200", 40000)) as direct:  # not a proxy: its header is not read
        statuses = _statuses(direct, [f"198.51.100.{n}" for n in range(8)])
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}


def test_a_real_server_does_not_believe_forwarded_for_from_loopback(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's own proxy handling trusts X-Forwarded-For from 127.0.0.1 unless switched off."""
    build_instance_store(tmp_path / "store")
    monkeypatch.setenv("INBURGERING_RATE_LIMIT_BURST", "3")
    monkeypatch.setenv("INBURGERING_RATE_LIMIT_PER_MINUTE", "1")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own setting: must not matter either
    server = LiveServer(str(tmp_path / "store"), logs=tmp_path, options=("--audit-log", str(tmp_path / "a.jsonl")))
    try:
        statuses = [httpx.get(f"{server.url}/def/PIP", headers={"Accept": "text/turtle",
                                                                "X-Forwarded-For": f"198.51.100.{n}"}).status_code
                    for n in range(8)]
    finally:
        server.stop()
    assert 429 in statuses and statuses[0] in (200, 429)  # the start-up probe may have used a token already


@pytest.mark.parametrize("order", ["valid-first", "bogus-first", "twice-the-same"])
def test_two_authorization_headers_are_refused(client: TestClient, deployment: Deployment, order: str) -> None:
    valid = deployment.token("analyst", "GM0363")["Authorization"]
    bogus = "Bearer inb_00000000_" + "A" * 43
    pair = {"valid-first": [valid, bogus], "bogus-first": [bogus, valid], "twice-the-same": [valid, valid]}[order]
    own = deployment.person("GM0363").iri.replace(f"{BASE}/id/", "/doc/")
    for path in (own, "/sparql?query=ASK%7B%7D", "/def/PIP"):
        response = client.get(path, headers=[("Authorization", v) for v in pair] + [("Accept", "text/turtle")])
        assert response.status_code == 400, (path, response.status_code)
        assert "Authorization" in response.text
    assert client.get(own, headers={"Authorization": valid, "Accept": "text/turtle"}).status_code == 200
