"""The measured steps, each run in its own process: ``python -m bench.steps STEP JSON-ARGS``.

A step prints one JSON line with at least ``seconds`` (the measured work, imports excluded), ``peak_mb``
(the process's peak resident memory, children included) and ``cpu_s`` (its CPU time, imports included: on a
shared machine, wall time grows with the load average but CPU time hardly does).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

STEPS: dict[str, Callable[..., dict[str, Any]]] = {}


def step(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    STEPS[fn.__name__] = fn
    return fn


def peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def _cli(argv: list[str]) -> int:
    from inburgering.cli import main

    with contextlib.redirect_stdout(io.StringIO()):
        return main(argv)


@step
def generate(*, persons: int, seed: int, defects: float, format: str, out: str, parts: int = 1) -> dict[str, Any]:
    """``inburgering generate``; more than 9,091 persons in ``parts`` parts of distinct persons (``--parts``)."""
    started = time.perf_counter()
    argv = ["generate", "--persons", str(persons), "--seed", str(seed), "--defects", str(defects),
            "--format", format, "--out", out, "--parts", str(parts)]
    code = _cli(argv)
    if code != 0:
        raise SystemExit(f"generate exited with {code}")
    return {"seconds": time.perf_counter() - started}


@step
def load(*, store: str, sources: list[str], rejects: str, report: str, key: str | list[str],
         engine: str | None = None, reference_date: str = "2026-11-25", count: bool = True) -> dict[str, Any]:
    """``inburgering load`` of ``sources`` into an on-disk store, in one process; with ``count``, counts the quads
    it holds afterwards (not timed: a scan of the whole store, 9 s at 24.7 million quads).

    ``key`` may be a key per source: the national parts repeat the test range's 9,091 BSNs, so each part needs a
    key of its own to give distinct persons (a synthetic-benchmark device; one deployment has one key). The load
    then takes each source's pseudonymiser from that list, as if the parts' BSNs were distinct."""
    keys = key if isinstance(key, list) else [key] * len(sources)
    os.environ["INBURGERING_PSEUDONYM_KEY"] = keys[0]
    argv = ["load", "--store", store, "--rejects", rejects, "--report", report, "--reference-date", reference_date]
    if engine:
        argv += ["--engine", engine]
    with _key_per_source(dict(zip(sources, keys, strict=True))):
        started = time.perf_counter()
        code = _cli(argv + sources)
        seconds = time.perf_counter() - started
    if code == 2:
        raise SystemExit(f"load exited with {code}")
    from pyoxigraph import Store

    quads = len(Store.read_only(store)) if count else None
    summary = json.loads(Path(report).read_text(encoding="utf-8"))
    return {"seconds": seconds, "quads": quads, "exit_code": code,
            "persons_read": summary.get("persons_read"), "persons_published": summary.get("persons_published"),
            "persons_rejected": summary.get("persons_rejected")}


@contextlib.contextmanager
def _key_per_source(keys: dict[str, str]) -> Iterator[None]:
    """While in the block, a load pseudonymises each source (by its location) with its own key of ``keys``."""
    from inburgering.loader import pipeline
    from inburgering.loader.pseudonym import Pseudonymiser

    read_source = pipeline._Run.read_source

    def keyed(run: Any, location: str, shown: str, kind: str) -> None:
        run.pseudonymiser = Pseudonymiser(keys[location].encode("utf-8"))
        read_source(run, location, shown, kind)

    pipeline._Run.read_source = keyed  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        pipeline._Run.read_source = read_source  # type: ignore[method-assign]


@step
def settle(*, store: str) -> dict[str, Any]:
    """``inburgering store settle``: RocksDB's compactions finished and a checkpoint of the settled store made
    current (what the service then reads); its table files before and after."""
    from inburgering.settings import Settings
    from inburgering.store.housekeeping import settle_store

    started, cpu = time.perf_counter(), time.process_time()
    report = settle_store(Settings(store=store))
    return {"seconds": time.perf_counter() - started, "cpu_s": time.process_time() - cpu, "waited_s": report.seconds,
            "tables_before": report.tables_before, "tables_after": report.tables_after}


@step
def ask_ahead(*, store: str, base: str, query_timeout: float, max_results: int) -> dict[str, Any]:
    """``inburgering serve --ask-ahead-only``: the saved queries asked for the tokens' municipalities into the kept
    answers before the service starts (what it would otherwise ask in its first minutes), on all cores."""
    import asyncio

    from inburgering.service.app import ask_ahead as ask
    from inburgering.settings import Settings

    settings = Settings(store=store, base_iri=base, query_timeout_s=query_timeout, max_results=max_results)
    done = asyncio.run(ask(settings, workers=os.cpu_count() or 1))
    return {"seconds": done.seconds, "asked": done.asked, "kept_new": done.kept_new, "kept": done.kept}


@step
def export(*, store: str, base: str, out: str) -> dict[str, Any]:
    """Write the store as N-Quads (the input of baseline A) and count its quads.

    Oxigraph's dump turns every term id back into its text, one quad at a time in one thread: about 53,000
    quads/s, 12 minutes of the national run. So the graphs are dumped one by one on every core, the largest (the
    unions) first, each thread into a file of its own, and the files are then joined: on a 3-part store (5,064,727
    quads, 2 cores) 43.0 s against 95.8 s, the same lines (sorted, the same checksum).
    """
    import shutil
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

    from inburgering.store.unions import is_union_graph

    started = time.perf_counter()
    s = Store.read_only(store)
    graphs = iter(sorted([DefaultGraph(), *s.named_graphs()],
                         key=lambda g: not (isinstance(g, NamedNode) and is_union_graph(base, g.value))))
    lock = threading.Lock()
    parts = [Path(f"{out}.{k}") for k in range(os.cpu_count() or 1)]

    def dump(part: Path) -> None:
        with part.open("wb") as f:
            lines = _AsQuads(f)
            while True:
                with lock:
                    graph = next(graphs, None)
                if graph is None:
                    return
                lines.start(None if isinstance(graph, DefaultGraph) else str(graph))
                s.dump(cast("IO[bytes]", lines), format=RdfFormat.N_TRIPLES, from_graph=graph)

    with ThreadPoolExecutor(len(parts)) as pool:  # Oxigraph dumps without holding the GIL
        list(pool.map(dump, parts))
    with parts[0].open("ab") as joined:
        for part in parts[1:]:
            with part.open("rb") as f:
                shutil.copyfileobj(f, joined, 2**24)
            part.unlink()
    parts[0].replace(out)
    return {"seconds": time.perf_counter() - started, "quads": len(s)}


class _AsQuads:
    r"""A binary file for ``Store.dump`` of one graph as N-Triples that writes each line as an N-Quad of the graph
    named by :meth:`start`: the graph's term before the line's closing ``" .\n"``. The N-Triples writer escapes
    every line break inside a literal, so that text ends a statement and nothing else.

    >>> out = io.BytesIO()
    >>> lines = _AsQuads(out)
    >>> lines.start("<http://e.org/g>")
    >>> for chunk in (b'<http://e.org/s> <http://e.org/p> "a .\\n" .', b"\n<http://e.org/s> <http://e.org/p> 1 .\n"):
    ...     _ = lines.write(chunk)
    >>> lines.start(None)  # the default graph
    >>> _ = lines.write(b"<http://e.org/s> <http://e.org/p> 2 .\n")
    >>> print(out.getvalue().decode(), end="")
    <http://e.org/s> <http://e.org/p> "a .\n" <http://e.org/g> .
    <http://e.org/s> <http://e.org/p> 1 <http://e.org/g> .
    <http://e.org/s> <http://e.org/p> 2 .
    """

    def __init__(self, file: Any) -> None:
        self.file = file
        self._end = b" .\n"
        self._rest = b""

    def start(self, graph: str | None) -> None:
        """The lines written next belong to ``graph`` (its term in N-Quads), or to the default graph (``None``)."""
        assert not self._rest, "a dump ended inside a line"
        self._end = b" .\n" if graph is None else f" {graph} .\n".encode()

    def write(self, chunk: bytes) -> int:
        text = self._rest + chunk
        end = text.rfind(b"\n") + 1
        self._rest = text[end:]
        self.file.write(text[:end].replace(b" .\n", self._end))
        return len(chunk)

    def flush(self) -> None:
        self.file.flush()


@step
def export_dataset(*, store: str, base: str, out: str, persons: int | None = None) -> dict[str, Any]:
    """Write the graphs the analyst queries read (published instance graphs, ontology, concepts) as N-Quads;
    with ``persons``, of whole municipalities in code order up to about that many persons (``_subset``)."""
    from pyoxigraph import NamedNode, RdfFormat

    from inburgering.store import open_store
    from inburgering.store.publication import instance_graph_pattern, public_graphs

    started = time.perf_counter()
    s = open_store(store)
    graphs, count, _ = _subset(s, base, persons)
    n = 0
    with open(out, "wb") as f:
        for graph in graphs + public_graphs(s, base=base):
            quads = list(s.ox.quads_for_pattern(None, None, None, NamedNode(graph)))  # type: ignore[attr-defined]
            n += len(quads)
            from pyoxigraph import serialize

            serialize(quads, f, format=RdfFormat.N_QUADS)
    pattern = instance_graph_pattern(base)
    gemeenten = sorted({m.group(1).upper() for g in graphs if (m := pattern.match(g))})
    return {"seconds": time.perf_counter() - started, "quads": n, "persons": count, "gemeenten": gemeenten}


@step
def baseline_a(*, nquads: str, store: str, lenient: bool = False) -> dict[str, Any]:
    """Baseline A: Oxigraph's own bulk loader, the same quads into a fresh on-disk store; ``lenient``: without
    its check of every IRI, as the loader's writer loads its own serialisation (reported beside, not the target)."""
    from pyoxigraph import RdfFormat, Store

    started = time.perf_counter()
    s = Store(store)
    s.bulk_load(path=nquads, format=RdfFormat.N_QUADS, lenient=lenient)
    s.flush()
    return {"seconds": time.perf_counter() - started, "quads": len(s)}


