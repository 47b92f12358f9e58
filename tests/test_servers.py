"""The test servers' own checks (``tests/servers.py``): a server that died under one test is named as dead, with
its log, in every later test that asks for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from servers import ServerProcess


def _server_running(tmp_path: Path, code: str) -> ServerProcess:
    server = ServerProcess(tmp_path)
    server.log_path.write_text("first line\nlast words of the server\n")
    server.process = subprocess.Popen([sys.executable, "-c", code])
    return server


@pytest.mark.parametrize(("code", "said"), [
    ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "was killed by signal 11"),
    ("raise SystemExit(3)", "exited with status 3"),
])
def test_a_server_that_ended_fails_the_next_test_that_clears_it(tmp_path: Path, code: str, said: str) -> None:
    server = _server_running(tmp_path, code)
    assert server.process is not None
    server.process.wait(30)
    with pytest.raises(pytest.fail.Exception) as failed:
        server.clear()
    assert said in str(failed.value)
    assert "last words of the server" in str(failed.value)


def test_a_running_server_passes_the_check(tmp_path: Path) -> None:
    server = _server_running(tmp_path, "import time; time.sleep(60)")
    try:
        server.check_running()  # no failure: the process is alive
        assert server.process is not None and server.process.poll() is None
    finally:
        server.stop()


def test_the_test_a_server_ended_under_is_named_once_and_then_by_every_later_test(tmp_path: Path) -> None:
    server = _server_running(tmp_path, "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    assert server.process is not None
    server.process.wait(30)
    assert server.ended_during("tests/x.py::test_one") == "was killed by signal 11"
    assert server.ended_during("tests/x.py::test_two") is None  # reported once, under the first
    with pytest.raises(pytest.fail.Exception) as failed:
        server.clear()
    assert "under tests/x.py::test_one" in str(failed.value)


def test_a_running_server_has_not_ended_during_a_test(tmp_path: Path) -> None:
    server = _server_running(tmp_path, "import time; time.sleep(60)")
    try:
        assert server.ended_during("tests/x.py::test_one") is None
        assert server.ended_under is None
    finally:
        server.stop()
