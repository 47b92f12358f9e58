"""``python -m bench.traffic``: mixed traffic against a real ``inburgering serve``, 50 clients for 60 s (issue 13).

Generates and loads ``--persons`` persons (the commands as a user runs them, in-process: ``bench.scoped``), makes
an analyst token for the largest municipality and one for every municipality, starts ``inburgering serve`` with
one service process per core, and then runs one ``wrk`` per kind of traffic, all at once, for ``--seconds``:

=====================  ========  ==========================================================================
kind                   clients   requests
=====================  ========  ==========================================================================
person-turtle          12        ``/doc/persoon/…`` of its own municipality as Turtle (token of one municipality)
person-html            8         the same persons' dossier pages (HTML)
person-out-of-scope    3         persons of other municipalities with that token: 404 expected (probing)
saved-query            6         every cookbook query at ``/api/queries/{name}`` in turn (same token)
sparql-token           5         small queries at ``/sparql`` (token of every municipality)
sparql-anonymous       5         queries over the public graphs at ``/sparql``, no token
stats                  4         ``/stats.json`` and ``/stats``, no token
public-pages           7         concept and ontology term pages (HTML and Turtle), no token
=====================  ========  ==========================================================================

Every request of each kind is first sent once and must answer its expected status; then ``--warmup`` seconds of
the same traffic, not measured (each service process and query worker then has made its copies of the scopes and
``/stats``' tables, which the first request after a publication waits for: without it, two ``/stats`` requests
to the cold process timed out at 10 s). During the run every answer's
status is counted by ``wrk`` (a Lua ``response`` hook); an **error** is any other status, a socket error or a
time-out (10 s). Reported per kind: requests, requests/s, p50, p99, errors and the statuses seen; and the load
average. The anonymous rate limit is lifted (every client comes from 127.0.0.1, so it would throttle the
bench itself, not measure the service). Writes ``bench/results/traffic.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from bench.scoped import build_store
from bench.web import Server, _lua_string
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.tokens import TokenStore
from inburgering.service.cookbook import load_cookbook

RESULTS = Path(__file__).parent / "results" / "traffic.json"
W3ID = "https://w3id.org/inburgering"
INB = f"{W3ID}/def/"


@dataclass
class Kind:
    name: str
    clients: int
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


def _path(iri: str) -> str:
    """The page of ``iri`` on the service (answers name its IRIs by the service's own address)."""
    path = urlsplit(iri).path
    if urlsplit(iri).netloc == "w3id.org":
        path = path.removeprefix("/inburgering")
    return "/doc/" + path.removeprefix("/id/") if path.startswith("/id/") else path


def _select(client: httpx.Client, query: str, headers: dict[str, str] | None = None) -> list[dict[str, str]]:
    response = client.post("/sparql", content=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json", **(headers or {})})
    response.raise_for_status()
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def _sparql_paths(queries: list[str]) -> list[str]:
    return ["/sparql?query=" + quote(" ".join(q.split()), safe="") for q in queries]


def kinds(client: httpx.Client, one: dict[str, str], every: dict[str, str], gemeente: str) -> list[Kind]:
    """The requests of each kind, read from the running service itself."""
    persons = _select(client, f"""SELECT ?p ?gm WHERE {{ ?p <{INB}gemeente> ?gm ; <{INB}heeftInburgeringsplicht> ?x }}
                                  LIMIT 3000""", every)
    own = sorted({_path(r["p"]) for r in persons if r["gm"].upper().endswith(gemeente[2:])})[:300]
    other = sorted({_path(r["p"]) for r in persons if not r["gm"].upper().endswith(gemeente[2:])})[:300]
    concepts = [_path(r["c"]) for r in _select(client, """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c WHERE { ?c a skos:Concept } ORDER BY ?c LIMIT 150""")]
    terms = [_path(r["c"]) for r in _select(client, """PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?c WHERE { { ?c a owl:Class } UNION { ?c a owl:ObjectProperty } FILTER(ISIRI(?c)) } ORDER BY ?c LIMIT 150""")]
    token_queries = [
        "ASK {}",
        f"SELECT ?pip WHERE {{ ?pip a <{INB}PIP> }} LIMIT 10",
        f"SELECT ?p ?d WHERE {{ ?p <{INB}heeftPip>/<{INB}dagtekening> ?d }} ORDER BY DESC(?d) LIMIT 20",
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?e a <{INB}Examenresultaat> }}",
    ]
    anonymous_queries = [
        ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?s ?l WHERE { ?s a skos:ConceptScheme ; "
        "skos:prefLabel ?l FILTER(LANG(?l) = 'nl') }"),
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?c ?n WHERE { ?c skos:notation ?n } LIMIT 50",
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT (COUNT(*) AS ?n) WHERE { ?c a owl:Class }",
    ]
    json_accept = {"Accept": "application/sparql-results+json"}
    return [
        Kind("person-turtle", 12, own, {**one, "Accept": "text/turtle"}),
        Kind("person-html", 8, own, {**one, "Accept": "text/html"}),
        Kind("person-out-of-scope", 3, other, {**one, "Accept": "text/turtle"}, expect=404),
        Kind("saved-query", 6, [f"/api/queries/{q.name}" for q in load_cookbook()], {**one, "Accept": "application/json"}),
        Kind("sparql-token", 5, _sparql_paths(token_queries), {**every, **json_accept}),
        Kind("sparql-anonymous", 5, _sparql_paths(anonymous_queries), json_accept),
        Kind("stats", 4, ["/stats.json", "/stats"]),
        Kind("public-pages", 7, [p for pair in zip(concepts, terms, strict=False) for p in pair],
             {"Accept": "text/html"}),
    ]


