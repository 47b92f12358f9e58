"""``/health``: public, the publication, per municipality and source the time of its last load, nothing about
special-category graphs; it follows new publications; 503 when the store does not answer (embedded and remote)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from inburgering.errors import StoreError
from inburgering.service import create_app
from inburgering.service.live import LiveStore
from inburgering.settings import Settings
from inburgering.store import open_store
from publication_support import publish_load
from servers import OxigraphServer

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: How long the service may take to follow a new publication (it polls every 0.5 s).
FOLLOW_WITHIN_S = 10.0


def _client(location: str) -> TestClient:
    return TestClient(create_app(Settings(store=location), query_workers=0))


@pytest.fixture
def published(store_url: str) -> Iterator[str]:
    """GM0363 with DUO (and its special-category graph) and GGM; GM0599 with special-category facts only."""
    store = open_store(store_url)
    publish_load(store, "GM0363", "duo", "L1", ended=WHEN)
    publish_load(store, "GM0599", "ggm", "L2", ended=WHEN.replace(hour=13), plain=False)
    last = publish_load(store, "GM0363", "ggm", "L3", ended=WHEN.replace(hour=14), special=False)
    store.close()
    yield last.id


def test_health_is_public_and_says_nothing_of_special_category_graphs(store_url: str, published: str,
                                                                        backend: str) -> None:
    with _client(store_url) as client:
        response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "ok" and body["store"] == "reachable" and body["publication"] == published
    assert body["sources"] == [{"gemeente": "GM0363", "source": "duo", "loaded": "2026-03-01T12:00:00Z"},
                               {"gemeente": "GM0363", "source": "ggm", "loaded": "2026-03-01T14:00:00Z"}]
    assert "GM0599" not in response.text and "bijzonder" not in response.text and "13:00" not in response.text
    assert body.get("latest") is (True if backend == "embedded" else None)


@pytest.mark.not_on("oxigraph", "virtuoso")
def test_health_follows_a_new_publication(store_url: str, published: str) -> None:
    with _client(store_url) as client:
        assert client.get("/health").json()["publication"] == published
        store = open_store(store_url)
        newer = publish_load(store, "GM0599", "duo", "L4").id
        store.close()
        deadline = time.monotonic() + FOLLOW_WITHIN_S
        while (body := client.get("/health").json())["publication"] != newer:
            assert time.monotonic() < deadline, f"still at {body['publication']}"
            time.sleep(0.1)
    assert body["latest"] is True
    assert ("GM0599", "duo") in {(s["gemeente"], s["source"]) for s in body["sources"]}


@pytest.mark.not_on("oxigraph", "virtuoso")
def test_health_is_503_when_the_embedded_store_fails(store_url: str, published: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with _client(store_url) as client:
        store = client.app.state.runtime.store  # type: ignore[attr-defined]
        assert isinstance(store, LiveStore)

        def broken(*args: object, **kwargs: object) -> None:
            raise StoreError("IO error: No such device")  # what RocksDB says when the disk is gone

        monkeypatch.setattr(store, "query", broken)
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and "IO error" not in response.text


def test_health_is_503_when_the_remote_store_is_down(tmp_path: Path) -> None:
    server = OxigraphServer(tmp_path / "oxigraph").start()
    try:
        store = open_store(server.url)
        publication = publish_load(store, "GM0363", "duo", "L1").id
        store.close()
        with _client(server.url) as client:
            assert client.get("/health").json()["publication"] == publication
            server.stop()
            response = client.get("/health")
    finally:
        server.stop()
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "store": "unreachable", "checked": response.json()["checked"]}
    assert response.headers["retry-after"] == "10"
