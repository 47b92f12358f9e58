"""Helpers of the service tests: the test store, in-process clients and a real uvicorn process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from pyoxigraph import RdfFormat, Triple, parse

from inburgering.namespaces import DEFAULT_BASE
from inburgering.security.scope import AccessScope
from inburgering.service import create_app
from inburgering.service.deps import get_scope
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import publish_public
from servers import free_port

HERE = Path(__file__).parent
DATA = HERE / "data"
BASE = DEFAULT_BASE
PERSON = f"{BASE}/id/persoon/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INSTANCE_GRAPH = f"{BASE}/graph/gm0363/duo/load1"
ADMIN = AccessScope(token_id="test-admin", role="admin", gemeenten=frozenset({"GM0363"}), special_categories=True)


def build_store(location: str) -> str:
    """The test store at ``location`` (a folder or a cleared remote store's URL): ontology, concepts, shapes
    and metadata from tests/service/data, plus one person."""
    store = open_store(location)
    load_public_graphs(store, base=BASE, ontology_dir=DATA / "ontology", shapes_dir=DATA / "shapes")
    store.load((DATA / "instance.trig").read_bytes(), format=RdfFormat.TRIG)
    publish_public(store, base=BASE, changed=[])  # written by hand: a publication makes it visible to readers
    store.close()
    return location


def expand_jsonld(client: TestClient, document: bytes | dict[str, Any]) -> list[Triple]:
    """The triples an independent JSON-LD processor (pyld) reads from a JSON-LD answer; the context it names is
    fetched through ``client``, so it must be served where the document says."""
    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        response = client.get(url, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return {"contextUrl": None, "documentUrl": url, "document": response.json()}

    data = json.loads(document) if isinstance(document, bytes) else document
    nquads = jsonld.to_rdf(data, {"format": "application/n-quads", "documentLoader": load})
    return list(parse(nquads.encode("utf-8"), format=RdfFormat.N_TRIPLES))


#: Where a TestClient reaches the app: links are built from the configured public URL (never the Host header).
TEST_URL = "http://testserver"


def make_client(location: str | Path, *, scope: AccessScope | None = None, **settings: object) -> TestClient:
    settings.setdefault("public_url", TEST_URL)
    app = create_app(Settings(store=str(location), **settings))  # type: ignore[arg-type]
    if scope is not None:
        app.dependency_overrides[get_scope] = lambda: scope
    return TestClient(app)


class LiveServer:
    """A real uvicorn process serving a store (a folder or a remote store's URL); ``url`` is its root; its log
    goes to ``logs``; ``options`` are more ``inburgering serve`` flags (``--token-db …``)."""

    def __init__(self, store: str, *, logs: Path, scope: str = "public", timeout_s: float = 60.0,
                 options: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.log = logs / f"server-{self.port}.log"
        with self.log.open("wb") as log:
            # The public server is the real command; another scope needs the injecting helper script.
            command = ([sys.executable, "-m", "inburgering.cli", "serve"] if scope == "public"
                       else [sys.executable, str(HERE / "serve_for_tests.py"), "--scope", scope])
            self.process = subprocess.Popen([*command, "--store", str(store), "--port", str(self.port), *options],
                                            stdout=log, stderr=subprocess.STDOUT, env=env)
        self._wait(timeout_s)

    def _wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(self.url + "/sparql?query=ASK%7B%7D", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"the test server did not start on {self.url}:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


#: Columns made by GROUP_CONCAT, whose order within a value SPARQL leaves to the engine (and Oxigraph takes from
#: the order rows come in, which differs between one municipality's copy and the whole store): compared as sets.
CONCATENATED = {"werklijst-termijn-eindigt-binnen-zes-maanden": (5, " "), "verschillen-duo-ggm": (5, " | ")}
