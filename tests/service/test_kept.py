"""Saved queries' municipalities' answers kept on disk (``service/kept.py``): found again after a restart, asked
ahead of the analysts at start, shared between service processes, owner-only, and gone with a forgotten person.

Generated persons loaded by the real loader into an embedded store with the public graphs; the service runs with
its real query worker processes where a test starts it.
"""

from __future__ import annotations

import asyncio
import json
import stat
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from service_support import CONCATENATED

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE
from inburgering.security.dataset import allowed_graphs
from inburgering.security.scope import AccessScope
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service.ahead import cookbook_texts
from inburgering.service.cookbook import load_cookbook
from inburgering.service.cookbook.spec import Combine, SavedQuery
from inburgering.service.execute import QueryAnswer, QueryJob
from inburgering.service.kept import Asked, KeptFile, default_kept_db, published_now, query_key
from inburgering.service.partitioned import Partition, Partitioned, Progress, partition
from inburgering.service.publish import load_public_graphs
from inburgering.service.routers.sparql_endpoint import answer_response
from inburgering.service.worker import ThreadEngine, _timeout_answer
from inburgering.settings import Settings
from inburgering.store import EmbeddedStore, open_store
from inburgering.store.snapshots import Publications

KEY = "kept-test-key-not-a-secret"
FEW = frozenset({"GM0014", "GM0363", "GM0855"})
TSV = "text/tab-separated-values"
LIST = "werklijst-termijn-eindigt-binnen-zes-maanden"  # lists persons: their IRIs are in the rows


