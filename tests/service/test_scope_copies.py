"""Issue 15: a query worker answers a small scope from an in-memory copy of exactly the job's graphs.

Generated persons are loaded by the real loader; the service runs twice over the same store with real tokens and
real query workers, once with copies (the default budget) and once without (``scope_copy_quads=0``, the disk).
An answer counts as the copy's only when the worker says so (``QueryAnswer.from_copy``, read by a spy around the
app's engine); the first answers of a scope come from disk while the copy is made in the background.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, QuerySolutions, Triple

from inburgering.cli import main
from inburgering.namespaces import DCAT, DCT, DEFAULT_BASE, OWL, VOCAB, gemeente_iri
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.service import scoped as scoped_module
from inburgering.service.cookbook import load_cookbook
from inburgering.service.execute import QueryAnswer, QueryJob, Together, execute_job
from inburgering.service.projection import read_predicates
from inburgering.service.scoped import (
    CHUNK,
    PublicQuads,
    ScopeCopies,
    TooLarge,
    answer_from_copy,
    answer_together,
    copy_as_text,
    copy_graphs,
    holds_graphs,
    pack,
    scope_key,
    unpack,
)
from inburgering.settings import Settings
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.publication import public_graphs, published_graphs
from inburgering.store.querylex import inspect_query
from inburgering.store.snapshots import Publications

KEY = "scope-copy-test-key-not-a-secret"
PEILDATUM = "2026-11-01"
#: The largest municipality of the generated persons (seed 14), and another one.
MINE, OTHER = "GM0363", "GM0518"
COPY_WAIT_S = 60.0


def _load(store: Path, bundle: Path, key: Path) -> None:
    rejects = store.parent / f"rejects-{bundle.stem}.jsonl"
    assert main(["load", "--store", str(store), "--rejects", str(rejects), "--key-file", str(key), str(bundle)]) == 0


def build(folder: Path, *, persons: int, seed: int = 14) -> tuple[Path, Path]:
    """A store with the published model and ``persons`` generated persons, and its pseudonym key file."""
    bundle, key, store = folder / "duo.jsonl", folder / "key", folder / "store"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", str(persons), "--seed", str(seed), "--format", "duo", "--out",
                 str(bundle), "--reference-date", PEILDATUM]) == 0
    assert main(["model", "publish", "--store", str(store)]) == 0
    _load(store, bundle, key)
    return store, key


class Spy:
    """The app's engine, recording every job it runs with the answer it got."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.seen: list[tuple[QueryJob, QueryAnswer]] = []

    async def execute(self, job: QueryJob, *, timeout_s: float) -> QueryAnswer:
        answer: QueryAnswer = await self.engine.execute(job, timeout_s=timeout_s)
        self.seen.append((job, answer))
        return answer

    async def aclose(self) -> None:
        await self.engine.aclose()


@dataclass
class Service:
    client: TestClient
    spy: Spy

    def get(self, url: str, headers: dict[str, str], **params: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, params=params, headers=headers)
        assert response.status_code == 200, (url, params, response.text)
        return response

    def from_copy(self, url: str, headers: dict[str, str], **params: Any) -> tuple[httpx.Response, QueryJob]:
        """Ask until the answer comes from the worker's copy (the first ones come from disk while it is made)."""
        deadline = time.monotonic() + COPY_WAIT_S
        while True:
            response = self.get(url, headers, **params)
            job, answer = self.spy.seen[-1]
            if answer.from_copy:
                return response, job
            assert time.monotonic() < deadline, f"no answer from a copy within {COPY_WAIT_S} s: {url} {params}"
            time.sleep(0.05)


@contextmanager
def service(settings: Settings) -> Iterator[Service]:
    """The app over ``settings`` with one query worker for token holders, its engine spied on."""
    with TestClient(create_app(settings, query_workers=1)) as client:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        runtime.engine = spy = Spy(runtime.engine)
        yield Service(client, spy)


@dataclass
class Scoped:
    store: Path
    disk: Service  # scope_copy_quads=0
    copy: Service  # the default budget
    mine: dict[str, str]  # an analyst token for MINE alone
    other: dict[str, str]  # for OTHER alone


