"""``python -m bench.backends``: the cookbook through ``inburgering serve`` on the embedded store and on an Oxigraph
server over the same data, with a token for every municipality and with a token for one.

Issue 15, target 1: "Also the same on the Oxigraph server backend, reported." Generates ``--parts`` parts of
``--persons`` persons and loads them (``bench.scoped.build_store``), or takes ``--store`` (a folder store built
so, e.g. by an earlier run with ``--keep``). Then two services run at once over the same folder:

- **embedded**: ``inburgering serve --store FOLDER`` (the default deployment);
- **oxigraph-server**: ``oxigraph serve-read-only --location FOLDER`` and ``inburgering serve --store
  http://127.0.0.1:PORT/query`` in front of it (the remote-store deployment, docs/remote-stores.md).

Every saved query (its file's text with the example values, as ``python -m bench`` sends it) is sent to each in
turn, one after the other, ``--rounds`` times, for each token; medians per query, and every time in
``ms_all``. With the token of every municipality the service answers a saved query from each municipality's
answer (``service/partitioned.py``): the first round asks all 300 of them (the cold cost, ``ms_all[0]``), the
next ones only combine the answers kept, so the median of 3 rounds is the warm time. The service's query timeout
is ``--timeout``. Oxigraph server cannot stop a running query when the client gives up, so after a timed-out
query the Oxigraph server is restarted before the next measurement, and a query that timed out once is not sent
to that backend again for that token.

Writes ``bench/results/backends.json`` under the run's size (``15x8667``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.scoped import build_store, largest_gemeente
from bench.web import Server, free_port, query_files
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.tokens import TokenStore
from inburgering.service.kept import default_kept_db

RESULTS = Path(__file__).parent / "results" / "backends.json"


class OxigraphServer:
    """``oxigraph serve-read-only`` over a folder store, restartable."""

    def __init__(self, folder: Path, workdir: Path) -> None:
        binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
        if binary is None:
            raise SystemExit("the `oxigraph` command is not installed (pip install oxigraph)")
        self.command = [binary, "serve-read-only", "--location", str(folder)]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/query"
        self.log = (workdir / "oxigraph.log").open("ab")
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen([*self.command, "--bind", f"127.0.0.1:{self.port}"], stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.post(self.url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit("oxigraph serve-read-only did not answer within 120 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def services(store: Path, tokens: Path, workdir: Path, *, timeout: float, workers: int,
             settings: dict[str, str] | None = None) -> Iterator[tuple[dict[str, str], OxigraphServer]]:
    common = {"INBURGERING_TOKEN_DB": str(tokens), "INBURGERING_PUBLIC_URL": BASE,  # the same IRIs in both answers
              **(settings or {})}
    oxigraph = OxigraphServer(store, workdir)
    started: list[Server] = []
    try:
        started.append(Server(str(store), base=BASE, workdir=workdir / "embedded", query_timeout=timeout,
                              workers=workers, settings=common))
        started.append(Server(oxigraph.url, base=BASE, workdir=workdir / "oxigraph-server", query_timeout=timeout,
                              workers=workers, settings=common))
        yield {"embedded": started[0].url, "oxigraph-server": started[1].url}, oxigraph
    finally:
        for server in started:
            server.close()
        oxigraph.stop()


def ask(url: str, token: str, text: str, timeout: float) -> tuple[float | None, int | None, int, str | None]:
    """Seconds (``None`` past the service's timeout or on an error), rows, status and a digest of the answer
    (its rows, sorted) of one POST /sparql."""
    started = time.perf_counter()
    response = httpx.post(url + "/sparql", content=text.encode("utf-8"), timeout=timeout + 30,
                          headers={"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json",
                                   "Content-Type": "application/sparql-query"})
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        return None, None, response.status_code, None
    body = response.json()
    if "results" not in body:
        return seconds, int(body["boolean"]), 200, str(body["boolean"])
    rows = sorted(json.dumps(b, sort_keys=True) for b in body["results"]["bindings"])
    return seconds, len(rows), 200, hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()


def measure(urls: dict[str, str], oxigraph: OxigraphServer, tokens: dict[str, str], *, rounds: int,
            timeout: float, names: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for scope, token in tokens.items():
        for path in query_files():
            if names and path.stem not in names:
                continue
            text = path.read_text(encoding="utf-8")
            row: dict[str, Any] = {}
            for backend, url in urls.items():
                times: list[float] = []
                rows = status = digest = None
                for _ in range(rounds):
                    seconds, rows, status, digest = ask(url, token, text, timeout)
                    if seconds is None:
                        if backend == "oxigraph-server":
                            oxigraph.restart()  # it would go on computing the abandoned query
                        break
                    times.append(seconds)
                row[backend] = {"ms": round(1000 * statistics.median(times), 1) if len(times) == rounds else None,
                                "ms_all": [round(1000 * t, 1) for t in times], "rows": rows, "status": status, "digest": digest}
            e, o = row["embedded"]["ms"], row["oxigraph-server"]["ms"]
            row["ratio"] = round(o / e, 2) if e and o else None
            same = row["embedded"]["digest"] == row["oxigraph-server"]["digest"]
            row["same_answer"] = same if e and o else None
            out.setdefault(scope, {})[path.stem] = row
            print(f"  {scope:4} {path.stem:48} embedded {_cell(row['embedded'])}  oxigraph-server "
                  f"{_cell(row['oxigraph-server'])}  same answer: {row['same_answer']}", flush=True)
    return out


def _cell(r: dict[str, Any]) -> str:
    return f"{r['ms']:9,.0f} ms" if r["ms"] is not None else f"{'status ' + str(r['status']):>12}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backends", description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=15)
    parser.add_argument("--persons", type=int, default=200, help="persons per part")
    parser.add_argument("--store", type=Path, help="an existing folder store built by bench.scoped.build_store")
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=30.0, help="the services' query timeout, seconds")
    parser.add_argument("--serve-workers", type=int, default=1, help="processes per service (default 1)")
    parser.add_argument("--tokens", nargs="+", choices=("all", "one"), default=["all", "one"],
                        help="the tokens to measure with: every municipality's, the largest one's (default both)")
    parser.add_argument("--queries", nargs="+", metavar="NAME", help="only these saved queries (default every one)")
    parser.add_argument("--kept", action="store_true",
                        help="both services share the embedded store's kept answers ({store}.kept.sqlite, left by "
                             "an earlier run or bench.kept): the first round is then a restarted service's")
    parser.add_argument("--label", help="suffix of the results' key ({parts}x{persons}-LABEL)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    unknown = set(args.queries or ()) - {path.stem for path in query_files()}
    if unknown:
        parser.error(f"no saved query named {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="bench-backends-", dir=os.environ.get("BENCH_TMP")) as tmp:
        folder = Path(tmp)
        if args.store is None:
            where = args.keep or folder
            where.mkdir(parents=True, exist_ok=True)
            print(f"generating and loading {args.parts} x {args.persons:,} persons", flush=True)
            started = time.perf_counter()
            store, largest, _ = build_store(where, parts=args.parts, persons=args.persons)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            store, largest = args.store, _largest(args.store.parent)
            parts = sorted(args.store.parent.glob("part-*/duo.jsonl"))  # as build_store left them
            if parts:
                args.parts = len(parts)
                args.persons = len(parts[0].read_text(encoding="utf-8").splitlines())
        token_db = folder / "tokens.sqlite"
        gemeenten = _gemeenten(store)
        db = TokenStore(token_db)
        tokens = {"all": db.create(role="analyst", gemeenten=tuple(gemeenten), special_categories=True).token,
                  "one": db.create(role="analyst", gemeenten=(largest,), special_categories=True).token}
        tokens = {scope: token for scope, token in tokens.items() if scope in args.tokens}
        db.close()
        kept = {"INBURGERING_KEPT_ANSWERS_DB": str(default_kept_db(str(store)))} if args.kept else {}
        with services(store, token_db, folder, timeout=args.timeout, workers=args.serve_workers,
                      settings=kept) as (urls, oxigraph):
            for url in urls.values():  # each service's first query of a scope sets it up; not measured
                for token in tokens.values():
                    ask(url, token, "ASK { ?s ?p ?o }", args.timeout)
            queries = measure(urls, oxigraph, tokens, rounds=args.rounds, timeout=args.timeout, names=args.queries)
    result = {"parts": args.parts, "persons_per_part": args.persons, "gemeenten": len(gemeenten),
              "one": largest, "rounds": args.rounds, "timeout_s": args.timeout, "serve_workers": args.serve_workers,
              "queries": queries, "load_average": os.getloadavg(),
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    runs = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    result["kept"] = args.kept
    runs[f"{args.parts}x{args.persons}" + (f"-{args.label}" if args.label else "")] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    return 0


def _gemeenten(store: Path) -> list[str]:
    from inburgering.store.embedded import EmbeddedStore
    from inburgering.store.publication import published_records

    s = EmbeddedStore(str(store), read_only=True)
    try:
        return sorted({r.gemeente for r in published_records(s, base=BASE) if r.gemeente})
    finally:
        s.close()


def _largest(folder: Path) -> str:
    """The largest municipality of part 1 of a store built by ``build_store`` in ``folder``."""
    part = folder / "part-01" / "duo.jsonl"
    return largest_gemeente(part if part.is_file() else folder / "duo.jsonl")[0]


if __name__ == "__main__":
    raise SystemExit(main())
