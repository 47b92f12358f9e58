"""Union graphs: on the embedded store a union holds exactly its members' triples after every publication (changed
in place), and the analyst queries answer over it as over the list of its members; remote stores keep none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from loader_helpers import generate_bundle, write_bundle
from pyoxigraph import QuerySolutions, RdfFormat, parse, serialize

from inburgering.cli import main
from inburgering.loader import load, no_validation
from inburgering.namespaces import DEFAULT_BASE
from inburgering.paths import ROOT
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.base import Store
from inburgering.store.publication import public_graphs, published_graphs
from inburgering.store.unions import default_graphs, registered_unions

BASE = DEFAULT_BASE  # the query command's default
KEY = b"union-test-key-not-a-secret"
SETTINGS = Settings(base_iri=BASE)
QUERIES = sorted((ROOT / "src" / "inburgering" / "service" / "queries").glob("*.rq"))


def _triples(store: Store, graphs: list[str]) -> set[tuple[str, str, str]]:
    result = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", default_graph=graphs, named_graphs=[])
    assert isinstance(result, QuerySolutions)
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in result}


def _rows(store: Store, query: str, graphs: list[str], named: list[str] | None = None) -> list[tuple[str, ...]]:
    """Rows of ``query`` over ``graphs`` as default graph; ``named``: the named graphs (as the service gives its
    readable graphs: a saved query reads GRAPH ?g)."""
    result = store.query(query, default_graph=graphs, named_graphs=named or [])
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted(tuple(str(r[n]) if r[n] is not None else "" for n in names) for r in result)


def test_unions_hold_their_members_after_every_publication(store: Store, tmp_path: Path, backend: str) -> None:
    public = backend == "embedded"  # remote stores keep no unions (store/unions.py)
    if public:
        load_public_graphs(store, base=BASE)
    bundle = generate_bundle(tmp_path, "a", 12, 3)
    load([bundle], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r1.jsonl", store=store,
         validator=no_validation)
    if public:
        load_public_graphs(store, base=BASE)  # replaced again: the unions follow them in place
    first = registered_unions(store, base=BASE)
    if not public:
        assert first == {}
        return
    published = published_graphs(store, base=BASE, special=True)
    assert first and set().union(*first.values()) == set(published + public_graphs(store, base=BASE))
    for union, members in first.items():
        assert _triples(store, [union]) == _triples(store, sorted(members)), union

    reload = generate_bundle(tmp_path, "b", 4, 4)  # other persons: the municipalities it holds are replaced
    report = load([reload], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store,
                  validator=no_validation)
    second = registered_unions(store, base=BASE)
    assert set(first) == set(second) and first != second  # the same union graphs, changed in place
    live = published_graphs(store, base=BASE, special=True)
    assert set(report.graphs) <= set(live) and set().union(*second.values()) == set(live + public_graphs(
        store, base=BASE))
    for union, members in second.items():
        assert _triples(store, [union]) == _triples(store, sorted(members)), union

    # A reload that keeps some persons and drops the others writes only the difference (store/unions.py,
    # replace_members); one of unchanged data writes nothing. The unions hold their members after both.
    lines = reload.read_text(encoding="utf-8").splitlines()
    (tmp_path / "c").mkdir()
    kept = write_bundle(tmp_path / "c" / "bundle.jsonl", lines[::2])
    for n in (3, 4):
        load([kept], settings=SETTINGS, key=KEY, rejects_path=tmp_path / f"r{n}.jsonl", store=store,
             validator=no_validation)
        now = registered_unions(store, base=BASE)
        for union, members in now.items():
            assert _triples(store, [union]) == _triples(store, sorted(members)), (n, union)
    assert set(now) == set(second) and now != second

    second = now
    live = published_graphs(store, base=BASE, special=True)
    readable = live + public_graphs(store, base=BASE)
    defaults = default_graphs(readable, second)
    assert sorted(defaults) == sorted(second)  # everything readable: one graph per kind
    for path in QUERIES:
        text = path.read_text(encoding="utf-8")
        assert _rows(store, text, defaults, readable) == _rows(store, text, readable, readable), path.name


def test_the_query_command_reads_the_unions(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(store_url)
    try:
        load([generate_bundle(tmp_path, "a", 6, 5)], settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r.jsonl",
             store=store, validator=no_validation)
        unions = registered_unions(store, base=BASE)
        count = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/Inburgeraar> }"
        listed = int(_rows(store, count, published_graphs(store, base=BASE, special=True))[0][0].split('"')[1])
    finally:
        store.close()
    assert listed > 0
    if "://" in store_url:  # a remote store: the list of graphs
        assert unions == {} and main(["query", "--store", store_url, "--format", "csv", count]) == 0
        assert int(capsys.readouterr().out.split()[-1]) == listed
        return
    used: list[list[str]] = []
    real = store.__class__.query

    def spy(self: Store, query: str, **kwargs: Any) -> Any:
        used.append(list(kwargs.get("default_graph") or []))
        return real(self, query, **kwargs)

    monkeypatch.setattr(store.__class__, "query", spy)  # the query command reads the current publication
    assert main(["query", "--store", store_url, "--format", "csv", count]) == 0
    assert int(capsys.readouterr().out.split()[-1]) == listed
    assert sorted(used[-1]) == sorted(unions)  # the union graphs, not the list of their members


def _exact(store: Store) -> dict[str, int]:
    """Assert every registered union holds exactly its members' triples; their sizes."""
    sizes = {}
    for union, members in registered_unions(store, base=BASE).items():
        held = _triples(store, [union])
        assert held == _triples(store, sorted(members)), union
        sizes[union] = len(held)
    return sizes