@pytest.fixture(scope="module")
def scoped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scoped]:
    folder = tmp_path_factory.mktemp("scoped")
    store, _ = build(folder, persons=150)
    tokens = TokenStore(folder / "tokens.sqlite")
    mine = tokens.create(role="analyst", gemeenten=(MINE,), special_categories=False).token
    other = tokens.create(role="analyst", gemeenten=(OTHER,), special_categories=False).token

    def settings(**overrides: Any) -> Settings:
        # kept_answers=0: saved queries evaluated as they are, from the copy or the disk, not from the
        # municipality's kept answer (service/partitioned.py; tests/service/test_partitioned.py)
        return Settings(store=str(store), token_db=Path(tokens.path), audit_log=folder / "audit.jsonl",
                        public_url=DEFAULT_BASE, kept_answers=0, **overrides)

    try:
        with service(settings(scope_copy_quads=0)) as disk, service(settings()) as copy:
            yield Scoped(store, disk, copy, {"Authorization": f"Bearer {mine}"},
                         {"Authorization": f"Bearer {other}"})
    finally:
        tokens.close()


def _same(scoped: Scoped, url: str, headers: dict[str, str], params: dict[str, Any], *,
          ordered: bool = True) -> tuple[httpx.Response, QueryJob]:
    """The copy's answer, checked against the disk's (and what the scope withheld): byte for byte, or line for line
    when the answer has no order (CONSTRUCT and DESCRIBE: SPARQL orders no triples, and the two stores keep theirs
    in different orders)."""
    copied, job = scoped.copy.from_copy(url, headers, **params)
    disk = scoped.disk.get(url, headers, **params)
    assert not scoped.disk.spy.seen[-1][1].from_copy
    if ordered:
        assert copied.content == disk.content, (url, params)
    else:
        assert sorted(copied.content.splitlines()) == sorted(disk.content.splitlines()), (url, params)
    assert copied.headers.get("inburgering-withheld") == disk.headers.get("inburgering-withheld")
    return copied, job


def _rows(response: httpx.Response) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


# --- the same answers ---------------------------------------------------------------------------------------------

def test_every_cookbook_query_answers_the_same_from_the_copy(scoped: Scoped) -> None:
    answered = 0
    for saved in load_cookbook():
        params = {"peildatum": PEILDATUM} if any(p.name == "peildatum" for p in saved.parameters) else {}
        response, job = _same(scoped, f"/api/queries/{saved.name}", scoped.mine, params)
        answered += bool(_rows(response))
        assert not job.union_all and all(MINE.lower() in g or "/graph/gm" not in g
                                         for g in job.default_graphs + job.named_graphs)
    assert answered >= 10  # most questions have an answer for one municipality of this store


SPARQL = {
    "graph-variable": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "ask": f"ASK {{ ?p <{VOCAB}gemeente> <{gemeente_iri(MINE)}> }}",
    "construct": (f"CONSTRUCT {{ ?p <{VOCAB}gemeente> ?gm }} WHERE {{ ?p a <{VOCAB}Inburgeraar> ; "
                  f"<{VOCAB}gemeente> ?gm }}"),
    # blank nodes keep their labels in the copy (a dump and reload would rename them)
    "blank-nodes": f"SELECT ?r ?p ?o WHERE {{ ?r a <{OWL}Restriction> ; ?p ?o }} ORDER BY ?r ?p ?o",
    "describe": f"DESCRIBE ?p WHERE {{ ?p a <{VOCAB}Inburgeraar> }} ORDER BY ?p LIMIT 1",
}


@pytest.mark.parametrize("name", sorted(SPARQL))
def test_sparql_queries_answer_the_same_from_the_copy(scoped: Scoped, name: str) -> None:
    graph = name in ("construct", "describe")
    accept = {"Accept": "application/n-triples" if graph else "application/sparql-results+json"}
    response, _ = _same(scoped, "/sparql", {**scoped.mine, **accept}, {"query": SPARQL[name]}, ordered=not graph)
    assert response.content.strip()
    if name == "blank-nodes":
        assert any(b["r"]["type"] == "bnode" for b in response.json()["results"]["bindings"])


