"""Fixtures of the service tests (helpers in ``service_support.py``).

The test store is built once per module and backend (``module_store_url``): every test that reads it runs on
the embedded store, the Oxigraph server and Virtuoso.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright
from service_support import ADMIN, LiveServer, build_store, make_client


@pytest.fixture(scope="module")
def store_location(module_store_url: str) -> str:
    """The loaded test store: a folder or a remote store's URL (``Settings.store``)."""
    return build_store(module_store_url)


@pytest.fixture(scope="module")
def client(store_location: str) -> Iterator[TestClient]:
    """The service as the public sees it (no token)."""
    with make_client(store_location) as c:
        yield c


@pytest.fixture(scope="module")
def admin_client(store_location: str) -> Iterator[TestClient]:
    """The service with an admin scope injected (until tokens exist)."""
    with make_client(store_location, scope=ADMIN) as c:
        yield c


@pytest.fixture(scope="module")
def live_server(store_location: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``inburgering serve`` in its own process, as the public reaches it."""
    server = LiveServer(store_location, logs=tmp_path_factory.mktemp("live"))
    yield server
    server.stop()


CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (the browser tests: ``test_browser.py``, ``test_dossier.py``)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does this)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