def test_a_load_writes_its_copies_with_its_graphs_and_publication_reads_none_of_them_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inburgering.store import unions

    store = open_store(str(tmp_path / "store"))
    try:
        read: list[str | None] = []
        real = unions._triples

        def spy(s: Any, graph: str | None) -> Any:
            read.append(graph)
            return real(s, graph)

        monkeypatch.setattr(unions, "_triples", spy)
        report = load([generate_bundle(tmp_path, "a", 12, 3)], settings=SETTINGS, key=KEY,
                      rejects_path=tmp_path / "r.jsonl", store=store, validator=no_validation)
        assert report.graphs and not set(report.graphs) & set(read)  # the loader put them in the unions
        assert _exact(store)
        assert not store.publications.interrupted()  # type: ignore[attr-defined]
    finally:
        store.close()


def test_a_load_that_does_not_publish_takes_its_copies_out_of_the_unions(tmp_path: Path) -> None:
    from loader_helpers import bsn_pool, crashing_validator, duo_person, needs_pip_validator

    store = open_store(str(tmp_path / "store"))
    try:
        bsns = bsn_pool()
        load([write_bundle(tmp_path / "1.jsonl", [duo_person(next(bsns)) for _ in range(4)])], settings=SETTINGS,
             key=KEY, rejects_path=tmp_path / "r1.jsonl", store=store, validator=needs_pip_validator)
        before = _exact(store)
        # refused: one person without a PIP, the others were written (in batches of 2) and copied
        people = [duo_person(next(bsns), "GM0599") for _ in range(5)] + [duo_person(next(bsns), pip=False)]
        report = load([write_bundle(tmp_path / "2.jsonl", people)], settings=SETTINGS, key=KEY,
                      rejects_path=tmp_path / "r2.jsonl", store=store, validator=needs_pip_validator,
                      all_or_nothing=True, batch_size=2)
        assert report.refused
        assert _exact(store) == before and not store.publications.interrupted()  # type: ignore[attr-defined]

        with pytest.raises(RuntimeError):
            load([write_bundle(tmp_path / "3.jsonl", people[:5])], settings=SETTINGS, key=KEY,
                 rejects_path=tmp_path / "r3.jsonl", store=store, validator=crashing_validator(3), batch_size=2)
        assert _exact(store) == before and not store.publications.interrupted()  # type: ignore[attr-defined]
    finally:
        store.close()


def test_a_failed_write_leaves_the_unions_to_the_next_publication(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load that fails may have written part of its document (copies without their graph's triples):
    the store stays marked and the next publication rebuilds the unions from their members."""
    from loader_helpers import bsn_pool, duo_person

    from inburgering.errors import StoreError
    from inburgering.store.embedded import EmbeddedStore

    store = open_store(str(tmp_path / "store"))
    try:
        bsns = bsn_pool()
        load([write_bundle(tmp_path / "1.jsonl", [duo_person(next(bsns)) for _ in range(3)])], settings=SETTINGS,
             key=KEY, rejects_path=tmp_path / "r1.jsonl", store=store, validator=no_validation)
        real = EmbeddedStore.load

        def half(self: EmbeddedStore, data: bytes, *, format: RdfFormat, **kwargs: Any) -> None:
            copies = [q for q in parse(data, format=format) if "/graph/union" in str(q.graph_name)]
            real(self, serialize(copies, format=RdfFormat.N_QUADS), format=RdfFormat.N_QUADS, **kwargs)  # copies only
            raise StoreError("disk full")

        monkeypatch.setattr(EmbeddedStore, "load", half)
        with pytest.raises(StoreError):
            load([write_bundle(tmp_path / "2.jsonl", [duo_person(next(bsns), "GM0599")])], settings=SETTINGS,
                 key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store, validator=no_validation)
        monkeypatch.undo()
        assert store.publications.interrupted()  # type: ignore[attr-defined]
        union = registered_unions(store, base=BASE)
        plain = next(u for u in union if not u.endswith("/bijzonder"))
        assert _triples(store, [plain]) > _triples(store, sorted(union[plain]))  # the orphaned copies
        load([write_bundle(tmp_path / "3.jsonl", [duo_person(next(bsns), "GM0518")])], settings=SETTINGS,
             key=KEY, rejects_path=tmp_path / "r3.jsonl", store=store, validator=no_validation)
        _exact(store)
        assert not store.publications.interrupted()  # type: ignore[attr-defined]
    finally:
        store.close()


def test_a_publication_that_fails_after_its_meta_update_keeps_what_it_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the meta update has published a load's graphs, a failure later in the publication (bringing the
    unions up to date, the checkpoint) must not take them out again: the mark stays, the next publication
    rebuilds the unions."""
    from loader_helpers import bsn_pool, duo_person

    from inburgering.store import publication

    store = open_store(str(tmp_path / "store"))
    try:
        bsns = bsn_pool()

        def broken(*args: Any, **kwargs: Any) -> None:
            raise OSError("no space left on device")

        monkeypatch.setattr(publication, "finish", broken)
        with pytest.raises(OSError):
            load([write_bundle(tmp_path / "1.jsonl", [duo_person(next(bsns)) for _ in range(3)])],
                 settings=SETTINGS, key=KEY, rejects_path=tmp_path / "r1.jsonl", store=store,
                 validator=no_validation)
        monkeypatch.undo()
        live = published_graphs(store, base=BASE, special=True)
        assert live and _triples(store, live)  # published, and its graphs kept
        assert store.publications.interrupted()  # type: ignore[attr-defined]
        load([write_bundle(tmp_path / "2.jsonl", [duo_person(next(bsns), "GM0599")])], settings=SETTINGS,
             key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store, validator=no_validation)
        assert set(live) <= set(published_graphs(store, base=BASE, special=True))
        _exact(store)
        assert not store.publications.interrupted()  # type: ignore[attr-defined]
    finally:
        store.close()
