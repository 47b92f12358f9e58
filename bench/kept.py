"""``python -m bench.kept``: saved queries over a service's life at national scale, with their municipalities'
answers kept on disk (``service/kept.py``; issue 15, target 1).

On a folder store built by ``bench.scoped.build_store`` (``--store``), with a token for every municipality (special
categories included) and one ``inburgering serve`` process on the embedded store:

1. **first** (the kept file removed): every saved query (or ``--queries``) asked once; the service's query timeout
   is ``--timeout`` (default 300 s, so that the first ask finishes: with the default 10 s it would end in a
   timeout that says the rest is asked in the background);
2. **warm**: each asked ``--rounds`` times more, the median;
3. **memory**: the service's resident memory (its process and query workers) and the kept file's size;
4. **restart**: a new service process, each query asked ``--rounds`` times: the first of them is the first
   request after the restart (nothing in the process's memory, the answers in the file);
5. **reload** (unless ``--no-reload``): the largest municipality of part 1 loaded again while the service runs,
   timed; then the seconds until the kept file holds the answers over its new graphs (asked by the service in
   the background, ``app.keep_warm``), and each query once more.

Writes ``bench/results/kept.json`` under the key ``{parts}x{persons}``.

With ``--ahead`` instead: no request at all. A service started with no kept file asks the cookbook ahead for the
token's municipalities (``service/ahead.py``: each saved query's file text and its text of the day); measured: the
seconds until the file holds them all and, meanwhile, a small analyst query every 5 s (what the background costs
the analysts); then each query ``--rounds`` times (the first is its first request ever), the memory, and step 5.
Key ``{parts}x{persons}-ahead``. With ``--gemeente`` also each saved query through ``/api/queries/{name}?gemeente=``
for the largest, the median and the smallest municipality of part 1: right after the start (while the background
asks) and again once everything is kept (``SavedQuery.by_gemeente``); then the texts the query page's "edit" sends to
``/sparql`` (``/api/queries/{name}.rq`` without parameters and with the largest municipality). With ``--both-rights`` a second token of every municipality, without the special
categories, is issued too: the service then asks each municipality's answers for both sets of its graphs (with and
without its ``/bijzonder`` graph). Key ``{parts}x{persons}-ahead-both-rights``.
With ``--peildatum YYYY-MM-DD``, once everything is kept, each saved query that takes a ``peildatum`` asked through
``/api/queries/{name}?peildatum=`` for that day, a text nobody asked before: the first request, then the same every
5 s until it is answered (at most ``--background-limit``), then once more. Suffix ``-peildatum``.

With ``--background`` instead: every municipality's answers asked in the background, as after a publication that
changed every municipality (a new national store). A service with ``--timeout`` 10 s and no kept file gets each
saved query once (so that the kept file lists it as asked) and is stopped; the answers are then deleted from the
file and a new service started: at start it asks, in the background, every municipality's answer to every query
listed (``Partitioned.fill``). Measured: the seconds from its start until the file holds them all, then each
query's time. Key ``{parts}x{persons}-background``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.backends import _gemeenten, ask
from bench.reload import _key, _run
from bench.reload import largest_gemeente as write_largest
from bench.web import Server, children, query_files
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.tokens import TokenStore
from inburgering.service.ahead import cookbook_texts
from inburgering.service.cookbook.spec import parse_saved_query
from inburgering.service.kept import default_kept_db

RESULTS = Path(__file__).parent / "results" / "kept.json"


def rss_mb(server: Server) -> dict[str, float]:
    """Resident memory of the service process and of its children (query workers), MB."""
    def rss(pid: int) -> float:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024
        except (OSError, StopIteration):
            return 0.0  # ended while being read

    workers = [rss(pid) for pid in children().get(server.process.pid, [])]
    return {"service": round(rss(server.process.pid), 1), "workers": round(sum(workers), 1),
            "worker_count": len(workers)}


def kept_counts(path: Path, *, since: float = 0.0) -> dict[str, int]:
    db = sqlite3.connect(path, timeout=30)
    try:
        return {"answers": db.execute("SELECT COUNT(*) FROM answers").fetchone()[0],
                "answers_since": db.execute("SELECT COUNT(*) FROM answers WHERE at > ?", (since,)).fetchone()[0],
                "bytes": sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())}
    finally:
        db.close()


def wait_for_kept(kept: Path, *, want: int, limit_s: float, started: float, still_s: float = 300.0) -> dict[str, Any]:
    """Wait until the kept file holds ``want`` answers, or has not grown for ``still_s``, or ``limit_s`` after
    ``started`` (a ``perf_counter``); the count and when it last grew, from ``started``."""
    seen, settled, progress = -1, time.perf_counter(), []
    while time.perf_counter() - started < limit_s:
        now = kept_counts(kept)["answers"] if kept.exists() else 0
        if now != seen:
            seen, settled = now, time.perf_counter()
            progress.append((round(settled - started, 1), now))
        if now >= want or time.perf_counter() - settled > still_s:
            break
        time.sleep(2)
    return {"answers_kept": seen, "answers_wanted": want, "kept_within_s": round(settled - started, 1),
            "progress": progress[::max(1, len(progress) // 40)]}


def asks(url: str, token: str, texts: dict[str, str], *, rounds: int, timeout: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, text in texts.items():
        times, status, rows = [], None, None
        for _ in range(rounds):
            seconds, rows, status, _ = ask(url, token, text, timeout)
            if seconds is None:
                break
            times.append(round(1000 * seconds, 1))
        out[name] = {"ms_all": times, "status": status, "rows": rows}
        print(f"    {name:48} {times} ms (status {status})", flush=True)
    return out


def median_of(results: dict[str, Any], at: slice) -> dict[str, float | None]:
    return {name: (statistics.median(r["ms_all"][at]) if r["ms_all"][at] else None) for name, r in results.items()}


def first_steps(server: Server, token: str, texts: dict[str, str], kept: Path, args: argparse.Namespace,
                result: dict[str, Any]) -> None:
    """Steps 1-3 on a service over a store with no kept answers."""
    ask(server.url, token, "ASK { ?s ?p ?o }", args.timeout)  # the scope set up; not measured
    print("1. first ask of each query, then warm", flush=True)
    started = time.perf_counter()
    first = asks(server.url, token, texts, rounds=1 + args.rounds, timeout=args.timeout)
    result["first"] = {"seconds_all": round(time.perf_counter() - started, 1),
                       "ms_first": median_of(first, slice(0, 1)), "ms_warm": median_of(first, slice(1, None)),
                       "raw": first}
    result["memory"] = {**rss_mb(server), "kept_file": kept_counts(kept)}
    print(f"3. memory {result['memory']}", flush=True)


def background_steps(serve: Any, token: str, texts: dict[str, str], kept: Path, gemeenten: int,
                     args: argparse.Namespace, result: dict[str, Any]) -> None:
    """Every municipality's answers asked in the background (``--background``, see the module docstring)."""
    server = serve("listing")
    try:
        ask(server.url, token, "ASK { ?s ?p ?o }", args.timeout)
        print("1. each query asked once, so that the kept file lists it", flush=True)
        asks(server.url, token, texts, rounds=1, timeout=args.timeout)
    finally:
        server.close()
    db = sqlite3.connect(kept, timeout=30)
    try:
        listed = db.execute("SELECT COUNT(*) FROM asked").fetchone()[0]
        for table in ("answers", "persons", "claims"):
            db.execute(f"DELETE FROM {table}")
        db.commit()
    finally:
        db.close()
    print(f"2. {listed} saved queries listed, every answer deleted; a new service asks them at start", flush=True)
    started = time.perf_counter()
    server = serve("background")
    try:
        waited = wait_for_kept(kept, want=len(texts) * gemeenten, limit_s=args.background_limit, started=started)
        print(f"   {waited['answers_kept']} of {waited['answers_wanted']} answers kept {waited['kept_within_s']:.1f} s "
              "after the service started", flush=True)
        after = asks(server.url, token, texts, rounds=args.rounds, timeout=args.timeout)
        result["background"] = {"listed": listed, **waited, "ms_after": median_of(after, slice(None)), "raw_after": after,
                                "memory": {**rss_mb(server), "kept_file": kept_counts(kept)}}
    finally:
        server.close()


