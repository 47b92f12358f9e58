"""The audit log file: one whole line per access, from several threads and processes, across log rotation."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from inburgering.security.audit import AuditLog, AuditRecord

WRITER = """
import sys
from pathlib import Path
from inburgering.security.audit import AuditLog, AuditRecord
log = AuditLog(Path(sys.argv[1]))
for i in range(300):
    log.write(AuditRecord(method="GET", endpoint="/doc/" + sys.argv[2] + "/" + str(i) + "x" * 300, status=200))
"""


def test_lines_stay_whole_with_threads_and_processes(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)

    def write(name: str) -> None:
        for i in range(300):
            log.write(AuditRecord(method="GET", endpoint=f"/doc/{name}/{i}" + "x" * 300, status=200, token_id=name))

    processes = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"p{n}"]) for n in range(2)]
    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(60) == 0 for p in processes)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 5 * 300
    assert {line["endpoint"].split("/")[2] for line in lines} == {"t0", "t1", "t2", "p0", "p1"}
    assert path.stat().st_mode & 0o077 == 0  # only the service's user reads who accessed what


def test_a_rotated_log_is_reopened(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.write(AuditRecord(method="GET", endpoint="/sparql", status=200))
    path.rename(tmp_path / "audit.jsonl.1")  # logrotate
    log.write(AuditRecord(method="GET", endpoint="/sparql", status=401))
    path.unlink()  # removed outright
    log.write(AuditRecord(method="GET", endpoint="/sparql", status=403))
    assert json.loads((tmp_path / "audit.jsonl.1").read_text())["outcome"] == "ok"
    assert [json.loads(line)["outcome"] for line in path.read_text().splitlines()] == ["denied"]