def build(tmp: Path) -> Path:
    bundle, key = tmp / "duo.jsonl", tmp / "key"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", "200", "--seed", "14", "--format", "duo", "--out", str(bundle),
                 "--reference-date", "2026-11-01"]) == 0
    path = tmp / "store"
    assert main(["load", "--store", str(path), "--rejects", str(tmp / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0
    store = open_store(str(path))
    assert isinstance(store, EmbeddedStore)
    load_public_graphs(store, base=DEFAULT_BASE)
    store.close()
    return path


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("kept"))


@pytest.fixture
def store(path: Path) -> Iterator[EmbeddedStore]:
    opened = open_store(str(path))
    assert isinstance(opened, EmbeddedStore)
    yield opened
    opened.close()


def saved(name: str) -> SavedQuery:
    return next(q for q in load_cookbook() if q.name == name)


def few(store: EmbeddedStore) -> tuple[tuple[str, ...], Partition]:
    graphs = allowed_graphs(AccessScope("t", "analyst", FEW), store, base=DEFAULT_BASE)
    parts = partition(graphs, base=DEFAULT_BASE)
    assert parts is not None and len(parts.parts) == 3
    return graphs, parts


class Counting(ThreadEngine):
    def __init__(self, store: EmbeddedStore) -> None:
        super().__init__(store)
        self.asked = 0

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        self.asked += 1
        return await super().execute(job, timeout_s=timeout_s)


def test_answers_in_the_file_are_found_again_by_another_process_or_after_a_restart(store: EmbeddedStore,
                                                                                     tmp_path: Path) -> None:
    graphs, parts = few(store)
    q = saved("instroom-per-maand-en-doelgroep")
    assert q.combine is not None
    job = QueryJob(q.query, graphs, graphs, TSV, 10_000, DEFAULT_BASE)
    engine = Counting(store)
    first_file = KeptFile(tmp_path / "kept.sqlite")
    first = asyncio.run(Partitioned(kept=first_file).answer(engine, job, q.combine, parts, digest="d", timeout_s=60))
    assert engine.asked == 2 * 3  # an answer and the persons, per municipality
    assert stat.S_IMODE((tmp_path / "kept.sqlite").stat().st_mode) == 0o600  # personal data: the owner only
    assert first_file.counts()["answers"] == 3 and first_file.counts()["persons"] == 3
    engine.asked = 0
    later = Partitioned(kept=KeptFile(tmp_path / "kept.sqlite"))  # a new process: nothing in its memory
    again = asyncio.run(later.answer(engine, job, q.combine, parts, digest="d", timeout_s=60))
    assert engine.asked == 0 and later.last["asked"] == 0
    assert again.body == first.body and again.count == first.count > 0
    # another digest of the public graphs is another key: asked anew
    asyncio.run(later.answer(engine, job, q.combine, parts, digest="e", timeout_s=60))
    assert engine.asked == 3  # the answers; the persons of the same graphs are kept


def test_a_claim_keeps_a_second_process_off_the_same_answer(tmp_path: Path) -> None:
    one, two = KeptFile(tmp_path / "k.sqlite"), KeptFile(tmp_path / "k.sqlite")
    assert one.claim("a", lease_s=0.2)
    assert not two.claim("a", lease_s=0.2) and not one.claim("a", lease_s=0.2)
    assert two.claim("b", lease_s=0.2)
    time.sleep(0.3)
    assert two.claim("a", lease_s=0.2)  # the first one's lease ran out (it died, or its job failed)


def test_prune_deletes_answers_over_graphs_no_longer_published(tmp_path: Path) -> None:
    kept = KeptFile(tmp_path / "k.sqlite")
    assert kept.prune(lambda: pytest.fail("an empty file asks the store nothing")) == 0
    kept.put("q", ("g1", "shared"), "d", ("n",), [("1",)])
    kept.put("q", ("g2", "shared"), "d", ("n",), [("2",)])
    kept.put_persons(("g1", "shared"), ["<p1>"])
    assert kept.prune(lambda: {"g1", "g2", "shared"}) == 0
    assert kept.prune(lambda: {"g2", "shared"}) == 1
    assert kept.get("q", ("g1", "shared"), "d") is None and kept.persons(("g1", "shared")) is None
    assert kept.get("q", ("g2", "shared"), "d") == (("n",), [["2"]])


class OutOfTime(ThreadEngine):
    """Answers the first municipality, runs out of time on the others."""

    def __init__(self, store: EmbeddedStore, first: str) -> None:
        super().__init__(store)
        self.first = first

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        if not any(self.first in g for g in job.default_graphs):  # as a worker killed at what was left
            return _timeout_answer(timeout_s)
        return await super().execute(job, timeout_s=timeout_s)


def combined(store: EmbeddedStore, name: str) -> tuple[QueryJob, Combine, Partition]:
    """The saved query ``name`` over the municipalities ``FEW``: the job, its ``combine`` and the partition."""
    graphs, parts = few(store)
    q = saved(name)
    assert q.combine is not None
    return QueryJob(q.query, graphs, graphs, TSV, 10_000, DEFAULT_BASE), q.combine, parts


def test_a_request_out_of_time_is_told_the_rest_is_asked_in_the_background(store: EmbeddedStore) -> None:
    job, combine, parts = combined(store, "verlengingen-per-reden")
    partitioned = Partitioned(workers=1)
    plain = asyncio.run(partitioned.answer(OutOfTime(store, "/gm0014/"), job, combine, parts, digest="d",
                                           timeout_s=60))
    assert plain.error_kind == "timeout" and "background" not in plain.error  # nobody asks in the background
    assert plain.error == "the query took more than 60 s"  # the request's limit, not what was left of it
    assert not partitioned.wanted.is_set()
    partitioned.warming = True
    told = asyncio.run(partitioned.answer(OutOfTime(store, "/gm0014/"), job, combine, parts, digest="d",
                                          timeout_s=60))
    assert told.error_kind == "timeout"
    assert "1 of 3 kept so far" in told.error and "asked in the background" in told.error
    assert "in a few minutes" in told.error and told.retry_after_s == 60  # no pace known: one time limit
    assert partitioned.wanted.is_set()
    # the background has done 4 of 10 municipalities in 8 s: the rest at that pace
    partitioned.progress = Progress(groups=10, done=4, started=time.monotonic() - 8.0)
    told = asyncio.run(partitioned.answer(OutOfTime(store, "/gm0014/"), job, combine, parts, digest="d",
                                          timeout_s=60))
    assert 12 <= told.retry_after_s <= 13 and f"in about {told.retry_after_s} s" in told.error
    response = asyncio.run(answer_response(told, TSV, None, None, None))  # type: ignore[arg-type]
    assert response.status_code == 503 and response.headers["retry-after"] == str(told.retry_after_s)


class Queued(ThreadEngine):
    """Every query waits ``wait_s`` before it runs, as for a worker the background holds."""

    def __init__(self, store: EmbeddedStore, wait_s: float) -> None:
        super().__init__(store)
        self.wait_s = wait_s

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        await asyncio.sleep(self.wait_s)
        return await super().execute(job, timeout_s=timeout_s)


def test_the_wait_for_a_worker_counts_against_the_requests_time_limit(store: EmbeddedStore) -> None:
    job, combine, parts = combined(store, "verlengingen-per-reden")
    partitioned = Partitioned(workers=1)
    started = time.monotonic()
    answer = asyncio.run(partitioned.answer(Queued(store, 5.0), job, combine, parts, digest="d", timeout_s=1))
    assert time.monotonic() - started < 3  # not 5 s of waiting (or 15, one municipality after the other)
    assert answer.error_kind == "timeout" and answer.error == "the query took more than 1 s"
    quick = asyncio.run(partitioned.answer(Queued(store, 0.05), job, combine, parts, digest="d", timeout_s=60))
    assert quick.error_kind is None and quick.combined == 3


class Pacing(ThreadEngine):
    """Notes how far the background says it has come at each query it asks."""

    def __init__(self, store: EmbeddedStore, partitioned: Partitioned) -> None:
        super().__init__(store)
        self.partitioned = partitioned
        self.seen: list[tuple[int, int]] = []

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        progress = self.partitioned.progress
        assert progress is not None
        self.seen.append((progress.done, progress.groups))
        return await super().execute(job, timeout_s=timeout_s)


def test_the_background_counts_the_municipalities_it_has_asked(store: EmbeddedStore) -> None:
    job, _, parts = combined(store, "verlengingen-per-reden")
    partitioned = Partitioned(workers=1)
    engine = Pacing(store, partitioned)
    assert asyncio.run(partitioned.fill(engine, [(job, parts)], digest="d", timeout_s=60)) == 3
    # one lane: the answer and the persons of each municipality, asked while the ones before it are done
    assert engine.seen == [(0, 3), (0, 3), (1, 3), (1, 3), (2, 3), (2, 3)]
    assert partitioned.progress is None  # nothing runs: a request is told "in a few minutes"


def wait_for(predicate: Callable[[], bool], *, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("the service did not ask the saved query's answers in the background")
        time.sleep(0.2)


def rows_of(kept: KeptFile) -> list[str]:
    """Every kept answer's rows, as text."""
    with kept._lock:
        blobs = [r for (r,) in kept._db.execute("SELECT rows FROM answers")]
    return [json.dumps(json.loads(zlib.decompress(b))) for b in blobs]


def test_the_service_asks_at_start_what_was_asked_before_and_a_forgotten_person_leaves_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A token asks a saved query; the service keeps its municipalities' answers in ``{store}.kept.sqlite``. Those
    answers deleted (as a publication while the service was down would leave them unusable), a new service process
    asks them at start, before any request. ``inburgering forget`` of a person in a kept list then deletes every
    answer over the graphs it retired: the person's IRI is in no kept row."""
    path = build(tmp_path)
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=sorted(FEW), special_categories=False).token
    settings = Settings(store=str(path), token_db=Path(tokens.path), audit_log=tmp_path / "audit.jsonl",
                        public_url=DEFAULT_BASE, warm_saved_queries=False)  # what was asked (ahead: below)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    kept_path = default_kept_db(str(path))
    assert kept_path == tmp_path / "store.kept.sqlite"
    try:
        with TestClient(create_app(settings)) as client:
            answer = client.get(f"/api/queries/{LIST}", headers=headers)
            assert answer.status_code == 200, answer.text
            persons = [b["persoon"]["value"] for b in answer.json()["results"]["bindings"]]
            assert persons, "the list is empty: nothing to forget"
        kept = KeptFile(kept_path)
        assert kept.counts()["answers"] == 3 and kept.counts()["asked"] == 1
        with kept._lock:
            kept._db.execute("DELETE FROM answers")
        with TestClient(create_app(settings)) as client:
            partitioned = client.app.state.runtime.partitioned  # type: ignore[attr-defined]
            wait_for(lambda: kept.counts()["answers"] == 3)  # asked at start, with no request
            answer = client.get(f"/api/queries/{LIST}", headers=headers)
            assert answer.status_code == 200 and partitioned.last["asked"] == 0
        person = persons[0]
        assert any(person in text for text in rows_of(kept))
        pseudonym = person.rsplit("/", 1)[1]
        assert main(["forget", "--store", str(path), "--pseudonym", pseudonym, "--reason", "zaak 1",
                     "--audit-log", str(tmp_path / "audit.jsonl")]) == 0
        assert "kept answers of saved queries: 1 over the replaced graphs deleted" in capsys.readouterr().out
        assert not any(person in text for text in rows_of(kept))
        assert kept.counts()["answers"] == 2  # the person's municipality's answer went; the others stay
        kept.close()
    finally:
        tokens.close()


def test_forget_says_when_it_cannot_prune_the_kept_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The person is forgotten in the store all the same; the operator is told the file was not pruned, and by
    whom it will be (no traceback)."""
    path = build(tmp_path)
    (tmp_path / "not-a-file").mkdir()
    monkeypatch.setenv("INBURGERING_KEPT_ANSWERS_DB", str(tmp_path / "not-a-file"))
    store = open_store(str(path))
    rows = list(store.query(  # type: ignore[arg-type]
        "SELECT ?p WHERE { GRAPH ?g { ?p a ?t } FILTER(CONTAINS(STR(?p), '/id/persoon/')) } LIMIT 1"))
    pseudonym = str(rows[0]["p"].value).rsplit("/", 1)[1]
    del rows  # the results hold the store open
    store.close()
    assert main(["forget", "--store", str(path), "--pseudonym", pseudonym, "--reason", "zaak 2",
                 "--audit-log", str(tmp_path / "audit.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "1 person forgotten" in out
    assert f"warning: the service's kept answers {tmp_path / 'not-a-file'} could not be pruned" in out


def test_no_file_when_answers_are_not_kept(tmp_path: Path) -> None:
    assert default_kept_db("memory:") is None and default_kept_db("http://example.org/sparql") is None
    from inburgering.service.app import kept_file

    assert kept_file(Settings(store=str(tmp_path / "s"), kept_answers=0)) is None
    made = kept_file(Settings(store=str(tmp_path / "s"), kept_answers_db=tmp_path / "elsewhere.sqlite"))
    assert made is not None and made.path == tmp_path / "elsewhere.sqlite"
    made.close()
    assert replace(AccessScope("t", "analyst", FEW), token_id=None) == AccessScope(None, "analyst", FEW)


def test_after_a_reload_only_the_changed_municipality_is_asked_again_on_every_backend(store_url: str,
                                                                                        tmp_path: Path) -> None:
    """A token asks a saved query, then one municipality is loaded again while the service runs: the service sees
    the publication (the embedded store's checkpoint, a remote store's publication id), deletes the answer over the
    graphs it retired and asks that municipality's answer over its new graphs in the background; the next request
    asks nothing."""
    bundle, key = tmp_path / "duo.jsonl", tmp_path / "key"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", "200", "--seed", "14", "--format", "duo", "--out", str(bundle),
                 "--reference-date", "2026-11-01"]) == 0
    assert main(["model", "publish", "--store", store_url]) == 0
    assert main(["load", "--store", store_url, "--rejects", str(tmp_path / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0
    again = tmp_path / "gm0363.jsonl"
    again.write_text("".join(line + "\n" for line in bundle.read_text(encoding="utf-8").splitlines()
                             if json.loads(line)["gemeente"] == "GM0363"), encoding="utf-8")
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=sorted(FEW), special_categories=False).token
    kept_path = tmp_path / "kept.sqlite"
    settings = Settings(store=store_url, token_db=Path(tokens.path), audit_log=tmp_path / "audit.jsonl",
                        public_url=DEFAULT_BASE, kept_answers_db=kept_path, warm_saved_queries=False)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    try:
        with TestClient(create_app(settings)) as client:
            partitioned = client.app.state.runtime.partitioned  # type: ignore[attr-defined]
            first = client.get(f"/api/queries/{LIST}", headers=headers)
            assert first.status_code == 200, first.text
            # nothing kept before: the request asks, and the background may meet it halfway (it asks the query the
            # request remembered from the first municipality on at its next look, on a slow machine during the request)
            assert 1 <= partitioned.last["asked"] <= 3
            kept = KeptFile(kept_path)
            before = graph_sets(kept)
            assert len(before) == 3 and sum("/gm0363/" in g for g in before) == 1
            assert main(["load", "--store", store_url, "--rejects", str(tmp_path / "rejects-2.jsonl"),
                         "--key-file", str(key), str(again)]) == 0
            wait_for(lambda: len(graph_sets(kept)) == 3 and graph_sets(kept) != before, seconds=60)
            after = graph_sets(kept)
            assert {g for g in after if "/gm0363/" not in g} == {g for g in before if "/gm0363/" not in g}
            second = client.get(f"/api/queries/{LIST}", headers=headers)
            assert second.status_code == 200 and partitioned.last["asked"] == 0
            assert sorted(second.json()["results"]["bindings"], key=json.dumps) == sorted(
                first.json()["results"]["bindings"], key=json.dumps)  # the same persons, loaded again
            kept.close()
    finally:
        tokens.close()


def graph_sets(kept: KeptFile) -> set[str]:
    with kept._lock:
        return {g for (g,) in kept._db.execute("SELECT graphs FROM answers")}


def kept_queries(kept: KeptFile) -> set[str]:
    with kept._lock:
        return {q for (q,) in kept._db.execute("SELECT DISTINCT query FROM answers")}


def test_forget_except_keeps_the_texts_asked_ahead_and_those_analysts_asked(tmp_path: Path) -> None:
    kept = KeptFile(tmp_path / "k.sqlite")
    for text in ("ahead", "asked", "yesterday"):
        kept.put(text, ("g1", "shared"), "d", ("n",), [("1",)])
    kept.remember(Asked("asked", DEFAULT_BASE, 10, AccessScope(None, "analyst", FEW)))
    assert kept.forget_except({"ahead"}) == 1
    assert kept_queries(kept) == {query_key("ahead"), query_key("asked")}
    assert kept.forget_except({"ahead"}) == 0
    kept.close()


def test_the_service_asks_the_cookbook_ahead_for_the_tokens_municipalities_and_again_each_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens issued, no request made: the service asks every saved query's answers (the file's text and the text
    ``/api/queries`` runs today) for each municipality the unrevoked analysts' tokens read, with the special
    categories where a token has them, and for no other. Every saved query then asks nothing on its first request,
    by name or as text. At a new day the day's texts are asked, and the answers to yesterday's leave the file."""
    path = build(tmp_path)
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=["GM0014", "GM0363"], special_categories=False).token
    tokens.create(role="analyst", gemeenten=["GM0014"], special_categories=True)
    revoked = tokens.create(role="analyst", gemeenten=["GM0855"], special_categories=True).record.token_id
    tokens.revoke(revoked)
    tokens.create(role="admin", gemeenten=["GM0344"], special_categories=True)  # provenance graphs: never combined
    settings = Settings(store=str(path), token_db=Path(tokens.path), audit_log=tmp_path / "audit.jsonl",
                        public_url=DEFAULT_BASE, publication_poll_s=0.5)
    opened = open_store(str(path))
    own: set[tuple[str, ...]] = set()
    for gemeenten, special in ((frozenset({"GM0014", "GM0363"}), False), (frozenset({"GM0014"}), True)):
        parts = partition(allowed_graphs(AccessScope(None, "analyst", gemeenten, special), opened,
                                         base=DEFAULT_BASE), base=DEFAULT_BASE)
        assert parts is not None
        own.update(parts.parts.values())
    opened.close()
    assert len(own) == 3, "GM0014's special categories are a graph of their own in this data"
    day = date.today()
    jobs = cookbook_texts(base=DEFAULT_BASE, dialect="oxigraph", today=day)
    assert len(jobs) == 17 + 8  # the 8 with a reference date: a text of the day beside the file's
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    kept_path = default_kept_db(str(path))
    assert kept_path is not None
    try:
        with TestClient(create_app(settings)) as client:
            kept = KeptFile(kept_path)
            wait_for(lambda: kept.counts()["answers"] == len(jobs) * len(own), seconds=300)
            assert kept_queries(kept) == {query_key(text) for text in jobs}
            with kept._lock:
                graphs = {g for (g,) in kept._db.execute("SELECT DISTINCT graphs FROM answers")}
            assert {tuple(g.split("\n")) for g in graphs} == own  # the revoked and the admin token: nothing
            partitioned = client.app.state.runtime.partitioned  # type: ignore[attr-defined]
            for q in load_cookbook():
                by_name = client.get(f"/api/queries/{q.name}", headers=headers)
                assert by_name.status_code == 200, by_name.text
                assert partitioned.last["asked"] == 0 and partitioned.last["parts"] == 2, q.name
                by_text = client.post("/sparql", content=q.query.encode(), headers={
                    **headers, "Content-Type": "application/sparql-query"})
                assert by_text.status_code == 200, by_text.text
                assert partitioned.last["asked"] == 0, q.name
            assert kept.counts()["asked"] == 0  # asked ahead anyway: nothing to remember
            tomorrow = day + timedelta(days=1)
            monkeypatch.setattr("inburgering.service.ahead.today", lambda: tomorrow)
            later = cookbook_texts(base=DEFAULT_BASE, dialect="oxigraph", today=tomorrow)
            wait_for(lambda: kept_queries(kept) == {query_key(text) for text in later}
                     and kept.counts()["answers"] == len(later) * len(own), seconds=300)
            assert len(set(later) - set(jobs)) == 8
            # the municipalities' graphs came back packed from the copies the answers were asked from; a person
            # forgotten while the service runs leaves its memory with the graphs the erasure replaced
            assert partitioned.packed[0] == len({g for graphs in own for g in graphs})
            listed = client.get(f"/api/queries/{LIST}", headers=headers)
            assert listed.status_code == 200, listed.text
            person = listed.json()["results"]["bindings"][0]["persoon"]["value"]
            assert main(["forget", "--store", str(path), "--pseudonym", person.rsplit("/", 1)[1], "--reason",
                         "zaak 2", "--audit-log", str(tmp_path / "audit.jsonl")]) == 0
            reader = EmbeddedStore.from_snapshot(Publications(path).open_current())
            published = published_now(reader, base=DEFAULT_BASE)
            reader.close()
            retired = {g for graphs in own for g in graphs} - published
            assert retired, "the erasure replaced no graph"
            wait_for(lambda: not any(g in retired for g in list(partitioned._packed)) and not any(
                set(key[1]) & retired for key in list(partitioned._parts)), seconds=60)
            kept.close()
    finally:
        tokens.close()


def test_asked_ahead_before_the_service_starts_it_answers_every_saved_query_from_its_first_request(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``inburgering serve --ask-ahead-only`` (after a load, before the service starts) asks what the service would
    ask at its start into the kept file, and stops. A service started then asks nothing for any saved query, on
    its first request, and answers as a service that keeps nothing (the plain query over the same graphs)."""
    path = build(tmp_path)
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=sorted(FEW), special_categories=False).token
    tokens.close()
    jobs = cookbook_texts(base=DEFAULT_BASE, dialect="oxigraph", today=date.today())
    assert main(["serve", "--ask-ahead-only", "--store", str(path), "--token-db", str(tmp_path / "tokens.sqlite"),
                 "--public-url", DEFAULT_BASE]) == 0
    said = capsys.readouterr().out
    wanted = len(jobs) * len(FEW)
    assert f"{wanted} answers asked (a saved query's for one municipality each)" in said, said
    assert f"{wanted} of them kept" in said, said
    kept_path = default_kept_db(str(path))
    assert kept_path is not None
    kept = KeptFile(kept_path)
    assert kept.counts()["answers"] == wanted and kept_queries(kept) == {query_key(text) for text in jobs}
    kept.close()
    assert main(["serve", "--ask-ahead-only", "--store", str(path), "--token-db", str(tmp_path / "tokens.sqlite"),
                 "--public-url", DEFAULT_BASE]) == 0  # again: everything is kept already
    assert ": 0 answers asked" in capsys.readouterr().out

    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    common = {"store": str(path), "token_db": tmp_path / "tokens.sqlite", "public_url": DEFAULT_BASE,
              "audit_log": tmp_path / "audit.jsonl"}

    def rows(client: TestClient, name: str) -> list[str]:
        answer = client.get(f"/api/queries/{name}", headers=headers)
        assert answer.status_code == 200, answer.text
        bindings = answer.json()["results"]["bindings"]
        if name in CONCATENATED:  # GROUP_CONCAT's order within a value is the engine's: compared as sets
            at, separator = CONCATENATED[name]
            column = answer.json()["head"]["vars"][at]
            for b in bindings:
                if column in b:
                    b[column]["value"] = sorted(b[column]["value"].split(separator))
        return sorted(json.dumps(b, sort_keys=True) for b in bindings)

    served = {}
    with TestClient(create_app(Settings(**common))) as client:
        partitioned = client.app.state.runtime.partitioned  # type: ignore[attr-defined]
        for q in load_cookbook():
            served[q.name] = rows(client, q.name)
            if q.combine is not None:
                assert partitioned.last["asked"] == 0 and partitioned.last["parts"] == len(FEW), q.name
    with TestClient(create_app(Settings(**common, kept_answers=0))) as client:
        plain = {q.name: rows(client, q.name) for q in load_cookbook()}
    assert served == plain
    assert any(served.values())


def test_asking_ahead_says_when_there_is_nothing_to_ask_or_nowhere_to_keep_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = build(tmp_path)
    assert main(["serve", "--ask-ahead-only", "--store", str(path)]) == 0
    assert "nothing to ask: no analyst token reads a municipality" in capsys.readouterr().out
    monkeypatch.setenv("INBURGERING_KEPT_ANSWERS", "0")
    assert main(["serve", "--ask-ahead-only", "--store", str(path)]) == 2
    assert "no answers to keep" in capsys.readouterr().err
    assert main(["serve", "--ask-ahead-only", "--store", str(tmp_path / "none")]) == 2
    assert "no store at" in capsys.readouterr().err