def reload_step(server: Server, token: str, texts: dict[str, str], kept: Path, folder: Path, part: Path,
                args: argparse.Namespace, *, want: int) -> dict[str, Any]:
    """Step 5: the largest municipality of ``part`` loaded again while the service runs; the seconds until the
    kept file holds ``want`` answers asked since, then each query once."""
    bundle = folder / "reload.jsonl"
    gemeente, persons = write_largest(part, bundle)
    print(f"5. reload {gemeente} ({persons} persons)", flush=True)
    begun = time.time()
    load_s = _run(["load", "--store", str(args.store), "--rejects", str(folder / "rejects.jsonl"), str(bundle)],
                  key=_key(1))
    loaded = time.time()
    seen, settled = -1, loaded
    while time.time() - loaded < 1800:
        now = kept_counts(kept, since=begun)["answers_since"]
        if now != seen:
            seen, settled = now, time.time()
        if now >= want or time.time() - settled > 120:
            break
        time.sleep(1)
    after = asks(server.url, token, texts, rounds=1, timeout=args.timeout)
    print(f"   load {load_s:.1f} s; {seen} of {want} answers asked {settled - loaded:.1f} s after it", flush=True)
    return {"gemeente": gemeente, "persons": persons, "load_s": round(load_s, 1), "answers_asked": seen,
            "answers_wanted": want, "asked_within_s": round(settled - loaded, 1),
            "ms_after": median_of(after, slice(0, 1)), "raw": after}


