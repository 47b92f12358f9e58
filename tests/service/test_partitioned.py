"""Saved queries over one or more municipalities, combined from each municipality's answer (``service/partitioned.py``).

Generated persons (DUO bundle and GGM database of one seed) loaded by the real loader into an embedded store with
the public graphs. Every saved query's combined answer must be the plain query's answer over the same dataset,
row for row and in order, for a scope of every municipality (special categories included), for a few
without and for one; a person published by two municipalities makes the plain query answer; a municipality whose graphs
changed is the only one asked again; and the service answers a saved query's text sent to ``/sparql`` and its
``/api/queries`` route from the municipalities' answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results
from service_support import CONCATENATED

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, VOCAB, gemeente_iri
from inburgering.security.dataset import allowed_graphs
from inburgering.security.scope import AccessScope
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.cookbook import bound_query, load_cookbook, saved_binding
from inburgering.service.cookbook.spec import Combine
from inburgering.service.execute import Answers, QueryAnswer, QueryJob, Together
from inburgering.service.live import REQUEST_PUBLICATION
from inburgering.service.partitioned import (
    TOGETHER_FROM,
    Narrowed,
    PartAnswer,
    Partition,
    Partitioned,
    Unusable,
    check_apart,
    narrow,
    partition,
    public_digest,
)
from inburgering.service.publish import load_public_graphs
from inburgering.service.routers.sparql_endpoint import by_gemeente
from inburgering.service.sparql import (
    ByGemeente,
    ProtocolDataset,
    check_query,
    rewarm,
    run_query,
    shared_digest,
)
from inburgering.service.worker import ThreadEngine
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_store
from inburgering.store.publication import current_publication
from inburgering.store.querylex import QueryInfo

KEY = "partitioned-test-key-not-a-secret"
PERSONS, SEED = 300, 14
TSV = "text/tab-separated-values"
FEW = frozenset({"GM0014", "GM0363", "GM0855"})


@dataclass
class Loaded:
    store: EmbeddedStore
    path: Path
    tmp: Path
    #: The oracle: an in-memory copy of every quad of ``store`` (same graphs, same names), on which the plain
    #: queries are asked. Oxigraph evaluates a query alike on both; in memory the plain query over every graph
    #: takes a twentieth of the time on disk (about 11 against 194 s for the cookbook over 103 graphs, here). The
    #: copy answering as the disk does is checked for the smaller scopes
    #: (``test_every_saved_query_combined_is_the_plain_answer``).
    oracle: EmbeddedStore


def in_memory(store: EmbeddedStore) -> EmbeddedStore:
    """A copy of every quad of ``store`` in memory."""
    copy = EmbeddedStore(None)
    copy.extend(store.ox.quads_for_pattern(None, None, None, None))
    return copy


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    tmp = tmp_path_factory.mktemp("partitioned")
    bundle, ggm, key = tmp / "duo.jsonl", tmp / "ggm.sqlite", tmp / "key"
    key.write_text(KEY, encoding="utf-8")
    for fmt, out in (("duo", bundle), ("ggm-sqlite", ggm)):
        assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt,
                     "--out", str(out), "--reference-date", "2026-11-01"]) == 0
    path = tmp / "store"
    assert main(["load", "--store", str(path), "--rejects", str(tmp / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle), str(ggm)]) == 0
    store = open_store(str(path))
    assert isinstance(store, EmbeddedStore)
    load_public_graphs(store, base=DEFAULT_BASE)
    yield Loaded(store, path, tmp, in_memory(store))
    store.close()


def rows(answer: QueryAnswer) -> list[tuple[str, ...]]:
    assert answer.error_kind is None, answer.error
    result = parse_query_results(answer.body, format=QueryResultsFormat.TSV)
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [tuple(str(s[n]) if s[n] is not None else "" for n in names) for s in result]


def unordered_concat(name: str, table: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    if name not in CONCATENATED:
        return table
    at, separator = CONCATENATED[name]
    return [(*row[:at], repr(sorted(row[at].strip('"').split(separator))), *row[at + 1:]) for row in table]


def job(text: str, graphs: tuple[str, ...]) -> QueryJob:
    return QueryJob(text, graphs, graphs, TSV, 1_000_000, DEFAULT_BASE)


def scopes(store: EmbeddedStore) -> dict[str, tuple[str, ...]]:
    every = AccessScope("t", "analyst", frozenset(f"GM{n:04d}" for n in range(10000)), special_categories=True)
    few = AccessScope("t", "analyst", FEW, special_categories=False)
    one = AccessScope("t", "analyst", frozenset(sorted(FEW)[:1]), special_categories=True)
    return {"every": allowed_graphs(every, store, base=DEFAULT_BASE),
            "few": allowed_graphs(few, store, base=DEFAULT_BASE), "one": allowed_graphs(one, store, base=DEFAULT_BASE)}


@pytest.mark.parametrize("scope", ["every", "few", "one"])
def test_every_saved_query_combined_is_the_plain_answer(loaded: Loaded, scope: str) -> None:
    graphs = scopes(loaded.store)[scope]
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None and len(parts.parts) == {"every": 20, "few": 3, "one": 1}[scope]
    engine, partitioned = ThreadEngine(loaded.store), Partitioned(workers=2)
    oracle = ThreadEngine(loaded.oracle)
    nonempty = 0
    for saved in load_cookbook():
        assert saved.combine is not None, saved.name
        plain = rows(asyncio.run(oracle.execute(job(saved.query, graphs), timeout_s=120)))
        if scope != "every":  # the oracle answers as the store on disk (where these scopes are quick to ask)
            assert plain == rows(asyncio.run(engine.execute(job(saved.query, graphs), timeout_s=120))), saved.name
        combined = asyncio.run(partitioned.answer(engine, job(saved.query, graphs), saved.combine, parts,
                                                  digest="d", timeout_s=120))
        assert combined.combined == len(parts.parts), saved.name
        assert unordered_concat(saved.name, rows(combined)) == unordered_concat(saved.name, plain), saved.name
        nonempty += bool(plain)
    # the generated data answers most questions (one municipality: 13 of 17): the comparisons are not empty
    assert nonempty >= (10 if scope == "one" else 15)


def test_a_combined_answer_keeps_every_variable_in_order(loaded: Loaded) -> None:
    for saved in load_cookbook():
        assert saved.combine is not None
        empty = saved.combine.query.replace("$rows", "")
        mine = loaded.store.query(empty)
        theirs = loaded.store.query(saved.query, default_graph=[])
        assert isinstance(mine, QuerySolutions) and isinstance(theirs, QuerySolutions)
        assert [v.value for v in mine.variables] == [v.value for v in theirs.variables], saved.name
        assert set(saved.combine.unique) <= {v.value for v in theirs.variables}, saved.name


class Counting(ThreadEngine):
    def __init__(self, store: EmbeddedStore) -> None:
        super().__init__(store)
        self.datasets: list[tuple[str, ...]] = []
        self.copies: set[bool] = set()

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        self.datasets.append(job.default_graphs)
        self.copies.add(job.copy)
        return await super().execute(job, timeout_s=timeout_s)


def test_only_a_municipality_whose_graphs_changed_is_asked_again(loaded: Loaded) -> None:
    graphs = scopes(loaded.store)["few"]
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None
    saved = next(q for q in load_cookbook() if q.name == "instroom-per-maand-en-doelgroep")
    assert saved.combine is not None
    engine, partitioned = Counting(loaded.store), Partitioned()
    first = asyncio.run(partitioned.answer(engine, job(saved.query, graphs), saved.combine, parts, digest="d",
                                           timeout_s=60))
    assert len(engine.datasets) == 2 * 3  # an answer and the persons, per municipality
    assert engine.copies == {False}  # asked once per publication: no worker copies these scopes (scoped.py)
    engine.datasets.clear()
    again = asyncio.run(partitioned.answer(engine, job(saved.query, graphs), saved.combine, parts, digest="d",
                                           timeout_s=60))
    assert engine.datasets == [] and rows(again) == rows(first)
    # kept_answers below the scope's municipalities: the answer is whole all the same
    small = Partitioned(max_parts=2)
    for _ in range(2):
        assert rows(asyncio.run(small.answer(engine, job(saved.query, graphs), saved.combine, parts, digest="d",
                                             timeout_s=60))) == rows(first)
    assert len(small) == 2 and small.last["asked"] == 1  # the one that did not fit
    engine.datasets.clear()
    # GM0363 published anew: its graphs have new names (here: one of them left out); only it is asked again
    changed = tuple(g for g in graphs if "/gm0363/ggm/" not in g)
    assert changed != graphs
    parts2 = partition(changed, base=DEFAULT_BASE)
    assert parts2 is not None
    third = asyncio.run(partitioned.answer(engine, job(saved.query, changed), saved.combine, parts2, digest="d",
                                           timeout_s=60))
    assert len(engine.datasets) == 2 and all("/gm0363/" in g for g in engine.datasets[0] if "/gm" in g)
    assert rows(third) == rows(asyncio.run(engine.execute(job(saved.query, changed), timeout_s=60)))
    # the public graphs changed (another digest): every municipality is asked again
    engine.datasets.clear()
    asyncio.run(partitioned.answer(engine, job(saved.query, changed), saved.combine, parts2, digest="e",
                                   timeout_s=60))
    assert len(engine.datasets) == 3


def test_a_request_beside_the_background_asks_from_the_other_end(loaded: Loaded) -> None:
    """A request for a saved query the background is asking too (an analyst asking again, as the timeout's message
    says) asks the municipalities from the last one on and keeps each answer at once: the two meet halfway, and no
    municipality is asked by both but the one or two each has in hand when they meet."""
    graphs = scopes(loaded.store)["every"]
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None and len(parts.parts) == 20
    saved = next(q for q in load_cookbook() if q.name == "instroom-per-maand-en-doelgroep")
    combine = saved.combine
    assert combine is not None

    class Slow(ThreadEngine):
        def __init__(self, store: EmbeddedStore) -> None:
            super().__init__(store)
            self.asked: list[tuple[str, ...]] = []  # the graphs of each answer asked (not of the persons)

        async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
            if job.query == saved.query:
                self.asked.append(job.default_graphs)
            await asyncio.sleep(0.02)
            return await super().execute(job, timeout_s=timeout_s)

    engine, partitioned = Slow(loaded.store), Partitioned(workers=1)
    the_job = job(saved.query, graphs)

    async def both() -> tuple[int, QueryAnswer]:
        return await asyncio.gather(partitioned.fill(engine, [(the_job, parts)], digest="d", timeout_s=60),
                                    partitioned.answer(engine, the_job, combine, parts, digest="d", timeout_s=60))

    by_background, answer = asyncio.run(both())
    by_request = partitioned.last["asked"]
    assert 5 <= by_background <= 15 and 5 <= by_request <= 15, (by_background, by_request)
    assert len(engine.asked) == by_background + by_request <= 20 + 2
    first = [next(gm for gm, own in parts.parts.items() if set(own) <= set(graphs)) for graphs in engine.asked[:2]]
    assert sorted(first) == sorted([next(iter(parts.parts)), next(reversed(parts.parts))])
    assert rows(answer) == rows(asyncio.run(ThreadEngine(loaded.store).execute(the_job, timeout_s=60)))


def test_a_person_in_two_municipalities_or_a_shared_key_is_not_combined() -> None:
    a = PartAnswer(("gemeente", "n"), (("<a>", "1"),), frozenset({"<p1>"}))
    b = PartAnswer(("gemeente", "n"), (("<b>", "1"),), frozenset({"<p2>"}))
    check_apart([a, b], ["gemeente"])
    with pytest.raises(Unusable, match="person"):
        check_apart([a, PartAnswer(b.variables, b.rows, frozenset({"<p1>"}))], [])
    with pytest.raises(Unusable, match="gemeente"):
        check_apart([a, PartAnswer(a.variables, a.rows, frozenset({"<p3>"}))], ["gemeente"])
    check_apart([a, PartAnswer(a.variables, a.rows, frozenset({"<p3>"}))], [])  # summed: no key to keep apart


def test_a_person_published_by_two_municipalities_gets_the_plain_answer(loaded: Loaded) -> None:
    """One person's node copied into another municipality's graph: the combined answer could differ, so it is
    not used, and the answer is the plain query's."""
    store = EmbeddedStore(None)
    graphs = scopes(loaded.store)["few"]
    for graph in graphs:
        store.ox.extend(loaded.store.ox.quads_for_pattern(None, None, None, _node(graph)))
    result = store.query("SELECT ?p ?g WHERE { GRAPH ?g { ?p a ?t } FILTER(CONTAINS(STR(?g), '/gm0014/')) "
                         "FILTER(CONTAINS(STR(?p), '/id/persoon/')) } LIMIT 1")
    assert isinstance(result, QuerySolutions)
    person = next(iter(result))["p"]
    other = next(g for g in graphs if "/gm0363/duo/" in g and not g.endswith("/bijzonder"))
    store.update(f"INSERT DATA {{ GRAPH <{other}> {{ {person} <{DEFAULT_BASE}/def/x> 1 }} }}")
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None
    saved = next(q for q in load_cookbook() if q.name == "instroom-per-maand-en-doelgroep")
    assert saved.combine is not None
    with pytest.raises(Unusable, match="two of the scope"):
        asyncio.run(Partitioned().answer(ThreadEngine(store), job(saved.query, graphs), saved.combine, parts,
                                         digest="d", timeout_s=60))