def test_from_named_gives_a_copy_of_those_graphs_only(scoped: Scoped) -> None:
    mine = _graphs(scoped.store, MINE)
    query = f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{mine[0]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    response, job = _same(scoped, "/sparql", {**scoped.mine, "Accept": "application/sparql-results+json"},
                          {"query": query})
    assert (job.default_graphs, job.named_graphs) == ((), (mine[0],))
    assert [r["g"] for r in _rows(response)] == [mine[0]]


# --- the dataset restriction --------------------------------------------------------------------------------------

def _graphs(store: Path, gemeente: str) -> list[str]:
    publications = Publications(store)
    snapshot = publications.open_current()
    reader = EmbeddedStore.from_snapshot(snapshot)
    try:
        return published_graphs(reader, base=DEFAULT_BASE, gemeenten=[gemeente])
    finally:
        reader.close()


def test_another_municipality_is_unreachable_through_the_copy(scoped: Scoped) -> None:
    theirs = _graphs(scoped.store, OTHER)
    assert theirs
    persons = f"?p <{VOCAB}gemeente> <{gemeente_iri(OTHER)}>"
    attempts: list[dict[str, Any]] = [
        {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {persons} }}"},
        {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {persons} }} }}"},
        {"query": f"SELECT (COUNT(*) AS ?n) FROM <{theirs[0]}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT (COUNT(*) AS ?n) FROM NAMED <{theirs[0]}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{theirs[0]}> {{ ?s ?p ?o }} }}"},
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "default-graph-uri": theirs},
        {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": theirs},
    ]
    headers = {**scoped.mine, "Accept": "application/sparql-results+json"}
    for params in attempts:
        response, job = _same(scoped, "/sparql", headers, params)
        assert _rows(response) == [{"n": "0"}], params
        assert not set(theirs) & set(job.default_graphs + job.named_graphs), params
    # and the same questions with OTHER's own token do see its persons (the queries can find them)
    own, _ = scoped.copy.from_copy("/sparql", {**scoped.other, "Accept": "application/sparql-results+json"},
                                   query=attempts[0]["query"])
    assert int(_rows(own)[0]["n"]) > 0


# --- the copies of one worker -------------------------------------------------------------------------------------

def _job(graphs: list[str], *, union_all: bool = False) -> QueryJob:
    return QueryJob("ASK {}", tuple(graphs), tuple(graphs), "application/json", 10, DEFAULT_BASE, union_all)


def _reader(store: Path) -> tuple[EmbeddedStore, str]:
    reader = EmbeddedStore.from_snapshot(Publications(store).open_current())
    return reader, str(reader.path)


def _scope(reader: EmbeddedStore, gemeente: str) -> list[str]:
    return published_graphs(reader, base=DEFAULT_BASE, gemeenten=[gemeente], special=False) + public_graphs(
        reader, base=DEFAULT_BASE)


def _quads(store: EmbeddedStore, graphs: list[str]) -> set[Any]:
    return {q for g in graphs for q in store.ox.quads_for_pattern(None, None, None, NamedNode(g))}


def test_a_copy_holds_exactly_the_jobs_graphs_quad_for_quad(scoped: Scoped) -> None:
    reader, where = _reader(scoped.store)
    try:
        graphs = _scope(reader, MINE)
        copies = ScopeCopies(1_000_000)
        made = copies.build(reader, (where, frozenset(graphs)), base=DEFAULT_BASE)
        assert made is not None
        assert sorted(g.value for g in made.store.named_graphs()) == sorted(graphs)
        assert made.holds == frozenset(graphs)  # a token's job over these graphs is asked as their union
        assert set(made.store.ox.quads_for_pattern(None, None, None)) == _quads(reader, graphs)
        assert made.quads == len(_quads(reader, graphs))
    finally:
        reader.close()


