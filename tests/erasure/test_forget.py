"""``inburgering forget``: a person of two sources is gone from every graph, the unions, the pages and the dumps
of a running service; nothing else changed; the audit log holds no BSN and no pseudonym (issue 12, §6)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from erasure_support import (
    BASE,
    Deployment,
    audit_lines,
    by_source,
    reader_graphs,
    sparql_rows,
    traces,
    unions_hold_their_members,
    wait_for_status,
)
from pyoxigraph import NamedNode, QuerySolutions

from inburgering.cli import main
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.namespaces import DCT, PROV, meta_graph, provenance_graph
from inburgering.service.metadata import DOWNLOADS
from inburgering.settings import Settings
from inburgering.store import open_reader
from inburgering.store.publication import current_publication

pytestmark = pytest.mark.xdist_group("erasure")  # one store per backend, changed test by test


def _running(deployment: Deployment) -> list[dict[str, Any]]:
    """Persons whose duty is still running: no retention rule would take them."""
    return [r for r in deployment.sources.records if not r.get("inburgeringsplicht", {}).get("einddatum")]


def _without(data: dict[tuple[str, str | None, bool], set[tuple[str, str, str]]], needle: str
             ) -> dict[tuple[str, str | None, bool], set[tuple[str, str, str]]]:
    return {key: {t for t in triples if not any(needle in term for term in t)} for key, triples in data.items()}


def _page(deployment: Deployment, pseudonym: str) -> str:
    return f"{deployment.server.url}/doc/persoon/{pseudonym}"


def test_forget_by_bsn_leaves_nothing_of_a_person_of_two_sources(deployment: Deployment, tmp_path: Path) -> None:
    person = _running(deployment)[0]
    bsn = str(person["bsn"])
    pseudonym = Pseudonymiser(deployment.key).bsn(bsn)
    before = by_source(deployment.store)
    holding = {(gm, source) for (gm, source, _), triples in before.items()
               if any(pseudonym in term for t in triples for term in t)}
    assert {source for _, source in holding} == {"duo", "ggm"}  # the person is in both sources
    audit = tmp_path / "audit.jsonl"

    code = main(["forget", "--store", deployment.store, "--bsn", bsn, "--key-file", str(deployment.sources.key_file),
                 "--audit-log", str(audit), "--reason", "zaak 2026-0017", "--operator", "test operator"])

    assert code == 0
    graphs = reader_graphs(deployment.store)
    assert traces(graphs, pseudonym) == {}  # no graph readers see (instance, union, public, meta) holds a trace
    # Exactly the person's triples went: every source of every municipality is what it was, minus them.
    assert by_source(deployment.store) == _without(before, pseudonym)
    if not deployment.store.startswith("http"):
        assert unions_hold_their_members(deployment.store)
    # The audit line: who, why, a hash of the pseudonym; never the BSN or the pseudonym itself.
    [line] = audit_lines(audit)
    assert line["event"] == "erasure" and line["outcome"] == "forgotten" and line["proof_clean"] is True
    assert line["operator"] == "test operator" and line["reason"] == "zaak 2026-0017"
    assert line["subjects_sha256"] == [hashlib.sha256(f"inburgering-forget:{pseudonym}".encode()).hexdigest()]
    assert line["triples_removed"] == sum(len(t) for t in before.values()) - sum(
        len(t) for t in _without(before, pseudonym).values())
    text = audit.read_text(encoding="utf-8")
    assert bsn not in text and pseudonym not in text
    _activity_is_recorded(deployment.store, line["id"], graphs_replaced=line["graphs_replaced"])


def _activity_is_recorded(store_location: str, run_id: str, *, graphs_replaced: int) -> None:
    """The provenance graphs hold the activity (what it did to a /bijzonder graph in the municipality's special
    one), each new graph says which graph it was derived from, and the meta graph which activity published it."""
    store = open_reader(Settings(store=store_location))
    try:
        act = NamedNode(f"{BASE}/id/forget/{run_id}")
        result = store.query(f"SELECT ?new ?old WHERE {{ GRAPH {NamedNode(provenance_graph(BASE))} {{ "
                             f"{act} <{DCT}title> \"erasure\" }} GRAPH ?p {{ {act} <{PROV}generated> ?new . "
                             f"?new <{PROV}wasDerivedFrom> ?old }} "
                             f"GRAPH {NamedNode(meta_graph(BASE))} {{ ?new <{PROV}wasGeneratedBy> {act} }} }}")
        assert isinstance(result, QuerySolutions)
        pairs = {(r["new"].value, r["old"].value) for r in result}
    finally:
        store.close()
    assert len({new for new, _ in pairs}) == graphs_replaced and all(run_id in new for new, _ in pairs)


# On Virtuoso the service answers 500 for a person's page of this store (80 instance graphs) before any forget:
# http.client refuses Virtuoso's answer to its query ("got more than 100 headers"). A service bug, not forget's;
# forget itself is checked on Virtuoso by the other tests.
@pytest.mark.not_on("virtuoso")
def test_a_running_service_shows_nothing_of_a_forgotten_person(deployment: Deployment, tmp_path: Path) -> None:
    bsn = str(_running(deployment)[1]["bsn"])
    pseudonym = Pseudonymiser(deployment.key).bsn(bsn)
    node = f"<{BASE}/id/persoon/{pseudonym}>"
    ask = f"SELECT * WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"
    assert wait_for_status(_page(deployment, pseudonym), deployment.admin, 200) == 200
    assert sparql_rows(deployment.server.url, deployment.admin, ask) != []

    assert main(["forget", "--store", deployment.store, "--bsn", bsn, "--key-file", str(deployment.sources.key_file),
                 "--audit-log", str(tmp_path / "audit.jsonl")]) == 0

    assert wait_for_status(_page(deployment, pseudonym), deployment.admin, 404) == 404  # with an admin token
    assert sparql_rows(deployment.server.url, deployment.admin, ask) == []
    for name, _, _ in DOWNLOADS:
        dump = httpx.get(f"{deployment.server.url}/downloads/{name}.nt")
        assert dump.status_code == 200 and pseudonym not in dump.text


def test_forget_by_pseudonym_with_purge_then_again_changes_nothing(deployment: Deployment, tmp_path: Path) -> None:
    graphs = reader_graphs(deployment.store)
    persons = sorted({t[0].strip("<>").rsplit("/", 1)[1] for triples in graphs.values() for t in triples
                      if t[0].startswith(f"<{BASE}/id/persoon/")})
    running = {Pseudonymiser(deployment.key).bsn(str(r["bsn"])) for r in _running(deployment)}
    pseudonym = next(p for p in persons if p in running)
    audit = tmp_path / "audit.jsonl"

    assert main(["forget", "--store", deployment.store, "--pseudonym", pseudonym.upper(), "--purge",
                 "--audit-log", str(audit)]) == 0

    assert traces(reader_graphs(deployment.store), pseudonym) == {}
    if deployment.store.startswith("http"):  # --purge dropped the retired graphs: nothing anywhere in the store
        from inburgering.store import open_store

        store = open_store(deployment.store)
        try:
            result = store.query(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(CONTAINS(STR(?s), "{pseudonym}") || '
                                 f'CONTAINS(STR(?o), "{pseudonym}")) }}')
            assert not bool(result)
        finally:
            store.close()
    else:  # the earlier publications (checkpoints) are gone once the service left them
        folder = Path(deployment.store)
        held = [p for p in folder.parent.joinpath(folder.name + ".publications").iterdir() if p.is_dir()]
        assert len(held) == 1
    publication = _publication(deployment.store)
    assert main(["forget", "--store", deployment.store, "--pseudonym", pseudonym, "--audit-log", str(audit)]) == 1
    assert _publication(deployment.store) == publication  # nothing to forget: no new publication
    assert [line["outcome"] for line in audit_lines(audit)] == ["forgotten", "not-found"]


def _publication(location: str) -> str | None:
    store = open_reader(Settings(store=location))
    try:
        return current_publication(store, base=BASE)
    finally:
        store.close()