def _node(graph: str):  # type: ignore[no-untyped-def]
    from pyoxigraph import NamedNode

    return NamedNode(graph)


def test_partition_takes_only_municipalities_and_public_graphs() -> None:
    base = "http://x"
    assert partition([f"{base}/graph/concepts"], base=base) is None  # no municipality
    one = partition([f"{base}/graph/gm0014/duo/L1", f"{base}/graph/concepts"], base=base)
    assert one is not None and one.parts == {"GM0014": (f"{base}/graph/gm0014/duo/L1",)}
    assert one.shared == (f"{base}/graph/concepts",)
    assert partition([f"{base}/graph/gm0014/duo/L1", f"{base}/graph/gm0363/duo/L1", f"{base}/graph/provenance"],
                     base=base) is None
    parts = partition([f"{base}/graph/gm0014/duo/L1", f"{base}/graph/gm0363/duo/L1"], base=base)
    assert parts is not None and set(parts.parts) == {"GM0014", "GM0363"}


def test_the_service_combines_a_saved_query_sent_as_text_or_by_name(loaded: Loaded) -> None:
    tokens = TokenStore(loaded.tmp / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=sorted(FEW), special_categories=False).token
    settings = Settings(store=str(loaded.path), token_db=Path(tokens.path), audit_log=loaded.tmp / "audit.jsonl",
                        public_url=DEFAULT_BASE, warm_saved_queries=False)  # the request asks (ahead: test_kept)
    try:
        with TestClient(create_app(settings)) as client:
            partitioned = client.app.state.runtime.partitioned  # type: ignore[attr-defined]
            saved = next(q for q in load_cookbook() if q.name == "slagingspercentage-per-onderdeel-en-niveau")
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
            by_text = client.post("/sparql", content=saved.query.encode(), headers={
                **headers, "Content-Type": "application/sparql-query"})
            assert by_text.status_code == 200, by_text.text
            # nothing kept before: the request asks, and the background may meet it halfway (``answer``: it asks
            # the query the request remembered from the first municipality on, on a slow machine during the request)
            assert partitioned.last["parts"] == 3 and 1 <= partitioned.last["asked"] <= 3
            by_name = client.get(f"/api/queries/{saved.name}", params={"van": "2020-01-01"},
                                 headers=headers)
            assert by_name.status_code == 200, by_name.text
            assert partitioned.last["parts"] == 3
            assert by_name.json()["results"]["bindings"]
            assert json.loads(by_text.text)["results"]["bindings"]
            # with gemeente: that municipality's answer to the text without it (the file's text here), kept
            assert client.get(f"/api/queries/{saved.name}", headers=headers).status_code == 200
            assert partitioned.last["parts"] == 3 and partitioned.last["asked"] == 0
            one = client.get(f"/api/queries/{saved.name}", params={"gemeente": "GM0363"}, headers=headers)
            assert one.status_code == 200, one.text
            assert partitioned.last["parts"] == 1 and partitioned.last["asked"] == 0
            assert one.json()["results"]["bindings"]
            # the same text as the query page loads it into its editor, sent to /sparql: the same path
            text = client.get(f"/api/queries/{saved.name}.rq", params={"gemeente": "GM0363"}).text
            partitioned.last = {}
            by_sparql = client.post("/sparql", content=text.encode(), headers={
                **headers, "Content-Type": "application/sparql-query"})
            assert by_sparql.status_code == 200, by_sparql.text
            assert partitioned.last["parts"] == 1 and partitioned.last["asked"] == 0
            assert by_sparql.json() == one.json()
    finally:
        tokens.close()