def test_the_background_reads_the_public_graphs_once_per_publication(scoped: Scoped) -> None:
    """``answer_together`` puts the worker's ``PublicQuads`` into each municipality's copy instead of reading the
    public graphs from disk again: the same quads (blank nodes of the ontology included) and the same answers."""
    reader, where = _reader(scoped.store)
    try:
        public, mine = PublicQuads(), _scope(reader, MINE)
        known = public.quads(reader, where, mine, base=DEFAULT_BASE)
        assert sorted(known) == sorted(public_graphs(reader, base=DEFAULT_BASE))
        assert any(isinstance(q.subject, BlankNode) for quads in known.values() for q in quads)
        other = public.quads(reader, where, _scope(reader, OTHER), base=DEFAULT_BASE)
        assert all(other[g] is known[g] for g in known)  # read once for every municipality
        again = public.quads(reader, where + "-next", mine, base=DEFAULT_BASE)
        assert all(again[g] is not known[g] for g in known)  # another publication reads them again
        copy, quads = copy_graphs(reader, mine, limit=1_000_000, known=known)
        assert set(copy.ox) == _quads(reader, mine) and quads == len(copy.ox)
        jobs = [QueryJob(q.query, tuple(mine), tuple(mine), "text/tab-separated-values", 10_000, DEFAULT_BASE)
                for q in load_cookbook()]
        reused = answer_together(reader, Together(tuple(jobs)), limit=1_000_000, public=(public, where)).answers
        assert all(a.from_copy and a.error_kind is None for a in reused)
        assert reused == answer_together(reader, Together(tuple(jobs)), limit=1_000_000).answers
    finally:
        reader.close()


def test_a_municipalitys_copy_comes_over_as_text_quad_for_quad(scoped: Scoped) -> None:
    """``copy_as_text`` (``answer_together``'s copy): the instance graphs as Oxigraph's N-Triples of them, the
    public graphs from ``known``: the disk's quads. A graph with blank nodes not given in ``known`` comes quad for
    quad, with the disk's labels (a reload of its text would give new ones), and no text; the texts pack as the
    copy does; past ``limit`` quads: ``TooLarge``."""
    reader, where = _reader(scoped.store)
    try:
        mine, public = _scope(reader, MINE), public_graphs(reader, base=DEFAULT_BASE)
        own = sorted(set(mine) - set(public))
        known = PublicQuads().quads(reader, where, mine, base=DEFAULT_BASE)
        copy, texts = copy_as_text(reader, mine, limit=1_000_000, known=known)
        assert set(copy.ox) == _quads(reader, mine) and len(copy.ox) == len(_quads(reader, mine))
        assert sorted(texts) == own
        assert all(b"_:" not in text for text in texts.values())
        with_blank = [g for g in public if any(isinstance(q.subject, BlankNode) for q in _quads(reader, [g]))]
        assert with_blank
        copy_b, texts_b = copy_as_text(reader, with_blank, limit=1_000_000, known={})
        assert set(copy_b.ox) == _quads(reader, with_blank) and not texts_b
        packed, unpacked = pack(copy, own, texts=texts), pack(copy, own)
        assert set(unpack(copy_of=packed, known={}).ox) == set(unpack(copy_of=unpacked, known={}).ox) == \
            _quads(reader, own)
        with pytest.raises(TooLarge):
            copy_as_text(reader, mine, limit=len(copy.ox) - 1, known=known)
    finally:
        reader.close()


