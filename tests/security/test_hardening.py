"""The outer wall on a small app of its own: path tricks, body limits, security headers, 401/403/429, audit lines."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from inburgering.errors import AccessError
from inburgering.security import audit
from inburgering.security.middleware import bad_path, install
from inburgering.security.ratelimit import RateLimiter
from inburgering.security.scope import AccessScope
from inburgering.security.tokens import TokenStore
from inburgering.settings import Settings


def _scope(request: Request) -> AccessScope:
    return request.app.state.authenticator.scope_for(request.headers.get("authorization"), client="c")


Scope = Annotated[AccessScope, Depends(_scope)]


def _app(tmp_path: Path, **overrides: object) -> tuple[FastAPI, TokenStore]:
    settings = Settings(store="memory:", audit_log=tmp_path / "audit.jsonl", token_db=tmp_path / "t.sqlite",
                        **overrides)
    tokens = TokenStore(settings.token_db)  # type: ignore[arg-type]
    app = FastAPI()
    install(app, settings, tokens=tokens)

    @app.get("/id/{path:path}")
    def thing(path: str, caller: Scope) -> dict[str, str]:
        if caller.role == "public":
            raise audit_required()
        audit.note_access(resource="https://data.example/id/" + path, result_count=1)
        return {"path": path}

    @app.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse("<p>hi</p>")

    @app.post("/sparql")
    async def sparql(request: Request, caller: Scope) -> dict[str, int]:
        body = await request.body()
        audit.note_access(query=body.decode(), result_count=0)
        return {"bytes": len(body)}

    @app.get("/admin-only")
    def admin_only(caller: Scope) -> dict[str, str]:
        if caller.role != "admin":
            raise AccessError("admins only")
        return {}

    return app, tokens


def audit_required() -> Exception:
    from inburgering.security.scope import AuthenticationRequired
    return AuthenticationRequired("instance data needs a bearer token")


def raw_get(app: FastAPI, raw_path: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """Send a path exactly as given (HTTP clients remove dot segments before sending); returns the status."""
    statuses: list[int] = []
    path = raw_path.decode("latin-1")

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": unquote(path), "raw_path": raw_path, "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 1), "server": ("t", 80)}
    asyncio.run(app(scope, receive, send))
    return statuses[0]


@pytest.mark.parametrize("path", ["/id/persoon/../../graph/meta", "/id/persoon/%2e%2e/%2e%2e/graph/meta",
                                  "/id/persoon/%2E%2e/x", "/id//persoon/x", "/id/persoon/%252e%252e/x",
                                  "/id/persoon/x%2f..%2fy", "/id/persoon/a%5c..%5cb", "/id/persoon/%00",
                                  "/id/persoon/./x", "/doc/persoon/..;/x/.."])
def test_path_tricks_on_id_are_refused(tmp_path: Path, path: str) -> None:
    app, tokens = _app(tmp_path)
    token = tokens.create(role="admin", gemeenten=["GM0363"]).token
    status = raw_get(app, path.encode(), [(b"authorization", f"Bearer {token}".encode())])
    assert status == 400, path
    assert raw_get(app, b"/id/persoon/x", [(b"authorization", f"Bearer {token}".encode())]) == 200


def test_a_plain_path_passes() -> None:
    assert bad_path("/id/persoon/4f2a9c0d-pip") is None
    assert bad_path("/doc/concept/leerroute/B.ttl") is None


def test_401_has_a_challenge_and_403_does_not(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path)
    analyst = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    with TestClient(app) as client:
        anonymous = client.get("/id/persoon/x")
        wrong = client.get("/id/persoon/x", headers={"Authorization": "Bearer inb_00000000_" + "A" * 43})
        basic = client.get("/id/persoon/x", headers={"Authorization": "Basic dXNlcjpwdw=="})
        forbidden = client.get("/admin-only", headers={"Authorization": f"Bearer {analyst}"})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == 'Bearer realm="inburgering"'
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["www-authenticate"]
    assert basic.status_code == 401
    assert forbidden.status_code == 403 and "www-authenticate" not in forbidden.headers


def test_body_and_query_size_limits(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path, max_body_bytes=1000)
    token = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/sparql-query"}
    with TestClient(app) as client:
        small = client.post("/sparql", content=b"ASK {}", headers=headers)
        big = client.post("/sparql", content=b"#" * 1001, headers=headers)
        chunked = client.post("/sparql", content=iter([b"#" * 600, b"#" * 600]), headers=headers)
    assert small.status_code == 200
    assert big.status_code == 413
    assert chunked.status_code == 413


def test_security_headers(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path)
    token = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    with TestClient(app) as client:
        html = client.get("/page")
        data = client.get("/id/persoon/x", headers={"Authorization": f"Bearer {token}"})
    csp = html.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert html.headers["x-content-type-options"] == "nosniff"
    assert html.headers["x-frame-options"] == "DENY"
    assert html.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in data.headers  # JSON is not rendered
    assert data.headers["cache-control"] == "private, no-store"  # personal data stays out of caches


def test_cors_only_when_configured(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    with TestClient(app) as client:
        none = client.get("/page", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in none.headers
    app, _ = _app(tmp_path, cors_origins=["https://analyse.example"])
    with TestClient(app) as client:
        allowed = client.get("/page", headers={"Origin": "https://analyse.example"})
        other = client.get("/page", headers={"Origin": "https://elsewhere.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://analyse.example"
    assert "access-control-allow-origin" not in other.headers


def test_rate_limit_per_token(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path, rate_limit_per_minute=1, rate_limit_burst=3)
    first = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    second = tokens.create(role="analyst", gemeenten=["GM0363"]).token
    with TestClient(app) as client:
        codes = [client.get("/id/x", headers={"Authorization": f"Bearer {first}"}).status_code for _ in range(4)]
        other = client.get("/id/x", headers={"Authorization": f"Bearer {second}"})
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200  # a bucket per token


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=1, clock=lambda: now[0])
    limiter.check("k")
    with pytest.raises(AccessError):
        limiter.check("k")
    now[0] = 1.0
    limiter.check("k")


def test_audit_lines(tmp_path: Path) -> None:
    app, tokens = _app(tmp_path)
    issued = tokens.create(role="analyst", gemeenten=["GM0363"])
    auth = {"Authorization": f"Bearer {issued.token}"}
    with TestClient(app) as client:
        client.get("/id/persoon/abc", headers=auth)
        client.post("/sparql", content=b"SELECT * WHERE { ?s ?p '999900012' }", headers=auth)
        client.get("/id/persoon/abc")
        client.get("/page")
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(x["endpoint"], x["outcome"]) for x in lines] == [
        ("/id/persoon/abc", "ok"), ("/sparql", "ok"), ("/id/persoon/abc", "unauthenticated")]
    assert lines[0]["token_id"] == issued.record.token_id and lines[0]["resource"].endswith("/persoon/abc")
    assert len(lines[1]["query_sha256"]) == 64
    text = (tmp_path / "audit.jsonl").read_text()
    assert "999900012" not in text and issued.token.split("_", 2)[2] not in text
