"""``python -m bench.fairness``: a token holder's ``ASK {}`` while anonymous callers saturate the service.

Starts ``inburgering serve`` on a store holding the public graphs, lets ``--anonymous`` clients send a five-way
cross product in a loop (each ends at the anonymous time limit, or is turned away with a 503 when the anonymous
share and its queue are full), and meanwhile times a token holder's ``ASK {}`` every 0.5 s for ``--seconds``.
Prints the token holder's latencies (median, p90, max) and what the anonymous callers got (issue 13: before,
two anonymous slow queries held both workers and the analyst's ``ASK {}`` waited 9 s).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from inburgering.namespaces import DEFAULT_BASE
from inburgering.security.tokens import TokenStore
from inburgering.service.publish import load_public_graphs
from inburgering.store import open_store

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.fairness", description=__doc__.splitlines()[0])
    p.add_argument("--anonymous", type=int, default=4, help="anonymous clients sending the slow query")
    p.add_argument("--seconds", type=float, default=30.0)
    args = p.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fairness-"))
    store = open_store(str(folder / "store"))
    load_public_graphs(store, base=DEFAULT_BASE)
    store.close()
    tokens = TokenStore(folder / "tokens.sqlite")
    token = tokens.create(role="analyst", gemeenten=("GM0363",), special_categories=False).token
    port = _port()
    env = {**os.environ, "INBURGERING_RATE_LIMIT_PER_MINUTE": "100000", "INBURGERING_RATE_LIMIT_BURST": "10000"}
    server = subprocess.Popen([sys.executable, "-m", "inburgering.cli", "serve", "--store", str(folder / "store"),
                               "--port", str(port), "--token-db", str(folder / "tokens.sqlite"),
                               "--audit-log", str(folder / "audit.jsonl")], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        for _ in range(300):
            try:
                if httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(3)  # every worker up
        stop = time.monotonic() + args.seconds
        anonymous: Counter[int] = Counter()

        def crowd() -> None:
            with httpx.Client(timeout=120) as client:
                while time.monotonic() < stop:
                    anonymous[client.get(url, params={"query": SLOW}).status_code] += 1

        threads = [threading.Thread(target=crowd) for _ in range(args.anonymous)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        latencies = []
        with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
            while time.monotonic() < stop:
                start = time.perf_counter()
                assert client.get(url, params={"query": "ASK {}"}).json()["boolean"] is True
                latencies.append(time.perf_counter() - start)
                time.sleep(0.5)
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(20)
    latencies.sort()
    print(f"token holder's ASK {{}}: {len(latencies)} requests, median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p90 {latencies[int(len(latencies) * 0.9)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"anonymous callers ({args.anonymous}): " + ", ".join(f"{n} x {code}" for code, n in sorted(anonymous.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
