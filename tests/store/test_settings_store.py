"""A store named by the settings gets the settings' credentials (the loader, service and demo open it so)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest

from inburgering.errors import StoreError
from inburgering.settings import Settings
from inburgering.store import open_settings_store
from servers import VirtuosoServer

pytestmark = pytest.mark.remote

UPDATE = "INSERT DATA { GRAPH <urn:test:settings> { <urn:s> <urn:p> 1 } }"


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.hostname + f":{parts.port}"))


def test_credentials_from_the_settings_reach_the_remote_store(virtuoso_server: VirtuosoServer) -> None:
    url = _without_credentials(virtuoso_server.url)
    store = open_settings_store(Settings(store=url, store_user="dba", store_password="dba"))
    store.update(UPDATE)
    assert bool(store.query("ASK { GRAPH <urn:test:settings> { <urn:s> <urn:p> 1 } }"))
    store.drop_graph("urn:test:settings")


def test_without_the_credentials_the_same_update_is_refused(virtuoso_server: VirtuosoServer) -> None:
    store = open_settings_store(Settings(store=_without_credentials(virtuoso_server.url)))
    with pytest.raises(StoreError):
        store.update(UPDATE)