def test_a_saved_query_is_known_as_its_file_and_bound_but_not_changed() -> None:
    """``saved_binding``: the file's text (whitespace around it aside) and the text ``/api/queries`` binds, with its
    terms; a changed text, values written otherwise than the binding writes them, or rows that are not every
    combination of the values are not the saved query."""
    saved = next(q for q in load_cookbook() if q.name == "slagingspercentage-per-onderdeel-en-niveau")
    assert isinstance(saved.combine, Combine)
    found = saved_binding(" " + saved.query + "\n")
    assert found is not None and found.saved == saved and found.file
    given = {"gemeente": ["GM0363", "GM0014"], "van": ["2020-01-01"]}
    text, _ = bound_query(saved, given, today=date.today())
    found = saved_binding(text)
    assert found is not None and found.saved == saved and not found.file
    assert [t.value for t in found.terms["_gemeente"]] == [gemeente_iri("GM0363"), gemeente_iri("GM0014")]
    assert [t.value for t in found.terms["_van"]] == ["2020-01-01"] and found.terms["_tot"] == ()
    assert found.without("_gemeente") == bound_query(saved, {"van": ["2020-01-01"]}, today=date.today())[0]
    assert saved_binding(text.replace("?niveau", "?level")) is None
    assert saved_binding(saved.query.replace("?niveau", "?level")) is None
    assert saved_binding("SELECT * WHERE { ?s ?p ?o }") is None
    dated = next(q for q in load_cookbook() if q.name == "pip-binnen-tien-weken")
    in_file = saved_binding(dated.query)  # the file's own example values, written with prefixed names
    assert in_file is not None and in_file.file and in_file.terms["_gemeente"] == ()
    assert [t.value for t in in_file.terms["_peildatum"]] == ["2026-11-01"]
    one = bound_query(saved, {"gemeente": ["GM0363"]}, today=date.today())[0]
    assert saved_binding(one.replace(f"<{gemeente_iri('GM0363')}>", "<http://example.org/x>")) is not None
    not_every = text.replace(f'(<{gemeente_iri("GM0014")}> ', f'(<{gemeente_iri("GM0014")}> "1999-01-01"^^'
                             '<http://www.w3.org/2001/XMLSchema#date> ', 1)
    assert not_every != text and saved_binding(not_every) is None
    assert saved_binding(one.replace("{ (<", "{ (<<", 1)) is None  # not a data block