@step
def baseline_b(*, nquads: str, store: str, reference_date: str) -> dict[str, Any]:
    """Baseline B: the straightforward rdflib pipeline: parse into an rdflib graph, validate the whole graph
    with pySHACL, write it to a fresh on-disk Oxigraph store."""
    import pyshacl
    import rdflib
    from pyoxigraph import RdfFormat, Store

    from inburgering.validation import load_ontology, load_shapes
    from inburgering.validation.engine import reference_date_of, with_context

    shapes, ontology = load_shapes(), load_ontology()
    started = time.perf_counter()
    dataset = rdflib.Dataset()
    dataset.parse(nquads, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    parsed = time.perf_counter()
    pyshacl.validate(with_context(graph, reference_date_of(reference_date)), shacl_graph=shapes,
                     ont_graph=ontology, inference="none", allow_warnings=True, inplace=True)
    validated = time.perf_counter()
    out = Store(store)
    out.bulk_load(dataset.serialize(format="nquads", encoding="utf-8"), format=RdfFormat.N_QUADS)
    out.flush()
    done = time.perf_counter()
    return {"seconds": done - started, "parse_seconds": parsed - started, "validate_seconds": validated - parsed,
            "write_seconds": done - validated}


def _instance_graphs(store: Any, base: str) -> list[str]:
    from inburgering.store.publication import published_graphs

    return published_graphs(store, base=base, special=True)


def _subset(store: Any, base: str, persons: int | None) -> tuple[list[str], int, int]:
    """The published instance graphs of whole municipalities, in code order, until they hold ``persons`` persons
    (all when ``None``); with their person and quad counts."""
    from pyoxigraph import NamedNode

    from inburgering.namespaces import inb
    from inburgering.store.publication import instance_graph_pattern

    pattern = instance_graph_pattern(base)
    by_gemeente: dict[str, list[str]] = {}
    for graph in _instance_graphs(store, base):
        match = pattern.match(graph)
        by_gemeente.setdefault(match.group(1) if match else graph, []).append(graph)
    chosen: list[str] = []
    count = quads = 0
    for gemeente in sorted(by_gemeente):
        if persons is not None and count >= persons:
            break
        for graph in by_gemeente[gemeente]:
            quads += _count(store, f"GRAPH {NamedNode(graph)} {{ ?s ?p ?o }}")
            count += _count(store, f"GRAPH {NamedNode(graph)} {{ ?s a {NamedNode(inb('Inburgeraar'))} }}")
        chosen += by_gemeente[gemeente]
    return chosen, count, quads


def _count(store: Any, pattern: str) -> int:
    """The solutions of ``pattern``, counted by Oxigraph: no Python object per quad (a count of the national
    store's 12.3 million published quads one Python quad at a time took about 170 s of the 02:06 run)."""
    (row,) = store.ox.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    return int(row[0].value)


@step
def publish_public(*, store: str, base: str) -> dict[str, Any]:
    """Put the public graphs (ontology, concepts, shapes, dataset) into the store, as a deployment has them."""
    from inburgering.service.publish import load_public_graphs
    from inburgering.store import open_store

    started = time.perf_counter()
    s = open_store(store)
    load_public_graphs(s, base=base)
    s.close()
    return {"seconds": time.perf_counter() - started}


@step
def validate_fast(*, store: str, base: str, reference_date: str, out: str | None = None,
                  persons: int | None = None) -> dict[str, Any]:
    """The fast engine over the published data of an on-disk store (ontology and concepts included), or over
    the graphs of about ``persons`` persons."""
    from inburgering.store import open_store
    from inburgering.validation.fast_validators import validate_store_fast

    s = open_store(store)
    graphs, count, quads = _subset(s, base, persons)
    started = time.perf_counter()
    report = validate_store_fast(s, graphs=graphs, reference_date=reference_date)
    seconds = time.perf_counter() - started
    if out:
        Path(out).write_text(json.dumps(sorted(r.key() for r in report.results)), encoding="utf-8")
    return {"seconds": seconds, "results": len(report.results), "queries": report.queries, "persons": count,
            "quads": quads}


@step
def validate_pyshacl(*, store: str, base: str, reference_date: str, out: str | None = None,
                     persons: int | None = None) -> dict[str, Any]:
    """The reference: pySHACL on the whole published graph (as ``inburgering validate --store``), or on the
    graphs of about ``persons`` persons."""
    from inburgering.store import open_store
    from inburgering.validation import load_shapes, validate
    from inburgering.validation.fast_compare import pyshacl_keys

    s = open_store(store)
    graphs, _, _ = _subset(s, base, persons)
    started = time.perf_counter()
    report = validate(s, graphs=graphs, reference_date=reference_date)
    seconds = time.perf_counter() - started
    if out:
        keys = pyshacl_keys(report.graph, load_shapes())
        Path(out).write_text(json.dumps(sorted(keys)), encoding="utf-8")
    return {"seconds": seconds, "results": len(report.results)}


@step
def queries_rdflib(*, nquads: str, base: str, repeat: int, progress: str, query_cap: float = 0.0) -> dict[str, Any]:
    """Baseline: the same queries on rdflib's in-memory store holding the same graphs (union default graph).

    With ``query_cap`` each query runs in a forked child and is stopped after that many seconds (reported with
    ``timeout``), so that one query rdflib cannot finish does not hide the others. Writes its progress after
    every query, so a run stopped at the cap still reports the queries it finished.
    """
    import multiprocessing
    import statistics

    import rdflib

    from bench.web import query_files

    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    out: dict[str, Any] = {"parse_seconds": time.perf_counter() - started, "queries": {}, "query_cap": query_cap}

    def run(text: str) -> dict[str, Any]:
        times, rows = [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            rows = len(list(dataset.query(text)))
            times.append(time.perf_counter() - t)
        return {"ms": 1000 * statistics.median(times), "rows": rows}

    def child(text: str, conn: Any) -> None:
        conn.send(run(text))

    context = multiprocessing.get_context("fork")
    for path in query_files():
        text = path.read_text(encoding="utf-8")
        if not query_cap:
            out["queries"][path.stem] = run(text)
        else:
            ours, theirs = context.Pipe()
            process = context.Process(target=child, args=(text, theirs), daemon=True)
            process.start()
            if ours.poll(query_cap):
                out["queries"][path.stem] = ours.recv()
            else:
                out["queries"][path.stem] = {"ms": None, "rows": None, "timeout": query_cap}
            process.kill()
            process.join()
        Path(progress).write_text(json.dumps(out), encoding="utf-8")
    return {"seconds": time.perf_counter() - started, **out}


@step
def sample_resources(*, store: str, base: str, limit: int) -> dict[str, Any]:
    """Paths of ``limit`` person pages (``/doc/persoon/…``) and every municipality with published data."""
    from pyoxigraph import QuerySolutions

    from inburgering.namespaces import VOCAB
    from inburgering.store import open_store
    from inburgering.store.publication import instance_graph_pattern

    s = open_store(store)
    graphs = _instance_graphs(s, base)
    query = (f"SELECT DISTINCT ?p WHERE {{ ?p <{VOCAB}gemeente> ?gm ; <{VOCAB}heeftInburgeringsplicht> ?x }} "
             f"LIMIT {limit}")
    prefix = base.rstrip("/") + "/id/"
    result = s.query(query, default_graph=graphs)
    assert isinstance(result, QuerySolutions)
    paths = [("/doc/" + row["p"].value[len(prefix):]) for row in result if row["p"].value.startswith(prefix)]
    pattern = instance_graph_pattern(base)
    gemeenten = {m.group(1).upper() for g in graphs if (m := pattern.match(g))}
    s.close()
    return {"seconds": 0.0, "paths": paths, "gemeenten": sorted(gemeenten)}


@step
def make_token(*, store: str, gemeenten: list[str]) -> dict[str, Any]:
    """An analyst token for the benchmark's municipalities (printed once by ``inburgering token create``)."""
    from inburgering.cli import main as cli

    argv = ["token", "create", "--store", store, "--role", "analyst", "--special-categories", "--label", "bench"]
    for g in gemeenten:
        argv += ["--gemeente", g]
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli(argv)
    if code != 0:
        raise SystemExit(f"token create exited with {code}")
    return {"seconds": 0.0, "token": buffer.getvalue().strip().splitlines()[-1].split()[-1]}


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its children so far, start-up and imports included."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    name, args = sys.argv[1], json.loads(sys.argv[2])
    result = STEPS[name](**args)
    result["peak_mb"] = peak_mb()
    result["cpu_s"] = cpu_seconds()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
