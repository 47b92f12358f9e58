"""The command line behaves like a Unix tool: output piped into ``head`` ends it quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_output_piped_into_head_gives_no_traceback(tmp_path: Path) -> None:
    # A long validation report (1,000 PIPs with a malformed date) is far more than a pipe buffer holds.
    lines = ["@prefix inb: <https://w3id.org/inburgering/def/> ."]
    lines += [f'<https://x.example/id/pip/p{i}> a inb:PIP ; inb:dagtekening "geen datum" .' for i in range(1000)]
    data = tmp_path / "many-violations.ttl"
    data.write_text("\n".join(lines), encoding="utf-8")
    command = f"{sys.executable} -m inburgering.cli validate {data} | head -n 1"
    done = subprocess.run(["bash", "-c", command], check=False, capture_output=True, text=True, timeout=300)
    assert len(done.stdout.splitlines()) == 1
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr


def test_load_whose_reader_has_gone_still_writes_its_report(tmp_path: Path) -> None:
    # `true` exits at once: by the time the load prints its summary, nobody reads the pipe (EPIPE).
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "ggm.sqlite"
    report = tmp_path / "report.json"
    command = (f"INBURGERING_PSEUDONYM_KEY=pipe-test-key-not-a-secret {sys.executable} -m inburgering.cli load "
               f"--store memory: --rejects {tmp_path / 'r.jsonl'} --report {report} --reference-date 2026-11-01 "
               f"{sample} | true")
    done = subprocess.run(["bash", "-c", command], check=False, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    assert '"persons_published": 186' in report.read_text(encoding="utf-8")
