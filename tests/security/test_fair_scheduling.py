"""Issue 13, finding 2: anonymous callers get a bounded share of the query workers and their own time limit, so a
token holder's trivial query is answered while anonymous callers saturate the service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from inburgering.service import create_app

from .conftest import Deployment

#: A five-way cross product of the store: runs until any time limit.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _wait_for(condition: Callable[[], bool], what: Callable[[], str], limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what()}")
        time.sleep(0.01)


@pytest.mark.not_on("oxigraph", "virtuoso")  # query worker processes exist on the embedded store only
def test_anonymous_callers_cannot_starve_a_token_holder(deployment: Deployment) -> None:
    settings = {"query_timeout_s": 30, "anonymous_query_timeout_s": 10, "anonymous_query_queue": 1}
    token = deployment.token("analyst", "GM0363")
    events: list[tuple[str, int, str]] = []
    with TestClient(create_app(deployment.settings(**settings), query_workers=2)) as client:
        fair = client.app.state.runtime.engine  # type: ignore[attr-defined]
        assert client.get("/sparql", params={"query": "ASK {}"}, headers=token).status_code == 200

        def anonymous() -> None:
            response = client.get("/sparql", params={"query": SLOW})
            events.append(("anonymous", response.status_code, response.headers.get("retry-after", "")))

        crowd = [threading.Thread(target=anonymous) for _ in range(4)]
        for thread in crowd:
            thread.start()
        _wait_for(lambda: fair.running["public"] == 1 and any(e[2] == "5" for e in events),
                  lambda: f"the anonymous share to fill up: {fair.running}, {fair._waiting} waiting, {events}")
        answer = client.get("/sparql", params={"query": "ASK {}"}, headers=token)
        events.append(("token", answer.status_code, answer.text))
        for thread in crowd:
            thread.join()
    kinds = [kind for kind, _, _ in events]
    assert kinds.count("anonymous") == 4
    # two anonymous requests found the share and its queue full: a 503 at once, with Retry-After
    busy = [status for kind, status, retry in events if kind == "anonymous" and retry == "5"]
    assert len(busy) >= 2 and set(busy) == {503}
    # the token holder was answered while the anonymous query was still running (it ends at its own limit)
    first_slow_end = next(i for i, e in enumerate(events) if e[0] == "anonymous" and not e[2])
    assert kinds.index("token") < first_slow_end
    assert events[kinds.index("token")][1:] == (200, '{"head":{},"boolean":true}')


@pytest.mark.not_on("oxigraph", "virtuoso")  # query worker processes exist on the embedded store only
def test_anonymous_queries_have_their_own_time_limit(deployment: Deployment) -> None:
    with TestClient(create_app(deployment.settings(query_timeout_s=30, anonymous_query_timeout_s=1),
                               query_workers=1)) as client:
        response = client.get("/sparql", params={"query": SLOW})
    assert response.status_code == 503
    assert "time limit of 1 s" in response.text


def test_anonymous_share_caps_threads_on_any_store(deployment: Deployment) -> None:
    """Without worker processes (threads; a remote store) the share still caps anonymous queries."""
    with TestClient(create_app(deployment.settings(anonymous_query_workers=0), query_workers=0)) as client:
        refused = client.get("/sparql", params={"query": "ASK {}"})
        token = client.get("/sparql", params={"query": "ASK {}"}, headers=deployment.token("analyst", "GM0363"))
    assert (refused.status_code, token.status_code) == (403, 200)
    assert "with a token only" in refused.text
