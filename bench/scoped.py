"""``python -m bench.scoped``: the cookbook for one municipality, with and without the workers' in-memory copies.

Issue 15: every cookbook query for a token scoped to one municipality in a median of at most 200 ms at national
scale. Generates ``--parts`` parts of ``--persons`` persons (``inburgering generate --parts``: each part its own
municipalities and pseudonym key), publishes the model and loads every part (the commands as a user runs them,
in-process), then starts two real ``inburgering serve`` processes over the store: one with copies (the default
budget, or ``--budget``) and one without (``INBURGERING_SCOPE_COPY_QUADS=0``); on both every request is evaluated
(``INBURGERING_KEPT_ANSWERS=0``: the service would otherwise answer a saved query again from the municipality's
kept answer, ``service/partitioned.py``, which ``bench.backends`` measures). With an analyst token for the largest
municipality of part 1 (or ``--gemeente``) it measures:

- **first use**: every saved query once on each fresh server (the copy-on server first); a copy is made in the
  background of a worker's first job for the scope, so these answers come from disk;
- **the copy**: the same scope copied in this process by the workers' own code (``ScopeCopies.build``): quads,
  seconds, and the worker processes' resident memory after the timed rounds;
- **steady state**: after two warm-up rounds and a pause for the copies, ``--rounds`` timed rounds, each query
  alternating between the servers; medians per query and the ratio without/with copies.

Writes the run into ``bench/results/scoped.json`` under its size (``15x200``), beside runs of other sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.reload import _key, _run
from bench.web import Server
from inburgering.namespaces import DEFAULT_BASE as BASE
from inburgering.security.dataset import allowed_graphs
from inburgering.security.scope import AccessScope
from inburgering.security.tokens import TokenStore
from inburgering.service.cookbook import load_cookbook
from inburgering.service.scoped import ScopeCopies
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.snapshots import Publications
from inburgering.store.unions import default_graphs, registered_unions

RESULTS = Path(__file__).parent / "results" / "scoped.json"


def build_store(folder: Path, *, parts: int, persons: int) -> tuple[Path, str, int]:
    """The store of ``parts`` loaded parts; the largest municipality of part 1 and its persons."""
    bundle, store = folder / "duo.jsonl", folder / "store"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main_generate(bundle, parts=parts, persons=persons) == 0
    _run(["model", "publish", "--store", str(store)], key=_key(1))
    files = [folder / f"part-{k:02d}" / "duo.jsonl" for k in range(1, parts + 1)] if parts > 1 else [bundle]
    for k, part in enumerate(files, start=1):
        started = time.perf_counter()
        _run(["load", "--store", str(store), "--rejects", str(folder / f"rejects-{k}.jsonl"), str(part)], key=_key(k))
        print(f"  part {k}/{parts} loaded in {time.perf_counter() - started:.1f} s", flush=True)
    return (store, *largest_gemeente(files[0]))


def largest_gemeente(bundle: Path) -> tuple[str, int]:
    """The municipality with the most persons in a DUO bundle, and their number."""
    lines = bundle.read_text(encoding="utf-8").splitlines()
    gemeente, count = Counter(json.loads(line)["gemeente"] for line in lines).most_common(1)[0]
    return str(gemeente), count


def main_generate(bundle: Path, *, parts: int, persons: int) -> int:
    from inburgering.cli import main

    return main(["generate", "--persons", str(parts * persons), "--parts", str(parts), "--seed", "12",
                 "--format", "duo", "--out", str(bundle)])


def copy_cost(store: Path, gemeente: str) -> dict[str, Any]:
    """The scope's copy, made by the workers' code from the current publication: what a worker does once."""
    reader = EmbeddedStore.from_snapshot(Publications(store).open_current())
    try:
        scope = AccessScope(token_id="bench", role="analyst", gemeenten=frozenset({gemeente}))
        readable = tuple(allowed_graphs(scope, reader, base=BASE))
        graphs = frozenset(readable) | frozenset(default_graphs(readable, registered_unions(reader, base=BASE)))
        made = ScopeCopies(10**9).build(reader, (str(reader.path), graphs), base=BASE)
        assert made is not None
        store_quads = len(reader.ox)
        return {"graphs": len(graphs), "quads": made.quads, "seconds": round(made.seconds, 3),
                "quads_per_s": round(made.quads / made.seconds), "store_quads": store_quads,
                "store_graphs": len(reader.named_graphs())}
    finally:
        reader.close()


def ask(client: httpx.Client, name: str) -> float:
    started = time.perf_counter()
    response = client.get(f"/api/queries/{name}")
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{name}: HTTP {response.status_code}: {response.text[:300]}")
    return elapsed


def worker_rss_mb(server: Server) -> list[float]:
    """Resident memory of the server's query worker processes (children running ``worker_main``)."""
    sizes = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server.process.pid and b"worker_main" in cmdline:
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            sizes.append(round(int(rss.split()[1]) / 1024, 1))
    return sorted(sizes)


