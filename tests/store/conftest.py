"""Fixtures of the store tests: the remote backends alone, for what only a remote store does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inburgering.store.remote import RemoteStore
from servers import backend_params, clear_store


@pytest.fixture(params=backend_params(remote_only=True))
def remote_store(request: pytest.FixtureRequest) -> Iterator[RemoteStore]:
    """An emptied remote store (each remote backend of INBURGERING_TEST_BACKENDS)."""
    server = request.getfixturevalue(f"{request.param}_server")
    clear_store(server.url)
    store = RemoteStore(server.url)
    yield store
    store.close()