#: ``--ahead``: while the service asks ahead, an analyst's small query (not a saved one) this often.
PROBE_EVERY_S = 5.0
PROBE_QUERY = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100"


class Probe(threading.Thread):
    """An analyst's small query every ``PROBE_EVERY_S`` while the background asks: what its work costs them."""

    def __init__(self, url: str, token: str, started: float) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.started = url, token, started
        self.times: list[tuple[float, float, int]] = []  # (s since the start, ms, status)
        self._done = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/sparql-results+json",
                   "Content-Type": "application/sparql-query"}
        while not self._done.wait(PROBE_EVERY_S):
            sent = time.perf_counter()
            try:
                status = httpx.post(self.url + "/sparql", content=PROBE_QUERY, headers=headers, timeout=120).status_code
            except httpx.HTTPError:
                status = 0
            self.times.append((round(sent - self.started, 1), round(1000 * (time.perf_counter() - sent), 1), status))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def summary(self) -> dict[str, Any]:
        ms = sorted(t[1] for t in self.times)
        if not ms:
            return {"n": 0}
        return {"n": len(ms), "not_200": sum(t[2] != 200 for t in self.times), "ms_median": statistics.median(ms),
                "ms_p90": ms[int(0.9 * (len(ms) - 1))], "ms_max": ms[-1]}


def graph_sets(store: Path, gemeenten: list[str], *, special: bool) -> int:
    """The sets of municipalities' graphs an answer is kept for, with tokens of every municipality with the
    special categories and, with ``special`` false, also without: each municipality's graphs once, and again
    without its ``/bijzonder`` graph where it has one."""
    from inburgering.security.dataset import allowed_graphs
    from inburgering.security.scope import AccessScope
    from inburgering.service.partitioned import partition
    from inburgering.store.embedded import EmbeddedStore

    s = EmbeddedStore(str(store), read_only=True)
    try:
        every = frozenset(gemeenten)
        sets: set[tuple[str, ...]] = set()
        for right in (True,) if special else (True, False):
            scope = AccessScope("t", "analyst", every, special_categories=right)
            parts = partition(allowed_graphs(scope, s, base=BASE), base=BASE)
            assert parts is not None
            sets.update(parts.parts.values())
        return len(sets)
    finally:
        s.close()


