"""Generated persons with injected defects: exactly the defective persons are rejected, in every source form.

Every test here runs the real SHACL shapes (pySHACL) on the generated data, with the generator's reference
date as "today".
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import QuerySolutions

from inburgering.generate.run import generate
from inburgering.loader import load
from inburgering.loader.checking import validator_for
from inburgering.loader.output import write_mapped
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.loader.rejects import read_rejects
from inburgering.namespaces import inb, thing_iri
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import published_graphs

KEY = b"defects-test-key-not-a-secret"
BASE = "https://data.example.org"
TODAY = date(2026, 6, 1)
OUT = {"duo": "duo.jsonl", "ggm-sqlite": "ggm.sqlite", "ggm-csv": "csv"}


def _generate(tmp_path: Path, fmt: str, *, persons: int, seed: int, defects: float) -> tuple[Path, list[dict[str, Any]]]:
    folder = tmp_path / fmt
    report = generate(persons=persons, seed=seed, defects=defects, format=fmt, out=folder / OUT[fmt],
                      reference_date=TODAY)
    return report.out, json.loads(report.defects_file.read_text())


def _bundle_bsns(bundle: Path) -> dict[str, dict[str, Any]]:
    lines = [json.loads(line) for line in bundle.read_text().splitlines() if line.strip()]
    return {line["bsn"]: line for line in lines}


def _published_persons(store: Any) -> set[str]:
    graphs = published_graphs(store, base=BASE, special=True)
    result = store.query(f"SELECT DISTINCT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> }}", default_graph=graphs)
    assert isinstance(result, QuerySolutions)
    return {row["p"].value for row in result}


@pytest.mark.parametrize(("fmt", "engine"), [("duo", "pyshacl"), ("ggm-sqlite", "pyshacl"), ("ggm-csv", "pyshacl"),
                                             ("duo", "fast"), ("ggm-sqlite", "fast")])
def test_exactly_the_defective_persons_are_rejected(fmt: str, engine: str, tmp_path: Path) -> None:
    persons, seed = 40, 7
    source, manifest = _generate(tmp_path, fmt, persons=persons, seed=seed, defects=0.25)
    # The same seed in the DUO form names every person (BSN) and what each one has.
    everyone = _bundle_bsns(_generate(tmp_path / "all", "duo", persons=persons, seed=seed, defects=0.25)[0])
    defective = {d["bsn"] for d in manifest}
    assert len(manifest) == 10 and len(defective) == 10
    expected_rejected = set(defective)
    store = open_store(str(tmp_path / "store"))  # the embedded store: the remote backends are covered elsewhere
    report = load([source], settings=Settings(base_iri=BASE), key=KEY, rejects_path=tmp_path / "rejects.jsonl",
                  store=store, reference_date=TODAY, validator=validator_for(engine))
    assert report.persons_read == persons
    assert (report.orphan_rows, report.values_not_published) == (0, 0)  # nothing lost beyond the defects
    assert report.persons_rejected == len(expected_rejected)
    assert report.persons_published == persons - len(expected_rejected)
    pseudo = Pseudonymiser(KEY)
    assert _published_persons(store) == {thing_iri(BASE, "persoon", pseudo.bsn(b)) for b in everyone} - {
        thing_iri(BASE, "persoon", pseudo.bsn(b)) for b in expected_rejected}
    rejects = read_rejects(tmp_path / "rejects.jsonl")
    flagged = {(r["pseudonym"], r["rule"]) for r in rejects if r["stage"] == "shacl"}
    for defect in manifest:
        if defect["stage"] == "shacl":
            assert (pseudo.bsn(defect["bsn"]), defect["rule"]) in flagged, defect
    source_rejects = {(r["source"], r["record"]) for r in rejects if r["stage"] == "source"}
    assert len(source_rejects) == sum(1 for d in manifest if d["stage"] == "source")


def test_the_same_persons_get_the_same_iris_from_duo_and_from_the_ggm(tmp_path: Path) -> None:
    iris = {}
    for fmt in ("duo", "ggm-sqlite"):
        source, _ = _generate(tmp_path, fmt, persons=25, seed=11, defects=0)
        out = tmp_path / f"{fmt}.nt"
        report = write_mapped([source], settings=Settings(base_iri=BASE), key=KEY, out=out)
        assert report.persons_published == 25
        iris[fmt] = {line.split()[0] for line in out.read_text().splitlines()
                     if f"<{inb('Inburgeraar')}>" in line and "#type>" in line}
    assert len(iris["duo"]) == 25
    assert iris["duo"] == iris["ggm-sqlite"]