def check(client: httpx.Client, kind: Kind) -> None:
    """Every request of ``kind`` once: the expected status, or the bench stops (it would measure errors)."""
    if not kind.paths:
        raise SystemExit(f"{kind.name}: no requests (is the store empty?)")
    for path in kind.paths:
        status = client.get(path, headers=kind.headers, timeout=120).status_code
        if status != kind.expect:
            raise SystemExit(f"{kind.name}: {path[:120]} answered {status}, expected {kind.expect}")


def wrk_script(kind: Kind) -> str:
    lua = "paths = {" + ",".join(_lua_string(p) for p in kind.paths) + "}\n"
    lua += "".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}\n" for k, v in kind.headers.items())
    return lua + """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} ; i = math.random(#paths) end
function request() i = i % #paths + 1 ; return wrk.format("GET", paths[i]) end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do io.write(string.format("STATUS %d %d\\n", status, n)) end
  end
  local e = summary.errors
  io.write(string.format("P50 %f\\nP99 %f\\nN %d\\nSOCKET %d\\nTIMEOUT %d\\n", latency:percentile(50),
    latency:percentile(99), summary.requests, e.connect + e.read + e.write, e.timeout))
end
"""


def run_kind(url: str, kind: Kind, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(wrk_script(kind))
    try:
        done = subprocess.run(["wrk", "-t1", f"-c{kind.clients}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name,
                               url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        os.unlink(f.name)
    values = dict(re.findall(r"^(P50|P99|N|SOCKET|TIMEOUT) ([\d.]+)$", done.stdout, re.MULTILINE))
    if "N" not in values:
        raise RuntimeError(f"cannot read wrk output for {kind.name}:\n{done.stdout}\n{done.stderr}")
    statuses = Counter({int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", done.stdout, re.MULTILINE)})
    requests = int(values["N"])
    unexpected = sum(n for s, n in statuses.items() if s != kind.expect)
    errors = unexpected + int(values["SOCKET"]) + int(values["TIMEOUT"])
    return {"clients": kind.clients, "requests": requests, "requests_per_s": round(requests / seconds, 1),
            "p50_ms": round(float(values["P50"]) / 1000, 1), "p99_ms": round(float(values["P99"]) / 1000, 1),
            "errors": errors, "statuses": {str(s): n for s, n in sorted(statuses.items())},
            "socket_errors": int(values["SOCKET"]), "timeouts": int(values["TIMEOUT"]), "expected": kind.expect,
            "distinct_requests": len(kind.paths)}


def build(folder: Path, persons: int) -> tuple[Path, list[str]]:
    """The model and ``persons`` generated persons, loaded (``bench.scoped.build_store``); every municipality,
    the largest first."""
    store, _, _ = build_store(folder, parts=1, persons=persons)
    lines = (folder / "duo.jsonl").read_text(encoding="utf-8").splitlines()
    return store, [gm for gm, _ in Counter(json.loads(line)["gemeente"] for line in lines).most_common()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.traffic", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15, help="seconds of the same traffic before (default 15)")
    parser.add_argument("--serve-workers", type=int, default=os.cpu_count() or 1,
                        help="service processes (default: one per core)")
    parser.add_argument("--kinds", help="comma-separated subset of the kinds (to look into one; default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("python -m bench.traffic needs wrk (make bench-deps)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-traffic-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        store, gemeenten = build(folder, args.persons)
        print(f"{args.persons} persons in {len(gemeenten)} municipalities loaded in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        tokens = TokenStore(Path(f"{store}.tokens.sqlite"))  # the service's default token database
        one = tokens.create(role="analyst", gemeenten=(gemeenten[0],), special_categories=False).token
        every = tokens.create(role="analyst", gemeenten=tuple(gemeenten), special_categories=False).token
        tokens.close()
        server = Server(str(store), base=BASE, workdir=folder / "serve", workers=args.serve_workers)
        try:
            with httpx.Client(base_url=server.url, timeout=120) as client:
                plan = kinds(client, {"Authorization": f"Bearer {one}"}, {"Authorization": f"Bearer {every}"},
                             gemeenten[0])
                if args.kinds:
                    plan = [k for k in plan if k.name in args.kinds.split(",")]
                for kind in plan:
                    check(client, kind)
            # Warm-up, not measured: every service process and worker (one client lands on one process) makes its
            # scope copies and /stats' suppressed tables, which the first request after a publication waits for.
            with ThreadPoolExecutor(len(plan)) as pool:
                list(pool.map(lambda k: run_kind(server.url, k, args.warmup), plan))
            time.sleep(5)
            print(f"{sum(k.clients for k in plan)} clients in {len(plan)} kinds for {args.seconds} s", flush=True)
            load_before = os.getloadavg()
            with ThreadPoolExecutor(len(plan)) as pool:
                runs = dict(zip((k.name for k in plan),
                                pool.map(lambda k: run_kind(server.url, k, args.seconds), plan), strict=True))
            load_after = os.getloadavg()
        finally:
            server.close()
    result = {"persons": args.persons, "municipalities": len(gemeenten), "token_municipality": gemeenten[0],
              "seconds": args.seconds, "warmup_seconds": args.warmup, "serve_workers": args.serve_workers, "clients": sum(k.clients for k in plan),
              "kinds": runs, "errors": sum(r["errors"] for r in runs.values()),
              "requests": sum(r["requests"] for r in runs.values()), "load_average_before": load_before,
              "load_average_after": load_after, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["errors"] == 0 else 1


def report(result: dict[str, Any]) -> None:
    print("| kind | clients | requests | req/s | p50 ms | p99 ms | errors | statuses |\n|---|---|---|---|---|---|---|---|")
    for name, r in result["kinds"].items():
        print(f"| {name} | {r['clients']} | {r['requests']:,} | {r['requests_per_s']:,} | {r['p50_ms']} | "
              f"{r['p99_ms']} | {r['errors']} | {r['statuses']} |")
    print(f"total {result['requests']:,} requests, {result['errors']} errors; load average "
          f"{result['load_average_before']} -> {result['load_average_after']}")


if __name__ == "__main__":
    sys.exit(main())