def test_packed_graphs_come_back_as_they_went_in() -> None:
    """``unpack`` parses without Oxigraph's IRI check (the text is Oxigraph's own): IRIs with escapes and non-ASCII,
    literals with quotes, line breaks, language tags and datatypes come back exactly as packed, in their graphs."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    s = NamedNode("http://example.org/id/persoon/é%20x?q=1#f")
    objects = [Literal('a "quoted" \\ back\nslash\r\t .\n', language="nl-NL"),
               Literal("2026-02-29", datatype=NamedNode(xsd + "date")), Literal("ünïcödé ✓ 𝄞"),
               NamedNode("urn:uuid:0b9f0e0c-0000-4000-8000-000000000000"),
               Literal("12.50", datatype=NamedNode(xsd + "decimal"))]
    made = EmbeddedStore(None)
    quads = {Quad(s, NamedNode(f"http://example.org/p{i}"), o, NamedNode(f"http://example.org/g{i % 2}"))
             for i, o in enumerate(objects)}
    made.ox.extend(quads)
    public = [Quad(BlankNode("b0"), NamedNode("http://example.org/p"), Literal("x"), NamedNode("http://example.org/c"))]
    copy = unpack(copy_of=pack(made, ["http://example.org/g0", "http://example.org/g1"]),
                  known={"http://example.org/c": public})
    assert set(copy.ox) == set(made.ox) | set(public)  # as stored: Oxigraph writes 12.50 as 12.5 either way
    assert len(copy.ox) == len(quads) + 1


def test_a_copy_is_asked_as_the_union_of_its_graphs_only_when_they_are_the_jobs_default_graphs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``answer_from_copy``: a job whose default graphs are exactly the graphs of the copy is asked with the union
    of every graph as its default graph (faster, the same graph); one over fewer graphs of the copy (a copy made for
    two scopes), or listing a graph the copy does not hold, keeps its list. Each answers what the same job
    answers with its lists, FROM and FROM NAMED in the text included; a triple in two graphs counts twice both
    ways."""
    g1, g2, c, empty = (f"http://example.org/{n}" for n in ("g1", "g2", "c", "empty"))
    t = Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), Literal("o"))
    made = EmbeddedStore(None)
    made.ox.extend([Quad(*t, NamedNode(g1)), Quad(*t, NamedNode(g2)),
                    Quad(t.subject, t.predicate, Literal("p"), NamedNode(g2))])
    public = [Quad(BlankNode("b0"), NamedNode("http://example.org/q"), Literal("x"), NamedNode(c))]
    copy = unpack(copy_of=pack(made, [g1, g2]), known={c: public})
    holds = holds_graphs(copy)
    assert holds == {g1, g2, c}
    asked: list[bool] = []
    execute = scoped_module.execute_job

    def spy(store: EmbeddedStore, job: QueryJob, *, every_graph_default: bool = False) -> QueryAnswer:
        asked.append(every_graph_default)
        return execute(store, job, every_graph_default=every_graph_default)

    monkeypatch.setattr(scoped_module, "execute_job", spy)
    text = ("SELECT (COUNT(*) AS ?n) (SUM(IF(BOUND(?g), 1, 0)) AS ?named) FROM <http://example.org/g1> "
            "FROM NAMED <http://example.org/g1> WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    for default, named, every, counts in [((g1, g2, c), (g1, g2, c), True, ("8", "4")),
                                          ((g2, c, g1), (g1,), True, ("5", "1")),
                                          ((g1, c), (g1, g2, c), False, ("6", "4")),
                                          ((g1, g2, c, empty), (g1, g2, c, empty), False, ("8", "4"))]:
        job = QueryJob(text, default, named, "text/tab-separated-values", 10, DEFAULT_BASE)
        answer = answer_from_copy(copy, job, holds)
        assert asked.pop() is every and answer.from_copy
        assert answer.body == execute(copy, job).body
        assert answer.body.decode().splitlines()[1].split("\t") == list(counts)
    named_by_blank = unpack(copy_of=(), known={c: public})
    named_by_blank.ox.add(Quad(*t, BlankNode("g")))
    assert holds_graphs(named_by_blank) is None
    copy.ox.add(Quad(*t, DefaultGraph()))
    assert holds_graphs(copy) is None  # something in the default graph: never asked as the union