def test_the_municipalities_of_a_bound_text_are_those_of_its_gemeente_placeholder() -> None:
    saved = next(q for q in load_cookbook() if q.name == "slagingspercentage-per-onderdeel-en-niveau")

    async def guard(text: str) -> QueryInfo:
        return check_query(text)

    def codes(text: str) -> ByGemeente | None:
        return asyncio.run(by_gemeente(saved_binding(text), guard))

    text = bound_query(saved, {"gemeente": ["GM0363", "GM0014"]}, today=date.today())[0]
    # without gemeente this query's text is its file's (whose example binds nothing)
    assert codes(text) == ByGemeente(("GM0014", "GM0363"), check_query(saved.query).text)
    assert codes(saved.query) is None  # no municipality given
    assert codes(text.replace(gemeente_iri("GM0014"), "http://example.org/gm0014")) is None
    assert codes(text.replace(gemeente_iri("GM0014"), gemeente_iri("GM0014").upper())) is None


def test_after_a_publication_the_answers_asked_before_are_asked_again(loaded: Loaded) -> None:
    """``rewarm`` (run by the service after each new publication) asks every municipality's answer of the saved
    queries answered combined before, for the same scope over the graphs published now; then a request asks none."""
    scope = AccessScope("t", "analyst", FEW, special_categories=False)
    graphs = scopes(loaded.store)["few"]
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None
    saved = [q for q in load_cookbook() if q.name in ("instroom-per-maand-en-doelgroep", "verlengingen-per-reden")]
    engine, partitioned = Counting(loaded.store), Partitioned()
    for q in saved:
        assert q.combine is not None
        partitioned.remember(job(q.query, graphs), scope)
    assert asyncio.run(rewarm(engine, loaded.store, partitioned, base=DEFAULT_BASE, timeout_s=60)) == 2 * 3
    assert asyncio.run(rewarm(engine, loaded.store, partitioned, base=DEFAULT_BASE, timeout_s=60)) == 0
    engine.datasets.clear()
    digest = public_digest(loaded.store, parts.shared, base=DEFAULT_BASE)
    for q in saved:
        assert q.combine is not None
        answer = asyncio.run(partitioned.answer(engine, job(q.query, graphs), q.combine, parts, digest=digest,
                                                timeout_s=60))
        assert answer.combined == 3 and partitioned.last["asked"] == 0
    assert engine.datasets == []


