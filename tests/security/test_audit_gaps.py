"""Issue 13, finding 7: every request that carries a token and every refused request is in the audit log, and a
BSN typed into a path or a query is not.

The review found token-bearing requests to ``/id/…``, ``/query`` and ``/static/…`` and refused requests missing
from the log, and a BSN in a path written verbatim.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from inburgering.security.redact import MARKER, mask_bsn

from .conftest import BASE, Deployment

PARAMS = {"path": "concept/leerroute/B", "term": "PIP", "name": "v1.jsonld", "filename": "concepts.ttl",
          "ext": "ttl"}
#: Valid BSNs (they pass the elfproef), as people type them.
BSNS = ("999990019", "999990020", "9999.90.020", "999 990 020")
#: A pseudonym (32 hex characters) that holds a 9-digit run passing the elfproef: it must stay whole.
PSEUDONYM = "abcd999990020" + "e" * 19


@pytest.fixture(scope="module")
def logged(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    log = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    with deployment.client(audit_log=log, max_query_bytes=2_000, max_body_bytes=50_000) as client:
        yield client, log


def _lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _paths(client: TestClient, deployment: Deployment) -> list[str]:
    paths = ["/static/query.js", "/static/nothing.js", "/id/persoon/x", "/no/such/page", "/id//persoon/x",
             deployment.person("GM0363").iri.replace(f"{BASE}/id/", "/doc/")]
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and "GET" in route.methods:
            paths.append(re.sub(r"\{(\w+)(:path)?\}", lambda m: PARAMS[m.group(1)], route.path))
    return paths


@pytest.mark.parametrize("kind", ["valid", "forged", "malformed", "two-headers"])
def test_every_request_with_a_token_is_logged(logged: tuple[TestClient, Path], deployment: Deployment,
                                              kind: str) -> None:
    client, log = logged
    issued = deployment.tokens.create(role="analyst", gemeenten=["GM0363"])
    value = {"valid": f"Bearer {issued.token}", "forged": f"Bearer {issued.token[:-3]}AAA",
             "malformed": "Basic dXNlcjpwdw==", "two-headers": f"Bearer {issued.token}"}[kind]
    headers = [("Authorization", value)] * (2 if kind == "two-headers" else 1)
    expected_id = issued.record.token_id if kind == "valid" else None
    credentials = {"valid": "token", "forged": "invalid", "malformed": "invalid", "two-headers": "repeated"}[kind]
    requests = [("GET", path) for path in _paths(client, deployment)] + [("DELETE", "/sparql"), ("POST", "/def")]
    for method, path in requests:
        before = len(_lines(log))
        response = client.request(method, path, headers=headers, follow_redirects=False)
        new = _lines(log)[before:]
        assert len(new) == 1, (method, path, response.status_code, new)
        assert new[0]["credentials"] == credentials and new[0]["token_id"] == expected_id, (path, new[0])
        assert new[0]["status"] == response.status_code and new[0]["method"] == method
    assert issued.token.split("_", 2)[2] not in log.read_text()  # the secret never


def test_a_request_without_a_token_to_public_data_is_not_logged(logged: tuple[TestClient, Path]) -> None:
    """The control: the log is not simply every request."""
    client, log = logged
    before = len(_lines(log))
    assert client.get("/static/query.js").status_code == 200
    assert client.get("/def/PIP", headers={"Accept": "text/turtle"}).status_code == 200
    assert len(_lines(log)) == before


REFUSED = {  # name: (method, kwargs, status)
    "syntax error": ("GET", {"params": {"query": "SELECT * WHERE { ?s ?p"}}, 400),
    "two queries": ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    "too deeply nested": ("GET", {"params": {"query": "ASK {" + "{" * 40 + "}" * 40 + "}"}}, 400),
    "SERVICE": ("GET", {"params": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}}, 403),
    "update": ("POST", {"content": "INSERT DATA { <a:b> <a:c> <a:d> }",
                        "headers": {"Content-Type": "application/sparql-update"}}, 403),
    "query too long": ("POST", {"content": "ASK {} #" + "x" * 3_000,
                                "headers": {"Content-Type": "application/sparql-query"}}, 413),
    "body too large": ("POST", {"content": "x" * 60_000, "headers": {"Content-Type": "application/sparql-query"}},
                       413),
    "wrong media type": ("POST", {"content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    "path trick": ("GET", {"url": "/sparql/%2e%2e/sparql"}, 400),
}


@pytest.mark.parametrize("token", [False, True])
@pytest.mark.parametrize("name", list(REFUSED))
def test_every_refused_sparql_request_is_logged(logged: tuple[TestClient, Path], deployment: Deployment,
                                                name: str, token: bool) -> None:
    client, log = logged
    method, kwargs, status = REFUSED[name]
    kwargs = dict(kwargs)
    url = kwargs.pop("url", "/sparql")
    headers = {**kwargs.pop("headers", {}), **(deployment.token("analyst", "GM0363") if token else {})}
    before = len(_lines(log))
    response = client.request(method, url, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    new = _lines(log)[before:]
    assert len(new) == 1 and new[0]["status"] == status and new[0]["outcome"] in ("refused", "denied")
    assert (new[0]["credentials"] == "token") == token
    if "params" in kwargs and name != "two queries":  # the text was read: its hash is there
        assert new[0]["query_sha256"] == hashlib.sha256(kwargs["params"]["query"].encode()).hexdigest()


@pytest.mark.parametrize("bsn", BSNS)
def test_a_bsn_in_a_path_or_a_query_never_reaches_the_log(logged: tuple[TestClient, Path], deployment: Deployment,
                                                          bsn: str) -> None:
    client, log = logged
    token = deployment.token("analyst", "GM0363")
    query = f'SELECT * WHERE {{ ?p ?x "{bsn}" }}'
    before = len(_lines(log))
    client.get(f"/doc/persoon/{bsn}", headers={"Accept": "text/turtle", **token})
    client.get(f"/id/persoon/bsn{bsn}.ttl", headers=token, follow_redirects=False)
    anonymous = client.get(f"/doc/persoon/{bsn}")  # 401 is logged (with a space in it, not an IRI: a plain 404)
    client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    new = _lines(log)[before:]
    assert len(new) == (4 if anonymous.status_code == 401 else 3)
    text = json.dumps(new)
    assert bsn not in text and re.sub(r"[^0-9]", "", bsn) not in text
    assert text.count(MARKER) >= 2  # the two paths with a token at least
    assert new[-1]["query_sha256"] == hashlib.sha256(mask_bsn(query).encode()).hexdigest()
    assert mask_bsn(query) == query.replace(bsn, MARKER)


def test_a_pseudonym_stays_whole(logged: tuple[TestClient, Path], deployment: Deployment) -> None:
    """Its digits are chance (an HMAC): the log must name the pseudonymous resource that was asked for."""
    client, log = logged
    before = len(_lines(log))
    client.get(f"/doc/persoon/{PSEUDONYM}", headers={"Accept": "text/turtle", **deployment.token("analyst", "GM0363")})
    (line,) = _lines(log)[before:]
    assert line["endpoint"] == f"/doc/persoon/{PSEUDONYM}" and line["resource"].endswith(PSEUDONYM)
