"""Fixtures shared by every test folder. Each folder keeps its own ``conftest.py`` for what only it needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inburgering.store.base import Store
from pg_support import pg_schema  # noqa: F401  (the PostgreSQL fixture, for every folder)
from servers import OxigraphServer, ServerProcess, VirtuosoServer, backend_params

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect (not skip) the backend variants that a ``not_on`` mark rules out: they do not apply there."""
    kept, dropped = [], []
    for item in items:
        mark = item.get_closest_marker("not_on")
        params = getattr(getattr(item, "callspec", None), "params", {})
        backend = params.get("module_backend", params.get("backend"))
        (dropped if mark is not None and backend in mark.args else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


#: Query time limits of the services the tests start with default settings. The defaults (10 s, 5 s anonymous)
#: are a deployment's; a test asks for correctness, and on a loaded CI machine a plain query over a test store
#: took more than 10 s (three cookbook questions over DUO and GGM as admin, 0.5-1.4 s on a quiet one). Tests of
#: the time limits set their own.
TEST_ENVIRONMENT = {"INBURGERING_QUERY_TIMEOUT_S": "120", "INBURGERING_ANONYMOUS_QUERY_TIMEOUT_S": "60"}


@pytest.fixture(scope="session", autouse=True)
def session_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Services a test starts with default settings (in process or as ``inburgering serve``) append to an audit log
    of the test session, never to the checkout's ``var/audit.jsonl``, where a deployment's or the demo's record of
    who read what would get the tests' requests mixed in (27,172 of them in one run); and they have the query time
    limits of ``TEST_ENVIRONMENT``."""
    import os

    wanted = {**TEST_ENVIRONMENT, "INBURGERING_AUDIT_LOG": str(tmp_path_factory.mktemp("audit") / "audit.jsonl")}
    before = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference material beside the checkout (``../shared``)."""
    if not SHARED.is_dir():
        pytest.fail(f"reference material not found at {SHARED}")
    return SHARED


#: The session's servers started so far (``oxigraph_server``, ``virtuoso_server``), watched after every test.
SESSION_SERVERS: list[ServerProcess] = []


@pytest.fixture(autouse=True)
def servers_outlive_each_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test under which a session server's process ended (Virtuoso 07.20 was killed by signal 11 in two
    full runs on 2026-12-05, and the later tests on it could only say "under an earlier test")."""
    yield
    for server in SESSION_SERVERS:
        how = server.ended_during(request.node.nodeid)
        if how is not None:
            pytest.fail(f"the {server.name} server {how} during this test; the last of its log:\n"
                        + server.log_tail(), pytrace=False)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A real ``oxigraph serve`` process for this test session (one per xdist worker)."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph")).start()
    SESSION_SERVERS.append(server)
    yield server
    SESSION_SERVERS.remove(server)
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """A real Virtuoso process for this test session (one per xdist worker)."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    SESSION_SERVERS.append(server)
    yield server
    SESSION_SERVERS.remove(server)
    server.stop()


@pytest.fixture(params=backend_params())
def backend(request: pytest.FixtureRequest) -> str:
    """The store backend this test runs on (see ``BACKENDS``)."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the ``store`` fixture's store lives: a folder (embedded) or the URL of a cleared remote server.

    Tests that open the store themselves (the CLI, a subprocess) use ``open_store(store_url)``.
    """
    if backend == "embedded":
        return str(tmp_path / "store")
    server: ServerProcess = request.getfixturevalue(f"{backend}_server")
    return server.clear()


@pytest.fixture(scope="module", params=backend_params())
def module_backend(request: pytest.FixtureRequest) -> str:
    """The backend of a store that the tests of one module share (see ``module_store_url``)."""
    return str(request.param)


@pytest.fixture(scope="module")
def module_store_url(module_backend: str, request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Where one module's shared store lives, on each backend: a new folder, or a cleared remote server
    lent to this module until its last test on that backend. For tests that only read: one load per backend
    and module keeps the three-backend suite fast."""
    if module_backend == "embedded":
        yield str(tmp_path_factory.mktemp("shared") / "store")
        return
    server: ServerProcess = request.getfixturevalue(f"{module_backend}_server")
    yield server.clear(for_module=request.module.__name__)
    server.give_back()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A fresh, empty store for one test, on each backend of ``INBURGERING_TEST_BACKENDS``."""
    from inburgering.store import open_store

    s = open_store(store_url)
    yield s
    s.close()
