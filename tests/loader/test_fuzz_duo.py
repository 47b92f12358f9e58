"""Fuzzing the loader, DUO side (issue 13): lines generated from DUO's OpenAPI schemas and mutated (wrong types,
missing fields, huge values, odd Unicode, very long strings, deep nesting, invalid dates and BSNs, the same
person twice, lines that are not JSON, blank lines, BOMs, CRLF), through the real loader on the embedded store.

Each test says what must hold for every input: every line is published or rejected with file, line, field and
reason; the report's counts add up; no traceback; the store holds exactly the published persons.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import event, given
from loader_fuzz import bundles, check_accounting, fuzz_settings, line_bytes, write_bytes
from loader_helpers import BASE, KEY

from inburgering.cli import main
from inburgering.errors import MappingError
from inburgering.loader import load
from inburgering.loader.pseudonym import KEY_ENV, Pseudonymiser
from inburgering.mapping import builtin_mapping, map_person
from inburgering.mapping.coverage import duo_guard
from inburgering.settings import Settings
from inburgering.sources.duo import parse_line
from inburgering.sources.records import DuoRecord
from inburgering.store import open_store

_MAPPING = builtin_mapping("duo")
_GUARD = duo_guard(_MAPPING)


@fuzz_settings(200)
@given(line_bytes())
def test_fuzzed_line_is_a_record_or_a_reject_naming_its_field(raw: bytes) -> None:
    """The reader and the mapping on one line, without a store: many more inputs per second than a load."""
    line = parse_line(raw, file="f.jsonl", line=1)
    event("record" if isinstance(line, DuoRecord) else "reject")  # --hypothesis-show-statistics
    if not isinstance(line, DuoRecord):
        assert line.problems and all(p.file == "f.jsonl" and p.record == "line 1" and p.reason for p in line.problems)
        json.dumps([p.as_dict() for p in line.problems], ensure_ascii=False, default=str).encode("utf-8")
        return
    data = {"gemeente": line.gemeente, **line.resources}
    for problem in _GUARD.unpublished(data, file=line.file, record=line.record):
        assert problem.field and problem.reason
    try:
        map_person(_MAPPING, data, base=BASE, pseudonym=Pseudonymiser(KEY).bsn(line.bsn), file=line.file,
                   locator=line.record)
    except MappingError as exc:  # the only way a record may fail to map: naming file, record and field
        event("mapping error")
        assert exc.file == "f.jsonl" and exc.record == "line 1" and exc.field


@fuzz_settings(8)
@given(bundles())
def test_fuzzed_bundle_every_line_published_or_rejected(data: bytes) -> None:
    """``load()`` in-process (fast engine in its worker process, embedded on-disk store)."""
    with tempfile.TemporaryDirectory(prefix="fuzz-duo-") as tmp:
        folder = Path(tmp)
        bundle = write_bytes(folder / "bundle.jsonl", data)
        store = open_store(str(folder / "store"))
        try:
            report = load([bundle], settings=Settings(base_iri=BASE), key=KEY, rejects_path=folder / "r.jsonl",
                          store=store)
            done = check_accounting(bundle, data, report, folder / "r.jsonl", store)
        finally:
            store.close()
        event("lines published: " + ("none" if not done.published else "all" if not done.rejected else "some"))
        assert report.exit_code == 2 if not done.published else report.exit_code in (0, 1)
        assert report.exit_code != 0 or not done.rejected


@fuzz_settings(4)
@given(bundles(max_lines=6))
def test_fuzzed_bundle_through_the_command_line(data: bytes) -> None:
    """``inburgering load`` through ``main(argv)``: an exit code, a report that adds up, never a traceback."""
    with tempfile.TemporaryDirectory(prefix="fuzz-cli-") as tmp, pytest.MonkeyPatch.context() as mp:
        folder = Path(tmp)
        mp.setenv(KEY_ENV, KEY.decode())
        mp.setenv("INBURGERING_BASE_IRI", BASE)
        bundle = write_bytes(folder / "bundle.jsonl", data)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["load", "--store", str(folder / "store"), "--rejects", str(folder / "r.jsonl"),
                         "--report", str(folder / "report.json"), str(bundle)])
        assert "Traceback" not in err.getvalue() + out.getvalue()
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert code == report["exit_code"] and f"{report['persons_read']} persons read" in out.getvalue()
        store = open_store(str(folder / "store"))
        try:
            check_accounting(bundle, data, report, folder / "r.jsonl", store)
        finally:
            store.close()
