"""``inburgering retention``: the dry run counts, per municipality, exactly the persons the generated sources say
are due; the run forgets exactly those, in one publication (issue 12, §6)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from erasure_support import BASE, Deployment, audit_lines, reader_graphs, traces
from pyoxigraph import NamedNode, QuerySolutions

from inburgering.cli import main
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.namespaces import DCT, PROV, meta_graph, provenance_graph
from inburgering.settings import Settings
from inburgering.store import open_reader

pytestmark = pytest.mark.xdist_group("erasure")
YEARS = 5


def _persons(location: str) -> set[str]:
    prefix = f"<{BASE}/id/persoon/"
    return {t[0][len(prefix):-1] for triples in reader_graphs(location).values() for t in triples
            if t[0].startswith(prefix)}


def _due_in_sources(records: list[dict[str, Any]]) -> tuple[date, dict[str, str]]:
    """A cutoff in the middle of the generated end dates, and the persons (BSN → municipality) whose duty ended
    before it, read from the DUO bundle (the GGM database holds the same persons and dates)."""
    ends = {r["bsn"]: (date.fromisoformat(r["inburgeringsplicht"]["einddatum"]), r["gemeente"])
            for r in records if r.get("inburgeringsplicht", {}).get("einddatum")}
    dates = sorted({d for d, _ in ends.values()})
    cutoff = dates[len(dates) // 2]
    return cutoff, {bsn: gm for bsn, (d, gm) in ends.items() if d < cutoff}


def test_dry_run_counts_the_due_and_the_run_forgets_exactly_them_in_one_publication(
        deployment: Deployment, tmp_path: Path) -> None:
    cutoff, due = _due_in_sources(deployment.sources.records)
    assert 1 < len(due) and len(set(due.values())) > 1  # several persons, several municipalities
    reference = cutoff.replace(year=cutoff.year + YEARS).isoformat()
    before = _persons(deployment.store)
    args = ["retention", "--store", deployment.store, "--years", str(YEARS), "--reference-date", reference]

    assert main([*args, "--dry-run", "--report", str(tmp_path / "dry.json")]) == 0

    dry = json.loads((tmp_path / "dry.json").read_text(encoding="utf-8"))
    assert dry["retention"]["cutoff"] == cutoff.isoformat()
    assert dry["retention"]["due"] == len(due)
    assert dry["retention"]["per_gemeente"] == dict(sorted(Counter(due.values()).items()))
    assert dry["publication"] is None and _persons(deployment.store) == before  # nothing changed

    audit = tmp_path / "audit.jsonl"
    assert main([*args, "--audit-log", str(audit), "--report", str(tmp_path / "run.json")]) == 0

    pseudonyms = {Pseudonymiser(deployment.key).bsn(bsn) for bsn in due}
    assert pseudonyms <= before
    assert _persons(deployment.store) == before - pseudonyms  # exactly the due persons went
    graphs = reader_graphs(deployment.store)
    assert all(traces(graphs, p) == {} for p in pseudonyms)
    [line] = audit_lines(audit)
    assert line["event"] == "retention" and line["outcome"] == "forgotten" and line["persons_found"] == len(due)
    assert line["subjects_sha256"] == sorted(hashlib.sha256(f"inburgering-forget:{p}".encode()).hexdigest()
                                             for p in pseudonyms)
    assert line["cutoff"] == cutoff.isoformat() and line["years"] == YEARS
    assert not any(bsn in audit.read_text(encoding="utf-8") for bsn in due)
    _one_publication(deployment.store, line["id"])

    assert main([*args, "--dry-run", "--report", str(tmp_path / "again.json")]) == 0
    assert json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))["retention"]["due"] == 0


def _one_publication(location: str, run_id: str) -> None:
    """Every graph the run replaced was retired at the same instant: by one publishing update."""
    store = open_reader(Settings(store=location))
    try:
        act = NamedNode(f"{BASE}/id/forget/{run_id}")
        result = store.query(f"SELECT DISTINCT ?old ?t WHERE {{ GRAPH {NamedNode(provenance_graph(BASE))} {{ "
                             f"{act} <{DCT}title> \"retention\" }} GRAPH ?p {{ {act} <{PROV}used> ?old }} "
                             f"GRAPH {NamedNode(meta_graph(BASE))} {{ ?old <{PROV}invalidatedAtTime> ?t }} }}")
        assert isinstance(result, QuerySolutions)
        rows = [(r["old"].value, r["t"].value) for r in result]
    finally:
        store.close()
    assert len({old for old, _ in rows}) > 2 and len({t for _, t in rows}) == 1
