"""Live publication (issue 12): a running ``inburgering serve`` (1 and 2 processes; embedded store and Oxigraph
server) answers from each new publication within 5 s of the publishing command's exit, while 8 clients query,
with no failed request and every answer from exactly one publication. Token changes and model publications are
followed the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from loader_helpers import bsn_pool, duo_person, write_bundle
from service_support import LiveServer

from inburgering.security.tokens import TokenStore

pytestmark = pytest.mark.xdist_group("live-publication")  # a real server and 8 clients: not beside another test

KEY_HEX = "4c" * 32
A, B = "GM0363", "GM0599"
#: (persons of A, persons of B) of each load: every publication has its own pair, and a mix of two is no pair.
STATES = [(3, 5), (6, 2), (4, 7), (8, 1), (2, 9), (5, 6)]
#: One request reads both municipalities: a pair that is no state would be half of one publication.
COUNT = ("SELECT ?gm (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/inburgering/def/Inburgeraar> ; "
         "<https://w3id.org/inburgering/def/gemeente> ?gm } GROUP BY ?gm")
VISIBLE_WITHIN_S = 5.0


def _cli(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "inburgering.cli", *args], check=False, capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode in (0, 1), f"inburgering {' '.join(args)}: {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout


def _bundle(folder: Path, k: int, bsns: list[str]) -> Path:
    a, b = STATES[k]
    lines = [duo_person(bsn, A) for bsn in bsns[:a]] + [duo_person(bsn, B) for bsn in bsns[a:a + b]]
    return write_bundle(folder / f"load{k}.jsonl", lines)


@dataclass
class Clients:
    """8 threads asking ``COUNT`` as fast as they can; every answer is recorded with the time it arrived."""

    url: str
    token: str
    answers: list[tuple[float, tuple[int, int]]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {self.token}",
                                               "Accept": "application/sparql-results+json"}) as client:
            while not self.stop.is_set():
                try:
                    response = client.get(self.url + "/sparql", params={"query": COUNT})
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                    continue
                counts = {row["gm"]["value"][-6:].upper(): int(row["n"]["value"])
                          for row in response.json()["results"]["bindings"]}
                self.answers.append((time.monotonic(), (counts.get(A, 0), counts.get(B, 0))))

    def seen_after(self, t: float) -> list[tuple[int, int]]:
        return [pair for when, pair in list(self.answers) if when >= t]


@pytest.fixture
def deployment(store_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    env = {**os.environ, "INBURGERING_PSEUDONYM_KEY": KEY_HEX}
    yield store_url, env, tmp_path


@pytest.mark.parametrize("workers", [1, 2])
def test_a_running_service_follows_every_publication(deployment: tuple[str, dict[str, str], Path], workers: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store, env, tmp = deployment
    monkeypatch.setenv("INBURGERING_RATE_LIMIT_PER_MINUTE", "1000000")  # 8 clients as fast as they can
    monkeypatch.setenv("INBURGERING_RATE_LIMIT_BURST", "100000")
    bsns = [bsn for _, bsn in zip(range(20), bsn_pool(), strict=False)]
    token_db = tmp / "tokens.sqlite"
    tokens = TokenStore(token_db)
    admin = tokens.create(role="admin", gemeenten=[A, B], label="live test").token
    _cli("model", "publish", "--store", store, env=env)
    _cli("load", "--store", store, "--rejects", str(tmp / "r0.jsonl"), str(_bundle(tmp, 0, bsns)), env=env)
    server = LiveServer(store, logs=tmp, options=("--workers", str(workers), "--token-db", str(token_db)))
    clients = Clients(server.url, admin)
    threads = [threading.Thread(target=clients.run) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        delays = []
        for k in range(1, len(STATES)):  # 5 loads while the clients query
            _cli("load", "--store", store, "--rejects", str(tmp / f"r{k}.jsonl"), str(_bundle(tmp, k, bsns)),
                 env=env)
            exited = time.monotonic()
            while STATES[k] not in clients.seen_after(exited):
                assert time.monotonic() - exited < VISIBLE_WITHIN_S + 5, f"load {k} not visible: {clients.failures}"
                time.sleep(0.05)
            seen = next(when for when, pair in list(clients.answers) if when >= exited and pair == STATES[k])
            delays.append(seen - exited)
            assert STATES[k - 1] not in clients.seen_after(seen + 1.0)  # and the old one is gone
        # A new token works, a revoked one stops working, without a restart.
        fresh = tokens.create(role="analyst", gemeenten=[A], label="live test 2")
        asked = time.monotonic()
        while httpx.get(server.url + "/sparql", params={"query": "ASK {}"},
                        headers={"Authorization": f"Bearer {fresh.token}"}).status_code != 200:
            assert time.monotonic() - asked < VISIBLE_WITHIN_S
            time.sleep(0.1)
        tokens.revoke(fresh.record.token_id)
        asked = time.monotonic()
        while httpx.get(server.url + "/sparql", params={"query": "ASK {}"},
                        headers={"Authorization": f"Bearer {fresh.token}"}).status_code != 401:
            assert time.monotonic() - asked < VISIBLE_WITHIN_S
            time.sleep(0.1)
        # A model publication (public graphs) is followed too: the dataset's modification time moves.
        modified = ("SELECT ?m WHERE { GRAPH ?g { ?c a <http://www.w3.org/ns/dcat#Catalog> ; "
                    "<http://purl.org/dc/terms/modified> ?m } }")
        before = _modified(server.url, modified)
        time.sleep(1.1)  # dct:modified has whole seconds
        _cli("model", "publish", "--store", store, "--force", env=env)
        exited = time.monotonic()
        while _modified(server.url, modified) == before:
            assert time.monotonic() - exited < VISIBLE_WITHIN_S
            time.sleep(0.1)
    finally:
        clients.stop.set()
        for thread in threads:
            thread.join(30)
        server.stop()
        tokens.close()
    assert clients.failures == []
    assert len(clients.answers) > 100, len(clients.answers)
    strays = {pair for _, pair in clients.answers} - set(STATES)
    assert strays == set(), f"answers of no publication (half of one?): {strays}"
    assert max(delays) <= VISIBLE_WITHIN_S, delays
    print(json.dumps({"workers": workers, "store": store, "answers": len(clients.answers),
                      "delays_s": [round(d, 3) for d in delays]}))


def _modified(url: str, query: str) -> str:
    response = httpx.get(url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return max(row["m"]["value"] for row in rows) if rows else ""
