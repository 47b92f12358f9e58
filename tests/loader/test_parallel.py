"""The load's two overlaps: validation in a forked worker process and writing in a background thread.

Neither may change what is published or rejected, lose an error, or leave a process behind.
"""

from __future__ import annotations

import doctest
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Triple, parse

from inburgering.errors import StoreError, ValidationError
from inburgering.generate.run import generate
from inburgering.loader import load, worker, writer
from inburgering.loader.worker import ValidationWorker
from inburgering.loader.writer import GraphWriter
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_store
from inburgering.validation.fast_validators import FastValidator

KEY = b"parallel-test-key-not-a-secret"
BASE = "https://data.example.org"
TODAY = date(2026, 6, 1)

pytestmark = pytest.mark.skipif(not ValidationWorker.available(), reason="the validation worker needs fork")


def test_doctests_of_the_worker_and_the_writer() -> None:
    for module in (worker, writer):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def _load(tmp_path: Path, name: str, bundle: Path, *, in_worker: bool, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[list[str], list[str], Any]:
    """Load ``bundle`` into a fresh on-disk store; the sorted rejects lines and instance quads (load id masked)."""
    with monkeypatch.context() as m:
        if not in_worker:
            m.setattr(ValidationWorker, "available", staticmethod(lambda: False))
        report = load([bundle], settings=Settings(store=str(tmp_path / name), base_iri=BASE), key=KEY,
                      rejects_path=tmp_path / f"{name}.jsonl", reference_date=TODAY, validator=FastValidator(),
                      batch_size=25)
    store = open_store(str(tmp_path / name))
    try:
        quads = sorted(re.sub(r"/\d{8}T\d{6}Z-[0-9a-f]{6}", "/LOAD", str(q)) for q in store.ox  # type: ignore[attr-defined]
                       if "/graph/meta" not in str(q.graph_name) and "/graph/provenance" not in str(q.graph_name))
    finally:
        store.close()
    rejects = sorted((tmp_path / f"{name}.jsonl").read_text(encoding="utf-8").splitlines())
    return rejects, quads, report


def test_validating_in_the_worker_publishes_and_rejects_exactly_as_in_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = generate(persons=150, seed=8, defects=0.3, format="duo", out=tmp_path / "duo.jsonl",
                      reference_date=TODAY).out
    rejects, quads, report = _load(tmp_path, "worker", bundle, in_worker=True, monkeypatch=monkeypatch)
    rejects_here, quads_here, report_here = _load(tmp_path, "here", bundle, in_worker=False,
                                                  monkeypatch=monkeypatch)
    assert report.persons_rejected > 10 and report.violations > 10, "the defects must reach the shapes"
    assert any('"stage": "shacl"' in line for line in rejects)
    assert rejects == rejects_here
    assert quads == quads_here and len(quads) > 1_000
    assert (report.persons_published, report.violations, report.warnings) == (
        report_here.persons_published, report_here.violations, report_here.warnings)


class _BrokenValidator(FastValidator):
    def ntriples(self, data: bytes, *, reference_date: date) -> list[object]:
        raise ValidationError("the shapes could not be compiled")


def test_an_error_in_the_worker_fails_the_load_and_publishes_nothing(tmp_path: Path) -> None:
    bundle = generate(persons=5, seed=3, defects=0, format="duo", out=tmp_path / "duo.jsonl",
                      reference_date=TODAY).out
    with pytest.raises(ValidationError, match="could not be compiled"):
        load([bundle], settings=Settings(store=str(tmp_path / "s"), base_iri=BASE), key=KEY,
             rejects_path=tmp_path / "r.jsonl", reference_date=TODAY, validator=_BrokenValidator())
    store = open_store(str(tmp_path / "s"))
    try:
        assert not store.query(f"ASK {{ GRAPH <{BASE}/graph/meta> {{ ?g ?p true }} }}")
    finally:
        store.close()


CHILD = """
import os, sys
from inburgering.loader.worker import ValidationWorker
from inburgering.validation.fast_validators import FastValidator
worker = ValidationWorker.start(FastValidator())
print(worker._process.pid, flush=True)
sys.stdin.readline()
"""


def test_the_worker_ends_when_the_load_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        pid = int(parent.stdout.readline())  # type: ignore[union-attr]
        os.kill(pid, 0)  # the worker runs
        parent.send_signal(signal.SIGKILL)
        parent.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        assert not _alive(pid), "the worker outlived the killed load"
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended (its parent is gone)
    except FileNotFoundError:
        return False


class _FailingStore(EmbeddedStore):
    def load(self, data: Any, *, format: Any, graph: str | None = None, lenient: bool = False) -> None:
        raise StoreError("disk full")


def test_a_failed_background_write_is_raised_not_lost() -> None:
    batch = {"http://example.org/g": [Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                                             Literal("o"))]}
    store = _FailingStore(None)
    with pytest.raises(StoreError, match="disk full"), GraphWriter(store) as graph_writer:
        graph_writer.write(batch)
        graph_writer.wait()
    with pytest.raises(StoreError, match="disk full"), GraphWriter(store) as graph_writer:
        graph_writer.write(batch)  # not waited for: leaving the block must still raise it


class _CountingStore(EmbeddedStore):
    loads: list[int]

    def load(self, data: Any, *, format: Any, graph: str | None = None, lenient: bool = False) -> None:
        self.loads.append(len(list(parse(data, format=format))))
        super().load(data, format=format, graph=graph, lenient=lenient)


def test_batches_are_gathered_into_growing_bulk_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "FIRST_WRITE", 2)
    monkeypatch.setattr(writer, "LARGEST_WRITE", 4)
    store = _CountingStore(None)
    store.loads = []
    p = NamedNode("http://example.org/p")
    with GraphWriter(store) as graph_writer:
        for i in range(11):
            graph_writer.write({"http://example.org/g": [Triple(NamedNode(f"http://example.org/s{i}"), p,
                                                                Literal(i))]})
        graph_writer.wait()  # writes what is gathered so far
        assert len(store.ox) == 11
    assert store.loads == [2, 4, 4, 1]


def test_the_lenient_bulk_load_keeps_every_term_as_made(tmp_path: Path) -> None:
    """The writer loads without Oxigraph's IRI check (its documents are Oxigraph's own serialisation of checked
    terms): IRIs with escapes and non-ASCII, literals with quotes, line breaks, language tags and datatypes come
    back exactly as they went in, the same as through a checked transaction."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    s = NamedNode("http://example.org/id/persoon/é%20x?q=1#f")
    objects = [Literal('a "quoted" \\ back\nslash\r\t', language="nl-NL"), Literal("2026-02-29", datatype=NamedNode(
        xsd + "date")), Literal("ünïcödé ✓ 𝄞"), NamedNode("urn:uuid:0b9f0e0c-0000-4000-8000-000000000000"),
        Literal("12.50", datatype=NamedNode(xsd + "decimal"))]
    triples = [Triple(s, NamedNode(f"http://example.org/p{i}"), o) for i, o in enumerate(objects)]
    lenient, checked = EmbeddedStore(str(tmp_path / "a")), EmbeddedStore(str(tmp_path / "b"))
    with GraphWriter(lenient, copy_to=lambda g: g + "/union") as graph_writer:
        graph_writer.write({"http://example.org/g": triples})
    checked.extend(Quad(t.subject, t.predicate, t.object, NamedNode(g)) for t in triples
                   for g in ("http://example.org/g", "http://example.org/g/union"))
    assert set(lenient.ox) == set(checked.ox)
    assert len(set(lenient.ox)) == 2 * len(objects)