def measure(servers: dict[str, Server], token: str, names: list[str], *, rounds: int,
            pause_s: float) -> dict[str, Any]:
    """First use, warm-up, then ``rounds`` timed rounds alternating between the servers per query."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/sparql-results+json"}
    clients = {label: httpx.Client(base_url=s.url, headers=headers, timeout=120) for label, s in servers.items()}
    try:
        first = {label: {n: round(1000 * ask(c, n), 1) for n in names} for label, c in clients.items()}
        for _ in range(2):
            for label, client in clients.items():
                for name in names:
                    ask(client, name)
        time.sleep(pause_s)
        times: dict[str, dict[str, list[float]]] = {label: {n: [] for n in names} for label in clients}
        for r in range(rounds):
            for name in names:
                order = list(clients) if r % 2 == 0 else list(reversed(clients))
                for label in order:
                    times[label][name].append(ask(clients[label], name))
        return {"first_ms": first, "times": times}
    finally:
        for client in clients.values():
            client.close()


def summarise(times: dict[str, dict[str, list[float]]], names: list[str]) -> dict[str, Any]:
    medians = {label: {n: 1000 * statistics.median(t[n]) for n in names} for label, t in times.items()}
    on, off = medians["copy"], medians["disk"]
    per_query = {n: {"copy_ms": round(on[n], 1), "disk_ms": round(off[n], 1), "ratio": round(off[n] / on[n], 2),
                     "copy_all_ms": [round(1000 * t, 1) for t in times["copy"][n]],
                     "disk_all_ms": [round(1000 * t, 1) for t in times["disk"][n]]} for n in names}
    return {"queries": per_query,
            "copy_median_of_medians_ms": round(statistics.median(on.values()), 1),
            "disk_median_of_medians_ms": round(statistics.median(off.values()), 1),
            "copy_max_median_ms": round(max(on.values()), 1), "disk_max_median_ms": round(max(off.values()), 1),
            "ratio_total": round(sum(off.values()) / sum(on.values()), 2),
            "ratio_median": round(statistics.median(off[n] / on[n] for n in names), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scoped", description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=15)
    parser.add_argument("--persons", type=int, default=200, help="persons per part")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--budget", type=int, help="INBURGERING_SCOPE_COPY_QUADS of the copy-on server")
    parser.add_argument("--gemeente", help="the token's municipality (default: the largest of part 1)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-scoped-") as tmp:
        folder = Path(tmp)
        print(f"generating and loading {args.parts} x {args.persons} persons", flush=True)
        store, largest, persons = build_store(folder, parts=args.parts, persons=args.persons)
        gemeente = args.gemeente or largest
        cost = copy_cost(store, gemeente)
        print(f"scope of {gemeente}: {cost}", flush=True)
        tokens = TokenStore(Path(f"{store}.tokens.sqlite"))  # the service's default token database
        token = tokens.create(role="analyst", gemeenten=(gemeente,), special_categories=False).token
        tokens.close()
        plain = {"INBURGERING_KEPT_ANSWERS": "0"}  # each request evaluated, not combined from kept answers
        on = plain if args.budget is None else {**plain, "INBURGERING_SCOPE_COPY_QUADS": str(args.budget)}
        servers = {"copy": Server(str(store), base=BASE, workdir=folder / "copy", settings=on)}
        servers["disk"] = Server(str(store), base=BASE, workdir=folder / "disk",
                                 settings={**plain, "INBURGERING_SCOPE_COPY_QUADS": "0"})
        names = [q.name for q in load_cookbook()]
        try:
            run = measure(servers, token, names, rounds=args.rounds, pause_s=max(5.0, 5 * cost["seconds"]))
            rss = {label: worker_rss_mb(s) for label, s in servers.items()}
        finally:
            for server in servers.values():
                server.close()
    result = {"parts": args.parts, "persons_per_part": args.persons, "gemeente": gemeente,
              "gemeente_persons_in_part_1": persons, "budget": args.budget, "rounds": args.rounds, "copy": cost,
              "first_use_ms": run["first_ms"], "worker_rss_mb": rss, **summarise(run["times"], names),
              "load_average": os.getloadavg(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    report(result)
    runs = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    runs[f"{args.parts}x{args.persons}"] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    return 0


def report(result: dict[str, Any]) -> None:
    for name, q in result["queries"].items():
        print(f"  {name:48} copy {q['copy_ms']:7.1f} ms   disk {q['disk_ms']:7.1f} ms   x{q['ratio']}")
    print(f"median of medians: copy {result['copy_median_of_medians_ms']} ms, disk "
          f"{result['disk_median_of_medians_ms']} ms; slowest: copy {result['copy_max_median_ms']} ms, disk "
          f"{result['disk_max_median_ms']} ms; ratio (sum) {result['ratio_total']}, (median) {result['ratio_median']}")
    first = result["first_use_ms"]
    print(f"first use (median over the queries): copy server {statistics.median(first['copy'].values()):.1f} ms, "
          f"disk server {statistics.median(first['disk'].values()):.1f} ms; worker RSS MB {result['worker_rss_mb']}; "
          f"load average {result['load_average']}")


if __name__ == "__main__":
    raise SystemExit(main())
