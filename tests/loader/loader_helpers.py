"""Helpers shared by the loader tests (imported as ``loader_helpers``): test BSNs, DUO bundle lines, and a small SPARQL-based validator."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pyoxigraph import Quad, QuerySolutions, Store, Triple

from inburgering.loader.checking import Finding, Validator
from inburgering.namespaces import SHAPES, inb
from inburgering.sources.bsn import is_test_bsn

#: A key for test data only.
KEY = b"loader-test-key-not-a-secret"
BASE = "https://data.example.org"


def bsn_pool() -> Iterator[str]:
    """Valid BSNs of the test range 9999xxxxx, in order."""
    for n in range(999_900_000, 1_000_000_000):
        if is_test_bsn(str(n)):
            yield str(n)


bsn_pool.__test__ = False  # type: ignore[attr-defined]


def duo_person(bsn: str, gemeente: str = "GM0363", *, pip: bool = True) -> dict[str, Any]:
    """A small, plausible DUO bundle line."""
    line: dict[str, Any] = {
        "bsn": bsn, "gemeente": gemeente,
        "doelgroep": {"indeling": "Asielstatushouder", "begindatum": "2022-03-01"},
        "inburgeringsplicht": {"indicatorInburgeringsplicht": True, "begindatum": "2022-03-01"},
    }
    if pip:
        line["pip"] = {"gemeentecode": gemeente[2:], "pip": {"dagtekeningPip": "2022-05-01", "leerroute": "B",
                                                             "niveau": "B1"}}
    return line


def generate_bundle(tmp_path: Path, name: str, persons: int, seed: int) -> Path:
    """``inburgering generate`` of ``persons`` DUO persons into ``tmp_path/name/bundle.jsonl``."""
    from inburgering.cli import main

    out = tmp_path / name / "bundle.jsonl"
    out.parent.mkdir()
    assert main(["generate", "--persons", str(persons), "--seed", str(seed), "--format", "duo", "--out",
                 str(out)]) == 0
    return out


def write_bundle(path: Path, lines: Sequence[dict[str, Any] | str]) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
                    encoding="utf-8")
    return path


#: The rule the test validator applies.
NEEDS_PIP = SHAPES + "TestInburgeraarHeeftPip"


def needs_pip_validator(triples: Sequence[Triple], *, reference_date: date) -> list[Finding]:
    """A Violation for every inburgeraar without a PIP (a stand-in for the SHACL shapes)."""
    store = Store()
    store.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    result = store.query(f"SELECT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> "
                         f"OPTIONAL {{ ?p <{inb('heeftPip')}> ?pip }} FILTER(!BOUND(?pip)) }}")
    assert isinstance(result, QuerySolutions)
    return [Finding(focus=row["p"].value, severity="Violation", message="geen PIP", rule=NEEDS_PIP,
                    path=inb("heeftPip")) for row in result]


def crashing_validator(at_call: int) -> Validator:
    """A validator that finds nothing, and raises on its ``at_call``-th call (a load failing half-way)."""
    calls = 0

    def validate(triples: Sequence[Triple], *, reference_date: date) -> list[Finding]:
        nonlocal calls
        calls += 1
        if calls == at_call:
            raise RuntimeError("validator crashed")
        return []

    return validate