class NoGeneration:
    """A store read like a remote one (no snapshot generation), counting its queries."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store, self.queries = store, 0

    def query(self, *args: object, **kwargs: object) -> object:
        self.queries += 1
        return self.store.query(*args, **kwargs)  # type: ignore[arg-type]


def test_a_remote_store_digests_its_public_graphs_once_per_publication(loaded: Loaded) -> None:
    shared = partition(scopes(loaded.store)["few"], base=DEFAULT_BASE).shared  # type: ignore[union-attr]
    remote = NoGeneration(loaded.store)
    first = shared_digest(remote, shared, base=DEFAULT_BASE)  # type: ignore[arg-type]
    asked = remote.queries
    assert first == public_digest(loaded.store, shared, base=DEFAULT_BASE)
    assert shared_digest(remote, shared, base=DEFAULT_BASE) == first  # type: ignore[arg-type]
    assert remote.queries == asked + 1  # the publication id only
    # in a request, the id OnePublication read at its start: the store is not asked again
    reading = REQUEST_PUBLICATION.set(current_publication(loaded.store, base=DEFAULT_BASE))
    try:
        assert shared_digest(remote, shared, base=DEFAULT_BASE) == first  # type: ignore[arg-type]
    finally:
        REQUEST_PUBLICATION.reset(reading)
    assert remote.queries == asked + 1


def test_the_background_asks_municipalities_together_from_one_copy_one_per_worker(loaded: Loaded) -> None:
    """``rewarm`` asks each municipality's answers of every saved query, for a scope with and one without the
    special categories, in one worker message, answered from one in-memory copy of all its graphs
    (``scoped.answer_together``), two municipalities at a time; they are the answers asked one by one from disk."""
    from inburgering.service.worker import ProcessEngine
    from inburgering.store.snapshots import Publications

    snapshot = Publications(loaded.path).open_current()
    reader = EmbeddedStore.from_snapshot(snapshot)
    every = frozenset(f"GM{n:04d}" for n in range(10000))
    scope = AccessScope("t", "analyst", every, special_categories=True)
    plain_scope = AccessScope("t", "analyst", every, special_categories=False)
    graphs = scopes(reader)["every"]
    plain_graphs = tuple(allowed_graphs(plain_scope, reader, base=DEFAULT_BASE))
    parts, plain_parts = partition(graphs, base=DEFAULT_BASE), partition(plain_graphs, base=DEFAULT_BASE)
    assert parts is not None and plain_parts is not None and len(parts.parts) == len(plain_parts.parts) == 20
    # sets of graphs per municipality: two where it has special categories (more than half of them here)
    sets = {gm: len({own, plain_parts.parts[gm]}) for gm, own in parts.parts.items()}
    assert sum(n == 2 for n in sets.values()) >= 10
    cookbook = load_cookbook()
    class Watched(ProcessEngine):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.messages: list[int] = []
            self.packed: list[int] = []  # per message: how many packed graphs it brought
            self.running = self.most = 0  # municipalities asked at the same time

        async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
            self.messages.append(1)
            return await super().execute(job, timeout_s=timeout_s)

        async def execute_together(self, together: Together, *, timeout_s: float) -> Answers:
            self.messages.append(len(together.jobs))
            self.packed.append(len(together.packed))
            self.running += 1
            self.most = max(self.most, self.running)
            try:
                return await super().execute_together(together, timeout_s=timeout_s)
            finally:
                self.running -= 1

    digest = shared_digest(reader, parts.shared, base=DEFAULT_BASE)
    # another peildatum: texts nobody asked, over every municipality
    other_day = [(saved, bound_query(saved, {"peildatum": ["2025-06-30"]}, today=date.today())[0])
                 for saved in cookbook if saved.parameter("peildatum") is not None]
    assert len(other_day) >= 5

    async def warm() -> tuple[int, list[int], Partitioned, dict[str, QueryAnswer]]:
        engine = Watched(str(snapshot.path), workers=2, sandbox=False, copy_quads=1_000_000)
        try:
            partitioned = Partitioned(workers=2)  # two municipalities at a time, one per worker
            for saved in cookbook:
                partitioned.remember(job(saved.query, graphs), scope)
                partitioned.remember(job(saved.query, plain_graphs), plain_scope)
            asked = await rewarm(engine, reader, partitioned, base=DEFAULT_BASE, timeout_s=120)
            messages = list(engine.messages)
            assert engine.most == 2
            # each municipality's graphs came back packed from the worker that copied them; a new text over them
            # is asked from copies made of those, one message per municipality, in whichever worker is free
            assert partitioned.packed[0] == len({g for own in (*parts.parts.values(), *plain_parts.parts.values())
                                                 for g in own})
            assert not any(engine.packed)  # the copies of the first asks were read from disk
            engine.messages.clear()
            engine.packed.clear()
            new = {}
            for saved, text in other_day:
                assert saved.combine is not None
                new[saved.name] = await partitioned.answer(engine, job(text, graphs), saved.combine, parts,
                                                           digest=digest, timeout_s=120)
                assert partitioned.last["asked"] == 20, saved.name
            assert engine.messages == [1] * 20 * len(other_day)  # the persons of each set were known already
            assert all(engine.packed), engine.packed
            few = Partitioned(workers=1)  # fewer than TOGETHER_FROM queries: one by one, no copy
            for saved in cookbook[:TOGETHER_FROM - 1]:
                few.remember(job(saved.query, graphs), scope)
            engine.messages.clear()
            assert await rewarm(engine, reader, few, base=DEFAULT_BASE, timeout_s=120) == 20 * (TOGETHER_FROM - 1)
            assert set(engine.messages) == {1}
            own = next(iter(parts.parts.values())) + parts.shared
            pair = [job(saved.query, own) for saved in cookbook[:2]]
            assert all(a.from_copy for a in (await engine.execute_together(Together(tuple(pair)), timeout_s=120)).answers)
            assert not any(a.from_copy for a in (await engine.execute_together(Together(tuple(pair[:1])),
                                                                                timeout_s=120)).answers)
            return asked, messages, partitioned, new
        finally:
            await engine.aclose()

    try:
        asked, messages, together, new = asyncio.run(warm())
        oracle = ThreadEngine(in_memory(reader))
        for saved, text in other_day:  # the same as the plain query over every graph
            assert unordered_concat(saved.name, rows(new[saved.name])) == \
                unordered_concat(saved.name, rows(asyncio.run(oracle.execute(job(text, graphs), timeout_s=120)))), \
                saved.name
        assert sum(bool(rows(answer)) for answer in new.values()) >= len(new) // 2
        assert asked == sum(sets.values()) * len(cookbook)
        # per municipality one message: every saved query and the persons, for each set of its graphs
        assert sorted(messages) == sorted((len(cookbook) + 1) * n for n in sets.values())
        one_by_one, plain = Partitioned(workers=2), ThreadEngine(reader)
        for saved in cookbook:
            assert saved.combine is not None
            for dataset, split in ((graphs, parts), (plain_graphs, plain_parts)):
                first = asyncio.run(together.answer(plain, job(saved.query, dataset), saved.combine, split,
                                                    digest=digest, timeout_s=120))
                assert together.last["asked"] == 0, saved.name  # all kept by rewarm
                second = asyncio.run(one_by_one.answer(plain, job(saved.query, dataset), saved.combine, split,
                                                       digest=digest, timeout_s=120))
                assert unordered_concat(saved.name, rows(first)) == unordered_concat(saved.name, rows(second)), \
                    saved.name
        # at a publication, the graphs no longer published leave memory with their answers and persons
        published = set(graphs)
        dropped = next(iter(parts.parts.values()))
        assert together.prune(lambda: published - set(dropped)) > 0
        assert together.packed[0] == len({g for own in (*parts.parts.values(), *plain_parts.parts.values())
                                          for g in own} - set(dropped))
        assert not any(set(own) & set(dropped) for _, own, _ in together._parts)
        assert together.prune(lambda: published - set(dropped)) == 0
    finally:
        reader.close()
        snapshot.close()


def _plain_and_narrowed(loaded: Loaded, saved_name: str, codes: list[str], partitioned: Partitioned,
                        scope: AccessScope) -> tuple[list[tuple[str, ...]], QueryAnswer]:
    """The saved query asked with ``gemeente`` = ``codes``: the plain query over every graph of ``scope`` (on the
    oracle), and the service's answer (``run_query`` with the route's ``ByGemeente``, on the store)."""
    store = loaded.store
    saved = next(q for q in load_cookbook() if q.name == saved_name)
    given = {"gemeente": codes} if codes else {}
    text, _ = bound_query(saved, given, today=date.today())
    unfiltered, _ = bound_query(saved, {}, today=date.today())
    graphs = allowed_graphs(scope, store, base=DEFAULT_BASE)
    engine = ThreadEngine(store)
    plain = rows(asyncio.run(ThreadEngine(loaded.oracle).execute(job(text, graphs), timeout_s=120)))
    answer = asyncio.run(run_query(engine, store, text, scope, ProtocolDataset(), media_type=TSV, base=DEFAULT_BASE,
                                   timeout_s=120, max_results=1_000_000, combine=saved.combine,
                                   partitioned=partitioned,
                                   by_gemeente=ByGemeente(tuple(codes), check_query(unfiltered).text) if codes
                                   else None))
    return plain, answer


@pytest.mark.parametrize("codes", [["GM0363"], ["GM0014", "GM0855"], ["GM0001"]])
def test_a_saved_query_for_some_municipalities_asks_only_theirs(loaded: Loaded, codes: list[str]) -> None:
    """Every saved query declared ``by-gemeente``, asked with ``gemeente`` by a token of every municipality, asks
    only the graphs of those municipalities (none for GM0001, which has no data: the public graphs only), and
    answers what the plain query over every graph of the scope answers."""
    scope = AccessScope("t", "analyst", frozenset(f"GM{n:04d}" for n in range(10000)), special_categories=True)
    partitioned, nonempty = Partitioned(), 0
    with_data = [c for c in codes if c != "GM0001"]
    for saved in load_cookbook():
        assert saved.by_gemeente, saved.name
        partitioned.last = {}
        plain, answer = _plain_and_narrowed(loaded, saved.name, codes, partitioned, scope)
        assert unordered_concat(saved.name, rows(answer)) == unordered_concat(saved.name, plain), saved.name
        assert answer.combined == len(with_data) and partitioned.last.get("parts", 0) == len(with_data), saved.name
        nonempty += bool(plain)
    assert not partitioned.asked  # nothing of it is asked again in the background
    assert nonempty >= (0 if not with_data else 12)


def test_a_municipality_asked_by_name_takes_the_answer_asked_ahead(loaded: Loaded) -> None:
    """The generated persons of a municipality's graphs all have it as ``inb:gemeente``: the filter lets every row
    through, so the answer is the one kept for the query without ``gemeente`` (what the service asks ahead)."""
    scope = AccessScope("t", "analyst", FEW, special_categories=False)
    partitioned = Partitioned()
    name = "slagingspercentage-per-onderdeel-en-niveau"
    _plain_and_narrowed(loaded, name, [], partitioned, scope)  # every municipality's answer, kept
    assert partitioned.last["asked"] == 3
    plain, answer = _plain_and_narrowed(loaded, name, ["GM0363"], partitioned, scope)
    assert rows(answer) == plain and plain
    assert partitioned.last == {**partitioned.last, "parts": 1, "asked": 0}


def _copy_of_few(loaded: Loaded) -> tuple[EmbeddedStore, tuple[str, ...]]:
    store = EmbeddedStore(None)
    graphs = scopes(loaded.store)["few"]
    for graph in graphs:
        store.ox.extend(loaded.store.ox.quads_for_pattern(None, None, None, _node(graph)))
    return store, graphs


def _a_person_of(store: EmbeddedStore, code: str) -> str:
    result = store.query(f"SELECT ?p WHERE {{ GRAPH ?g {{ ?p <{VOCAB}gemeente> ?x ; <{VOCAB}pseudoniem> ?n }} "
                         f"FILTER(CONTAINS(STR(?g), '/{code.lower()}/')) }} ORDER BY ?p LIMIT 1")
    assert isinstance(result, QuerySolutions)
    return str(next(iter(result))["p"])


def _graph_of(graphs: tuple[str, ...], code: str) -> str:
    return next(g for g in graphs if f"/{code.lower()}/duo/" in g and not g.endswith("/bijzonder"))


def test_a_person_who_moved_is_counted_where_the_graphs_say(loaded: Loaded) -> None:
    """A person in GM0014's graph stated to live in GM0363: asked for GM0363, that graph must be asked too, so the
    narrowing is refused; asked for GM0014, only its graphs are asked, with the filter (not the answer kept for
    the query without it), and the answer is the plain one."""
    store, graphs = _copy_of_few(loaded)
    person = _a_person_of(store, "GM0014")
    store.update(f"INSERT DATA {{ GRAPH <{_graph_of(graphs, 'GM0014')}> {{ {person} <{VOCAB}gemeente> "
                 f"<{gemeente_iri('GM0363')}> }} }}")
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None
    assert narrow(store, parts, ["GM0363"]) is None
    assert narrow(store, parts, ["GM0363", "GM0014"]) == Narrowed(
        Partition({c: parts.parts[c] for c in ("GM0014", "GM0363")}, parts.shared), True)
    narrowed = narrow(store, parts, ["GM0014"])
    assert narrowed is not None and not narrowed.filter_passes_all and list(narrowed.parts.parts) == ["GM0014"]
    saved = next(q for q in load_cookbook() if q.name == "personen-per-gemeente-doelgroep-leerroute")
    assert saved.combine is not None
    text, _ = bound_query(saved, {"gemeente": ["GM0014"]}, today=date.today())
    engine = ThreadEngine(store)
    plain = rows(asyncio.run(engine.execute(job(text, graphs), timeout_s=60)))
    unfiltered = rows(asyncio.run(engine.execute(job(saved.query, narrowed.parts.parts["GM0014"]
                                                     + parts.shared), timeout_s=60)))
    assert plain != unfiltered  # the test tells the two apart
    answer = asyncio.run(Partitioned().answer(engine, job(text, graphs), saved.combine, narrowed.parts, digest="d",
                                              timeout_s=60))
    assert rows(answer) == plain


def test_a_person_published_by_two_municipalities_is_not_narrowed(loaded: Loaded) -> None:
    store, graphs = _copy_of_few(loaded)
    person = _a_person_of(store, "GM0014")
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None and narrow(store, parts, ["GM0014"]) is not None
    store.update(f"INSERT DATA {{ GRAPH <{_graph_of(graphs, 'GM0855')}> {{ {person} <{DEFAULT_BASE}/def/x> 1 }} }}")
    assert narrow(store, parts, ["GM0014"]) is None
    assert narrow(store, parts, ["GM0014", "GM0855"]) is not None
    # a graph outside the scope does not count (the decision must not depend on what the caller cannot read)
    outside = Partition({c: gs for c, gs in parts.parts.items() if c != "GM0855"}, parts.shared)
    assert narrow(store, outside, ["GM0014"]) is not None
