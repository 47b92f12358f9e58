"""Regression: current records of the duty carried no ``inb:historisch``, so ``historisch false`` found nothing.

Every ``inb:Inburgeringsplicht`` the loader writes now says whether it is historical, from DUO and from the GGM.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions, RdfFormat, Store

from inburgering.loader.output import write_mapped
from inburgering.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
KEY = b"historisch-test-key-not-a-secret"
COUNTS = """PREFIX inb: <https://w3id.org/inburgering/def/>
SELECT (SUM(IF(?h = false, 1, 0)) AS ?current) (SUM(IF(?h = true, 1, 0)) AS ?historical)
       (SUM(IF(BOUND(?h), 0, 1)) AS ?unsaid)
WHERE { GRAPH ?g { ?plicht a inb:Inburgeringsplicht . OPTIONAL { ?plicht inb:historisch ?h } } }"""


@pytest.mark.parametrize("source", ["duo.jsonl", "ggm.sqlite"])
def test_historisch_false_finds_every_current_duty(source: str, tmp_path: Path) -> None:
    out = tmp_path / "out.trig"
    rejects = tmp_path / "rejects.jsonl"
    report = write_mapped([SAMPLE / source], settings=Settings(base_iri="https://data.example.org"), key=KEY,
                          out=out, rejects_path=rejects)
    store = Store()
    store.load(path=str(out), format=RdfFormat.TRIG)
    result = store.query(COUNTS)
    assert isinstance(result, QuerySolutions)
    row = next(iter(result))
    current, historical, unsaid = (int(row[k].value) for k in ("current", "historical", "unsaid"))
    refused = {json.loads(r)["record"] for r in rejects.read_text(encoding="utf-8").splitlines()} \
        if rejects.exists() else set()
    lines = (SAMPLE / "duo.jsonl").read_text(encoding="utf-8").splitlines()
    persons = [json.loads(line) for n, line in enumerate(lines, 1) if f"line {n}" not in refused]
    assert all(p.get("inburgeringsplicht") for p in persons)  # every sample person has a duty
    assert unsaid == 0
    assert current == report.persons_published > 150  # one current record per mapped person, from either source
    if source == "duo.jsonl":
        assert historical == sum(len(p.get("inburgeringsplichtHistorie") or []) for p in persons) > 0
    else:
        assert historical == 0  # a GGM database holds the current state only