def test_packed_graphs_give_the_disks_answers_and_only_the_jobs_graphs(scoped: Scoped,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A municipality's graphs come back from a copy packed (``Together.pack``: its instance graphs, no public
    one); a copy made of them (``Together.packed``) answers every saved query as the disk does, also for a single
    job; a job whose graphs are not all packed is answered from disk, and a packed graph outside the jobs'
    datasets is not taken into the copy."""
    reader, where = _reader(scoped.store)
    try:
        public, mine, other = PublicQuads(), _scope(reader, MINE), _scope(reader, OTHER)
        own = set(mine) - set(public_graphs(reader, base=DEFAULT_BASE))
        jobs = tuple(QueryJob(q.query, tuple(mine), tuple(mine), "text/tab-separated-values", 10_000, DEFAULT_BASE)
                     for q in load_cookbook())
        first = answer_together(reader, Together(jobs, pack=True), limit=1_000_000, public=(public, where))
        assert sorted(g for g, _ in first.packed) == sorted(own)
        assert sum(len(b) for _, b in first.packed) < 40 * len(_quads(reader, sorted(own)))  # compressed
        packed = answer_together(reader, Together(jobs, packed=first.packed), limit=1_000_000,
                                 public=(public, where))
        assert not packed.packed  # not asked to pack
        rewritten = tuple(replace(job, query=inspect_query(job.query).text) for job in jobs)
        for job in (*jobs, *rewritten):  # the service's rewrite: a copy of the predicates it reads (projection.py)
            alone = answer_together(reader, Together((job,), packed=first.packed), limit=1_000_000,
                                    public=(public, where)).answers[0]
            disk = execute_job(reader, job)
            assert alone.from_copy and not disk.from_copy and alone.error_kind is None
            assert sorted(alone.body.splitlines()) == sorted(disk.body.splitlines())
        assert all(read_predicates(job.query) is not None for job in rewritten)
        assert [sorted(a.body.splitlines()) for a in packed.answers] == \
            [sorted(a.body.splitlines()) for a in first.answers]
        # one graph missing: from disk; another municipality's packed graphs beside: not in the copy
        assert not answer_together(reader, Together(jobs[:1], packed=first.packed[1:]), limit=1_000_000,
                                   public=(public, where)).answers[0].from_copy
        theirs = answer_together(reader, Together((jobs[0],), pack=True), limit=1_000_000).packed
        assert not theirs  # a single job from disk: nothing to pack
        other_jobs = tuple(QueryJob(j.query, tuple(other), tuple(other), j.media_type, j.max_results, j.base)
                           for j in jobs[:2])
        theirs = answer_together(reader, Together(other_jobs, pack=True), limit=1_000_000).packed
        count = QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", (), (), "text/tab-separated-values", 10,
                         DEFAULT_BASE, union_all=False)
        mixed = Together((replace(count, default_graphs=tuple(sorted(own)), named_graphs=tuple(mine)),),
                         packed=first.packed + theirs)
        unpacked: list[str] = []
        unpack = scoped_module.unpack

        def watched(*, copy_of: Any, known: Any, predicates: Any = None) -> EmbeddedStore:
            copy_of = list(copy_of)
            unpacked.extend(g for g, _ in copy_of)
            return unpack(copy_of=copy_of, known=known, predicates=predicates)

        monkeypatch.setattr(scoped_module, "unpack", watched)
        counted = answer_together(reader, mixed, limit=1_000_000, public=(public, where)).answers[0]
        monkeypatch.undo()
        assert counted.from_copy and theirs and sorted(unpacked) == sorted(own)
        assert counted.body == execute_job(reader, mixed.jobs[0]).body
        assert int(counted.body.splitlines()[1]) == len(_quads(reader, sorted(own)))
    finally:
        reader.close()


def test_copies_stay_within_the_budget_least_recently_used_first(scoped: Scoped) -> None:
    reader, where = _reader(scoped.store)
    try:
        a, b = _scope(reader, MINE), _scope(reader, OTHER)
        size_a, size_b = len(_quads(reader, a)), len(_quads(reader, b))
        copies = ScopeCopies(max(size_a, size_b) + min(size_a, size_b) // 2)  # one scope fits, two do not
        lookups: list[Callable[[], EmbeddedStore | None]] = [
            lambda: copies.lookup(reader, where, _job(a)), lambda: copies.lookup(reader, where, _job(b))]
        assert lookups[0]() is None  # not there yet: answer from disk, copy in the background
        copies.wait(COPY_WAIT_S)
        assert lookups[0]() is not None and copies.quads == size_a
        assert lookups[1]() is None
        copies.wait(COPY_WAIT_S)
        assert lookups[1]() is not None
        assert copies.keys() == [(where, frozenset(b))] and copies.quads == size_b  # a made room for b
        # a job that asks for no copy (a municipality's part of a combined answer) makes none, but uses one
        assert copies.lookup(reader, where, replace(_job(a), copy=False)) is None
        assert not copies._builder.is_alive() and copies.keys() == [(where, frozenset(b))]  # type: ignore[union-attr]
        assert copies.lookup(reader, where, replace(_job(b), copy=False)) is not None
        # a scope over the budget is never copied, and is not sized again
        small = ScopeCopies(min(size_a, size_b) - 1)
        assert small.build(reader, (where, frozenset(a)), base=DEFAULT_BASE) is None
        assert small.lookup(reader, where, _job(a)) is None and small._builder is None
        # budget 0 copies nothing; a job over every graph stays on disk
        off = ScopeCopies(0)
        assert off.lookup(reader, where, _job(a)) is None and off._builder is None
        assert scope_key(where, _job(a, union_all=True)) is None
    finally:
        reader.close()


def test_a_copy_waits_while_the_worker_evaluates_a_query(scoped: Scoped) -> None:
    reader, where = _reader(scoped.store)
    try:
        graphs = _scope(reader, MINE)
        # the copy asks before every chunk whether it may go on
        asked: list[int] = []
        _, quads = copy_graphs(reader, graphs, limit=1_000_000, pause=lambda: asked.append(len(asked)))
        assert quads == len(_quads(reader, graphs))
        chunks = sum(-(-len(_quads(reader, [g])) // CHUNK) for g in graphs)
        assert len(asked) == chunks + len(graphs)  # and once per graph to find it has no more
        # and a worker's copy may not while the worker evaluates a query (5 s: several times the whole copy)
        copies = ScopeCopies(1_000_000)
        with copies.querying():
            assert copies.lookup(reader, where, _job(graphs)) is None  # starts the copy, which waits at once
            builder = copies._builder
            assert builder is not None
            builder.join(5.0)
            assert builder.is_alive() and copies.keys() == []
        copies.wait(COPY_WAIT_S)
        assert copies.keys() == [(where, frozenset(graphs))]
    finally:
        reader.close()


def test_a_retired_publication_loses_its_copies(scoped: Scoped) -> None:
    reader, where = _reader(scoped.store)
    try:
        graphs = _scope(reader, MINE)
        copies = ScopeCopies(1_000_000)
        assert copies.build(reader, (where, frozenset(graphs)), base=DEFAULT_BASE) is not None
        copies.retire(where)
        assert copies.keys() == [] and copies.quads == 0
        assert copies.lookup(reader, where, _job(graphs)) is None and copies._builder is None
    finally:
        reader.close()


def test_a_new_publication_is_answered_from_a_new_copy(tmp_path: Path) -> None:
    store, key = build(tmp_path, persons=60)
    tokens = TokenStore(tmp_path / "tokens.sqlite")
    headers = {"Authorization": f"Bearer {tokens.create(role='analyst', gemeenten=(MINE,)).token}",
               "Accept": "application/sparql-results+json"}
    count = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <{VOCAB}gemeente> <{gemeente_iri(MINE)}> }}"
    modified = (f"SELECT ?m WHERE {{ ?c a <{DCAT}Catalog> ; <{DCT}modified> ?m }}")
    settings = Settings(store=str(store), token_db=Path(tokens.path), audit_log=tmp_path / "audit.jsonl",
                        public_url=DEFAULT_BASE, publication_poll_s=0.1)

    def once_copied(query: str, expected: str) -> None:
        deadline = time.monotonic() + COPY_WAIT_S
        while (got := _value(live.from_copy("/sparql", headers, query=query)[0])) != expected:
            assert time.monotonic() < deadline, f"the copy still answers {got}, the publication {expected}"
            time.sleep(0.1)

    try:
        with service(settings) as live:
            before = _value(live.from_copy("/sparql", headers, query=count)[0])
            # a second load of the same source for MINE replaces its graph (a new graph name): another count
            bundle = tmp_path / "more.jsonl"
            assert main(["generate", "--persons", "90", "--seed", "15", "--format", "duo", "--out", str(bundle),
                         "--reference-date", PEILDATUM]) == 0
            _load(store, bundle, key)
            assert _published(store, count) != before
            once_copied(count, _published(store, count))
            # a model publication changes the public graphs under the same names: only the publication differs
            before = _value(live.from_copy("/sparql", headers, query=modified)[0])
            time.sleep(1.1)  # dct:modified has whole seconds
            assert main(["model", "publish", "--store", str(store), "--force"]) == 0
            assert _published(store, modified) != before
            once_copied(modified, _published(store, modified))
    finally:
        tokens.close()


def _value(response: httpx.Response) -> str:
    (row,) = _rows(response)
    return next(iter(row.values()))


def _published(store: Path, query: str) -> str:
    """The answer of the store's current publication to ``query``, over MINE's scope, read directly."""
    reader, _ = _reader(store)
    try:
        graphs = _scope(reader, MINE)
        result = reader.query(query, default_graph=graphs, named_graphs=graphs)
        assert isinstance(result, QuerySolutions)
        (row,) = list(result)
        return str(row[0].value)
    finally:
        reader.close()
