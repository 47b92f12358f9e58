"""The load's progress bar: drawn on a terminal (seen through a pseudo-terminal), silent on a pipe or a file."""

from __future__ import annotations

import io
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from inburgering.cli import main
from inburgering.loader.progress import ProgressBar, count_persons

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
KEY = "progress-test-key-not-a-secret"


class _Terminal:
    """A pseudo-terminal: ``stream`` is its slave end (a TTY); everything written to it is collected."""

    def __init__(self) -> None:
        master, slave = os.openpty()
        self.master = master
        self.stream = os.fdopen(slave, "w", encoding="utf-8")
        self.chunks: list[bytes] = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # the slave end was closed
                return
            if not data:
                return
            self.chunks.append(data)

    def close(self) -> str:
        self.stream.close()
        self.reader.join(timeout=10)
        os.close(self.master)
        return b"".join(self.chunks).decode("utf-8")


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_bar_shows_done_total_rate_and_time_left() -> None:
    terminal, clock = _Terminal(), _Clock()
    bar = ProgressBar(total=200, stream=terminal.stream, clock=clock)
    assert bar.active
    clock.now += 5.0  # opening the sources: not part of the rate
    bar(1)
    clock.now += 2.0
    bar(50)
    clock.now += 0.01
    bar(51)  # within the redraw interval: not drawn
    clock.now += 6.0
    bar(200)
    bar.done()
    text = terminal.close()
    assert "\r[------------------------------]  1/200 persons  0.0/s" in text
    assert "\r[#######-----------------------]  50/200 persons  25/s  ETA 0:06" in text
    assert "51/200" not in text
    assert "\r[##############################]  200/200 persons  25/s" in text
    assert text.endswith("\n")


def test_without_a_total_the_bar_shows_the_count_and_the_rate() -> None:
    bar = ProgressBar(total=None, stream=io.StringIO())
    assert bar.render(1500, elapsed=3.0) == "1,500 persons  500/s"
    assert bar.render(1500, elapsed=0.0) == "1,500 persons  0.0/s"


def test_off_a_terminal_nothing_is_written(tmp_path: Path) -> None:
    with (tmp_path / "log").open("w") as log:
        bar = ProgressBar(total=10, stream=log)
        bar(5)
        bar.done()
    assert not bar.active and (tmp_path / "log").read_text() == ""


def test_the_total_is_counted_for_every_source_form(tmp_path: Path) -> None:
    assert count_persons([(str(SAMPLE / "duo.jsonl"), "duo")]) == 200
    assert count_persons([(str(SAMPLE / "ggm.sqlite"), "ggm-sqlite")]) == 200
    assert count_persons([(str(SAMPLE / "ggm-csv"), "ggm-csv")]) == 200
    both = [(str(SAMPLE / "duo.jsonl"), "duo"), (str(SAMPLE / "ggm.sqlite"), "ggm-sqlite")]
    assert count_persons(both) == 400
    assert count_persons([(str(tmp_path / "missing.db"), "ggm-sqlite")]) is None


def _load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stderr: Any) -> int:
    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY)
    monkeypatch.setattr(sys, "stderr", stderr)
    bundle = tmp_path / "duo.jsonl"
    shutil.copy(SAMPLE / "duo.jsonl", bundle)
    return main(["load", "--store", "memory:", "--rejects", str(tmp_path / "r.jsonl"), "--reference-date",
                 "2026-11-01", str(bundle)])


def test_inburgering_load_draws_the_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    assert _load(tmp_path, monkeypatch, terminal.stream) == 1
    monkeypatch.undo()
    text = terminal.close()
    assert "\r[##############################]  200/200 persons" in text


def test_inburgering_load_draws_nothing_when_stderr_is_not_a_terminal(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    log = io.StringIO()
    assert _load(tmp_path, monkeypatch, log) == 1
    assert log.getvalue() == ""
    assert "200 persons read, 186 published, 14 rejected" in capsys.readouterr().out
