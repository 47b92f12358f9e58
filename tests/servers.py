"""Real SPARQL servers for the tests: an Oxigraph server process and a Virtuoso process, each in its own tmp folder.

Each starts on free ports and answers ``ASK {}`` before the fixture hands it out; a server that does not come up
FAILS the test with its log (never a skip). ``clear_store`` empties one between tests without touching
Virtuoso's own system graphs.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

#: Backends the ``store`` fixture runs on; ``INBURGERING_TEST_BACKENDS=embedded`` for a quick local run.
BACKENDS = [b.strip() for b in os.environ.get("INBURGERING_TEST_BACKENDS", "embedded,oxigraph,virtuoso").split(",")
            if b.strip()]
REMOTE_BACKENDS = ("oxigraph", "virtuoso")

#: Start-up limit; both come up in about 1-5 s on these machines.
START_TIMEOUT_S = 60.0

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 2000
MaxDirtyBuffers = 1200
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {root}/vsp
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 300
MaxQueryCostEstimationTime = 0
"""


def backend_params(*, remote_only: bool = False) -> list[Any]:
    """``pytest.param`` per backend of ``INBURGERING_TEST_BACKENDS``; the remote ones carry the ``remote`` mark."""
    unknown = set(BACKENDS) - {"embedded", *REMOTE_BACKENDS}
    if unknown:
        raise pytest.UsageError(f"INBURGERING_TEST_BACKENDS: unknown backend(s) {sorted(unknown)}")
    chosen = [b for b in BACKENDS if b in REMOTE_BACKENDS or not remote_only]
    return [pytest.param(b, marks=pytest.mark.remote) if b in REMOTE_BACKENDS else b for b in chosen]


_LIBC = ctypes.CDLL("libc.so.6", use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the test process dies, even by SIGKILL (Linux), so a killed
    test run leaves no server behind. Only a libc call (loaded beforehand): nothing that takes a lock."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A server process with a log file; ``url`` is the query endpoint the store is opened with."""

    name = "server"
    url = ""
    probe_url = ""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        #: The test module whose shared store this server holds now (``module_store_url``), if any.
        self.lent_to: str | None = None
        #: The test during which the process was found ended (``ended_during``), if it was.
        self.ended_under: str | None = None

    def clear(self, *, for_module: str | None = None) -> str:
        """Empty the server for a test (or, with ``for_module``, lend it to that module until ``give_back``);
        returns its URL. Clearing a server another module holds fails that test: it would wipe the module's
        shared store under its remaining tests."""
        if self.lent_to is not None:
            pytest.fail(f"the {self.name} server holds the shared store of {self.lent_to}; a test that "
                        "clears it must not run in between (move it to another module)", pytrace=False)
        self.check_running()
        clear_store(self.url)
        self.lent_to = for_module
        return self.url

    def give_back(self) -> None:
        self.lent_to = None

    def log_tail(self, chars: int = 2000) -> str:
        """The last ``chars`` characters of the server's log."""
        return self.log_path.read_text(errors="replace")[-chars:]

    def _end(self) -> str | None:
        """How the process ended (``killed by signal 11``, ``exited with status 3``), or ``None`` while it runs."""
        process = self.process
        if process is None or (code := process.poll()) is None:
            return None
        return f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"

    def ended_during(self, test: str) -> str | None:
        """The first time the process is found ended, after ``test``: how it ended, and ``test`` is remembered as
        the one it ended under (checked after every test, ``conftest.servers_outlive_each_test``)."""
        how = self._end()
        if how is None or self.ended_under is not None:
            return None
        self.ended_under = test
        return how

    def check_running(self) -> None:
        """Fail with the server's end and its log when its process has exited since it started (say it crashed
        under an earlier test): every later test on it fails with this, not with a refused connection."""
        how = self._end()
        if how is None:
            return
        assert self.process is not None
        pytest.fail(f"the {self.name} server (pid {self.process.pid}) {how} during this test session, under "
                    f"{self.ended_under or 'an earlier test'}; the last of its log:\n" + self.log_tail(),
                    pytrace=False)

    def _spawn(self, argv: list[str]) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)  # noqa: PLW1509 - only a libc call
        self._wait()

    def _wait(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                answer = httpx.get(self.probe_url, params={"query": "ASK {}"}, timeout=2.0)
                if answer.status_code in (200, 401):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"the {self.name} server did not come up at {self.probe_url} within {START_TIMEOUT_S:g} s:\n"
                    + self.log_tail(4000), pytrace=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


class OxigraphServer(ServerProcess):
    """``oxigraph serve`` (the PyPI package ``oxigraph``) on a folder store."""

    name = "oxigraph"

    def start(self) -> OxigraphServer:
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
        if binary is None:
            pytest.fail("the `oxigraph` command is not installed (pip install oxigraph)", pytrace=False)
        port = free_port()
        self.url = self.probe_url = f"http://127.0.0.1:{port}/query"
        self._spawn([binary, "serve", "--location", str(self.workdir / "data"), "--bind", f"127.0.0.1:{port}"])
        return self


class VirtuosoServer(ServerProcess):
    """``virtuoso-t +foreground`` (Debian ``virtuoso-opensource``) with its own ini and database folder.

    The store is used through ``/sparql-auth`` as ``dba`` with HTTP digest authentication, as a deployment
    would (the anonymous ``/sparql`` endpoint stays read-only).
    """

    name = "virtuoso"

    def __init__(self, workdir: Path, *, max_rows: int = 1_000_000) -> None:
        super().__init__(workdir)
        self.max_rows = max_rows

    def start(self) -> VirtuosoServer:
        binary = shutil.which("virtuoso-t")
        if binary is None:
            pytest.fail("virtuoso-t is not installed: apt-get install virtuoso-opensource (make system-deps)",
                        pytrace=False)
        http_port, sql_port = free_port(), free_port()
        (self.workdir / "db").mkdir(exist_ok=True)
        (self.workdir / "vsp").mkdir(exist_ok=True)
        ini = self.workdir / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(db=self.workdir / "db", root=self.workdir, sql_port=sql_port,
                                           http_port=http_port, max_rows=self.max_rows))
        self.probe_url = f"http://127.0.0.1:{http_port}/sparql"
        self.url = f"http://dba:dba@127.0.0.1:{http_port}/sparql-auth"
        self._spawn([binary, "+foreground", "+configfile", str(ini)])
        return self


def clear_store(url: str) -> None:
    """Drop every graph of ours from the server behind ``url`` (Virtuoso's system graphs stay)."""
    from inburgering.store.remote import RemoteStore

    store = RemoteStore(url)
    try:
        for graph in store.named_graphs():
            store.drop_graph(graph.value)
        if store.dialect != "virtuoso":  # Virtuoso's default graph is the union of all graphs: nothing of its own
            store.update("CLEAR SILENT DEFAULT")
    finally:
        store.close()


__all__ = [
    "BACKENDS",
    "REMOTE_BACKENDS",
    "OxigraphServer",
    "ServerProcess",
    "VirtuosoServer",
    "backend_params",
    "clear_store",
    "free_port",
]
