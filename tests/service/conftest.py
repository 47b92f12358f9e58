"""Fixtures of the service tests (helpers in ``service_support.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_support import ADMIN, LiveServer, build_store, make_client


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("service") / "store")


@pytest.fixture(scope="module")
def client(store_path: Path) -> Iterator[TestClient]:
    """The service as the public sees it (no token)."""
    with make_client(store_path) as c:
        yield c


@pytest.fixture(scope="module")
def admin_client(store_path: Path) -> Iterator[TestClient]:
    """The service with an admin scope injected (until tokens exist)."""
    with make_client(store_path, scope=ADMIN) as c:
        yield c


@pytest.fixture(scope="module")
def live_server(store_path: Path) -> Iterator[LiveServer]:
    """``inburgering serve`` in its own process, as the public reaches it."""
    server = LiveServer(store_path)
    yield server
    server.stop()