def gemeente_codes(part: Path) -> dict[str, int]:
    """The largest, the median and the smallest municipality of the DUO bundle ``part``: code → persons."""
    sizes = Counter(json.loads(line)["gemeente"] for line in part.read_text(encoding="utf-8").splitlines())
    ranked = sizes.most_common()
    return dict(ranked[i] for i in (0, len(ranked) // 2, len(ranked) - 1))


def saved_get(url: str, token: str, name: str, params: dict[str, str], *, timeout: float
              ) -> tuple[float, httpx.Response]:
    """One ``GET /api/queries/{name}`` with ``params`` as SPARQL JSON results: milliseconds and the response."""
    started = time.perf_counter()
    response = httpx.get(f"{url}/api/queries/{name}", params=params, timeout=timeout + 30,
                         headers={"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"})
    return round(1000 * (time.perf_counter() - started), 1), response


def gemeente_asks(url: str, token: str, names: list[str], codes: list[str], *, timeout: float) -> dict[str, Any]:
    """Each saved query ``names`` once per municipality of ``codes`` through ``/api/queries/{name}?gemeente=``:
    milliseconds (``None`` when not 200), status, rows and a digest of the rows."""
    out: dict[str, Any] = {}
    for code in codes:
        for name in names:
            ms, response = saved_get(url, token, name, {"gemeente": code}, timeout=timeout)
            rows = (sorted(json.dumps(b, sort_keys=True) for b in response.json()["results"]["bindings"])
                    if response.status_code == 200 else [])
            out[f"{name}?gemeente={code}"] = {
                "ms": ms if response.status_code == 200 else None, "status": response.status_code,
                "rows": len(rows), "digest": hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]}
            print(f"    {name:48} {code} {ms:9.1f} ms (status {response.status_code}, {len(rows)} rows)", flush=True)
    return out


def edited_asks(url: str, token: str, names: list[str], code: str, *, timeout: float) -> dict[str, Any]:
    """Each saved query as the query page's "edit" sends it: the text ``/api/queries/{name}.rq`` gives, without
    parameters (its reference date today) and with ``gemeente`` = ``code``, posted to ``/sparql``."""
    out: dict[str, Any] = {}
    for params in ({}, {"gemeente": code}):
        for name in names:
            text = httpx.get(f"{url}/api/queries/{name}.rq", params=params, timeout=30).text
            seconds, rows, status, digest = ask(url, token, text, timeout)
            label = f"{name}.rq" + (f"?gemeente={code}" if params else "")
            out[label] = {"ms": None if seconds is None else round(1000 * seconds, 1), "status": status,
                          "rows": rows, "digest": digest}
            print(f"    /sparql {label:62} {out[label]['ms']} ms (status {status})", flush=True)
    return out


def peildatum_asks(url: str, token: str, names: list[str], day: str, *, timeout: float, limit_s: float
                   ) -> dict[str, Any]:
    """Each saved query ``names`` through ``/api/queries/{name}?peildatum=day``, a text nobody asked before, one after
    the other: the first request (milliseconds, status), then the same request every ``PROBE_EVERY_S`` until it is
    answered (seconds from the first request, at most ``limit_s``); then once more, answered."""
    def get(name: str) -> tuple[float, int]:
        ms, response = saved_get(url, token, name, {"peildatum": day}, timeout=timeout)
        return ms, response.status_code

    out: dict[str, Any] = {}
    for name in names:
        started = time.perf_counter()
        first_ms, first_status = get(name)
        answered_s, tries = (round(first_ms / 1000, 1) if first_status == 200 else None), 1
        while answered_s is None and time.perf_counter() - started < limit_s:
            time.sleep(PROBE_EVERY_S)
            _, status = get(name)
            tries += 1
            if status == 200:
                answered_s = round(time.perf_counter() - started, 1)
        again_ms, again_status = get(name)
        out[name] = {"first_ms": first_ms, "first_status": first_status, "answered_after_s": answered_s,
                     "requests": tries, "then_ms": again_ms if again_status == 200 else None}
        print(f"    {name:48} first {first_ms:9.1f} ms ({first_status}), answered after {answered_s} s, "
              f"then {again_ms} ms", flush=True)
    return out


def _gemeente_summary(asked: dict[str, Any]) -> dict[str, Any]:
    times = [r["ms"] for r in asked.values() if r["ms"] is not None]
    return {"asked": len(asked), "answered": len(times), "ms_median": statistics.median(times) if times else None,
            "ms_max": max(times) if times else None, "within_200_ms": sum(t <= 200 for t in times),
            "within_1_s": sum(t <= 1000 for t in times)}


def ahead_steps(serve: Any, token: str, texts: dict[str, str], kept: Path, folder: Path, part: Path,
                gemeenten: list[str], args: argparse.Namespace, result: dict[str, Any]) -> None:
    """``--ahead``: a service started with no kept file and no request asks the cookbook ahead for the token's
    municipalities (``service/ahead.py``); the seconds until it holds them all, then each query ``--rounds`` times
    (the first is the query's first request ever), then a reload of one municipality."""
    ahead = cookbook_texts(base=BASE, dialect="oxigraph", today=date.today())
    sets = graph_sets(args.store, gemeenten, special=not args.both_rights)
    result["graph_sets"] = sets
    started = time.perf_counter()
    server = serve("ahead")
    probe = Probe(server.url, token, started)
    names = sorted(texts)
    codes = gemeente_codes(part) if args.gemeente else {}
    try:
        if codes:
            print(f"   with gemeente {codes} (persons), right after the start", flush=True)
            during = gemeente_asks(server.url, token, names, list(codes), timeout=args.timeout)
            result["by_gemeente"] = {"persons": codes, "during": _gemeente_summary(during), "raw_during": during}
        probe.start()
        try:
            waited = wait_for_kept(kept, want=len(ahead) * sets, limit_s=args.background_limit,
                                   started=started)
        finally:
            probe.stop()
        print(f"   {waited['answers_kept']} of {waited['answers_wanted']} answers ({len(ahead)} texts) kept "
              f"{waited['kept_within_s']:.1f} s after the service started", flush=True)
        print(f"   meanwhile, a small query every {PROBE_EVERY_S:g} s: {probe.summary()}", flush=True)
        after = asks(server.url, token, texts, rounds=args.rounds, timeout=args.timeout)
        if codes:
            print("   with gemeente, everything kept", flush=True)
            kept_asks = gemeente_asks(server.url, token, names, list(codes), timeout=args.timeout)
            result["by_gemeente"].update(after=_gemeente_summary(kept_asks), raw_after=kept_asks, same_answers=sum(
                kept_asks[k]["digest"] == during[k]["digest"] for k in kept_asks if during[k]["status"] == 200))
            print(f"   {result['by_gemeente']['during']} -> {result['by_gemeente']['after']}", flush=True)
            print("   the same texts as the query page's edit sends them to /sparql", flush=True)
            edited = edited_asks(server.url, token, names, next(iter(codes)), timeout=args.timeout)
            result["by_gemeente"].update(sparql=_gemeente_summary(edited), raw_sparql=edited)
            print(f"   {result['by_gemeente']['sparql']}", flush=True)
        result["ahead"] = {"texts": len(ahead), **waited, "probe": probe.summary(),
                           "ms_first": median_of(after, slice(0, 1)),
                           "ms_all": median_of(after, slice(None)), "raw_after": after,
                           "memory": {**rss_mb(server), "kept_file": kept_counts(kept)}}
        if args.peildatum:
            dated = sorted(n for n, text in texts.items() if parse_saved_query(n, text).parameter("peildatum"))
            print(f"   {len(dated)} saved queries with peildatum={args.peildatum}, never asked", flush=True)
            asked = peildatum_asks(server.url, token, dated, args.peildatum, timeout=args.timeout,
                                   limit_s=args.background_limit)
            result["peildatum"] = {"day": args.peildatum, "raw": asked}
        if not args.no_reload:
            result["reload"] = reload_step(server, token, texts, kept, folder, part, args, want=len(ahead))
    finally:
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kept", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a folder store built by bench.scoped.build_store")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0, help="the service's query timeout, seconds")
    parser.add_argument("--queries", nargs="+", metavar="NAME", help="only these saved queries (default every one)")
    parser.add_argument("--no-reload", action="store_true", help="leave out step 5")
    parser.add_argument("--restart-only", action="store_true",
                        help="keep the kept file and run steps 4 and 5 only (after a run stopped there)")
    parser.add_argument("--background", action="store_true",
                        help="leave the first asks to the background (see the module docstring); then nothing else")
    parser.add_argument("--ahead", action="store_true",
                        help="no request at all: the service asks the cookbook ahead (see the module docstring)")
    parser.add_argument("--gemeente", action="store_true",
                        help="with --ahead: each saved query with gemeente= three municipalities, at the start and kept")
    parser.add_argument("--peildatum", metavar="YYYY-MM-DD",
                        help="with --ahead: once everything is kept, each saved query with a peildatum asked for this "
                             "day (a text not asked ahead) until it is answered")
    parser.add_argument("--both-rights", action="store_true",
                        help="with --ahead: a second token of every municipality, without the special categories")
    parser.add_argument("--background-limit", type=float, default=3600.0,
                        help="stop waiting for the background after this many seconds")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in query_files() if not args.queries or p.stem in args.queries}
    kept = default_kept_db(str(args.store))
    assert kept is not None
    if not args.restart_only:
        for leftover in kept.parent.glob(kept.name + "*"):
            leftover.unlink()
    parts = sorted(args.store.parent.glob("part-*/duo.jsonl"))
    size = f"{len(parts)}x{len(parts[0].read_text().splitlines())}" + ("-background" if args.background else
                                                                       "-ahead" if args.ahead else "")
    size += "-both-rights" if args.both_rights else ""
    size += "-gemeente" if args.gemeente else ""
    size += "-peildatum" if args.peildatum else ""
    runs = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    result: dict[str, Any] = runs.get(size, {}) if args.restart_only else {}
    result.update({"parts": len(parts), "persons_per_part": len(parts[0].read_text().splitlines()),
                   "timeout_s": args.timeout, "rounds": args.rounds,
                   ("when_restart" if args.restart_only else "when"): time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                     time.gmtime())})
    with tempfile.TemporaryDirectory(prefix="bench-kept-", dir=os.environ.get("BENCH_TMP")) as tmp:
        folder = Path(tmp)
        gemeenten = _gemeenten(args.store)
        db = TokenStore(folder / "tokens.sqlite")
        token = db.create(role="analyst", gemeenten=tuple(gemeenten), special_categories=True).token
        if args.both_rights:
            db.create(role="analyst", gemeenten=tuple(gemeenten), special_categories=False)
        db.close()
        result["gemeenten"] = len(gemeenten)
        env = {"INBURGERING_TOKEN_DB": str(folder / "tokens.sqlite"), "INBURGERING_PUBLIC_URL": BASE}

        def serve(label: str) -> Server:
            return Server(str(args.store), base=BASE, workdir=folder / label, query_timeout=args.timeout,
                          settings=env)

        if args.background:
            background_steps(serve, token, texts, kept, len(gemeenten), args, result)
            return _write(args, runs, size, result, kept)
        if args.ahead:
            ahead_steps(serve, token, texts, kept, folder, parts[0], gemeenten, args, result)
            return _write(args, runs, size, result, kept)
        server = serve("first") if not args.restart_only else None
        try:
            if server is not None:
                first_steps(server, token, texts, kept, args, result)
        finally:
            if server is not None:
                server.close()
        server = serve("restart")
        try:
            print("4. after a restart", flush=True)
            restart = asks(server.url, token, texts, rounds=args.rounds, timeout=args.timeout)
            result["restart"] = {"ms_first": median_of(restart, slice(0, 1)),
                                 "ms_warm": median_of(restart, slice(1, None)), "raw": restart,
                                 "memory": rss_mb(server)}
            if not args.no_reload:
                ahead = cookbook_texts(base=BASE, dialect="oxigraph", today=date.today())  # asked ahead too
                result["reload"] = reload_step(server, token, texts, kept, folder, parts[0], args, want=len(ahead))
        finally:
            server.close()
    return _write(args, runs, size, result, kept)


def _write(args: argparse.Namespace, runs: dict[str, Any], size: str, result: dict[str, Any], kept: Path) -> int:
    result["kept_file"] = kept_counts(kept)
    result["load_average"] = os.getloadavg()
    runs[size] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("first", "restart", "reload", "background",
                                                                   "ahead")},
                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
