"""HTTP benchmark: a real ``inburgering serve`` process on 127.0.0.1 and a bounded load generator.

The load generator is ``wrk`` (Debian package) when installed, else a small asyncio/httpx client of our own
(heavier, so it measures lower). Each measurement runs a fixed time at a fixed number of connections.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.harness import ROOT


@dataclass
class HttpResult:
    target: str
    clients: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    generator: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children() -> dict[int, list[int]]:
    """Every running process's children, by parent id (``/proc``)."""
    out: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                out.setdefault(int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]), []).append(
                    int(proc.name))
            except (OSError, IndexError):
                continue  # ended while being read
    return out


def tree_memory_mb(pid: int) -> float:
    """The memory a process and all its descendants take, MB: the sum of their proportional set sizes (``Pss``), so
    that pages the processes share (a forked worker's, a file mapped by several) count once over the tree."""
    parents = children()
    kb, todo = 0, [pid]
    while todo:
        this = todo.pop()
        todo += parents.get(this, [])
        try:
            kb += next(int(line.split()[1]) for line in Path(f"/proc/{this}/smaps_rollup").read_text().splitlines()
                       if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return kb / 1024


#: The benchmark service's row limit (``max_results``): no answer is cut short.
MAX_RESULTS = 1_000_000


class Server:
    """``inburgering serve`` over ``store`` in a child process (stopped by ``close``); ``peak_mb`` is the most
    memory its process tree took (``tree_memory_mb``, sampled every ``MEMORY_SAMPLE_S`` while it runs)."""

    MEMORY_SAMPLE_S = 1.0

    def __init__(self, store: str, *, base: str, workdir: Path, query_timeout: float = 10.0, workers: int = 1,
                 settings: dict[str, str] | None = None) -> None:
        """``settings``: more ``INBURGERING_*`` variables for this server (``INBURGERING_SCOPE_COPY_QUADS``)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, INBURGERING_BASE_IRI=base, INBURGERING_AUDIT_LOG=str(workdir / "audit.jsonl"),
                   INBURGERING_RATE_LIMIT_PER_MINUTE="100000000", INBURGERING_RATE_LIMIT_BURST="100000000",
                   INBURGERING_QUERY_TIMEOUT_S=f"{query_timeout:g}", INBURGERING_MAX_RESULTS=str(MAX_RESULTS),
                   **(settings or {}))
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = (workdir / "serve.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "inburgering.cli", "serve", "--store", store, "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers)], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.peak_mb = 0.0
        self._stopped = threading.Event()
        self._watch = threading.Thread(target=self._sample_memory, name="serve-memory", daemon=True)
        self._watch.start()
        self._wait()

    def _sample_memory(self) -> None:
        while self.process.poll() is None and not self._stopped.is_set():
            self.peak_mb = max(self.peak_mb, tree_memory_mb(self.process.pid))
            self._stopped.wait(self.MEMORY_SAMPLE_S)

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"inburgering serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.close()
        raise RuntimeError(f"inburgering serve did not answer within 90 s; see {self.log.name}")

    def close(self) -> None:
        self._stopped.set()
        self._watch.join()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run_wrk(url: str, paths: list[str], headers: dict[str, str], clients: int, seconds: int) -> HttpResult:
    """One wrk run rotating over ``paths``; latencies from wrk's own histogram."""
    lua = "paths = {" + ",".join(_lua_string(p) for p in paths) + "}\n"
    lua += "".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}\n" for k, v in headers.items())
    lua += ("i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n"
            "done = function(summary, latency, requests)\n"
            "  io.write(string.format(\"P50 %f\\nP99 %f\\nN %d\\nERR %d\\n\", latency:percentile(50), "
            "latency:percentile(99), summary.requests, summary.errors.status + summary.errors.connect + "
            "summary.errors.read + summary.errors.write + summary.errors.timeout))\nend\n")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    try:
        done = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", f.name, url],
                              capture_output=True, text=True, timeout=seconds + 60, check=False)
    finally:
        os.unlink(f.name)
    out = done.stdout
    values = dict(re.findall(r"^(P50|P99|N|ERR) ([\d.]+)$", out, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not values or not rate:
        raise RuntimeError(f"cannot read wrk output:\n{out}\n{done.stderr}")
    return HttpResult("", clients, float(rate.group(1)), float(values["P50"]) / 1000, float(values["P99"]) / 1000,
                      int(float(values["N"])), int(float(values["ERR"])), "wrk")


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_httpx(url: str, paths: list[str], headers: dict[str, str], clients: int, seconds: int) -> HttpResult:
    """The fallback generator: ``clients`` asyncio workers on keep-alive connections for ``seconds``."""
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient, offset: int, stop: float) -> None:
        nonlocal errors
        i = offset
        while time.perf_counter() < stop:
            started = time.perf_counter()
            response = await client.get(paths[i % len(paths)])
            latencies.append(time.perf_counter() - started)
            errors += response.status_code >= 400
            i += 1

    async def main() -> float:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=10) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client, i, started + seconds) for i in range(clients)))
            return time.perf_counter() - started

    elapsed = asyncio.run(main())
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")
    return HttpResult("", clients, len(latencies) / elapsed, 1000 * statistics.median(latencies) if latencies else
                      float("nan"), 1000 * p99, len(latencies), errors, "httpx")


#: A query is repeated (for its median) only while its runs so far took less than this many seconds in total.
REPEAT_BUDGET_S = 20.0


def query_files() -> list[Path]:
    """The service's analyst example queries."""
    return sorted((ROOT / "src" / "inburgering" / "service" / "queries").glob("*.rq"))


def run_queries(url: str, headers: dict[str, str], *, repeat: int, cap: float, log: Any = print,
                since: float | None = None) -> dict[str, Any]:
    """Each analyst example query through ``/sparql`` (POST, JSON results), median of up to ``repeat`` runs.

    The service's query timeout is the cap: a query that hits it is reported with ``timeout`` and no time, and,
    with ``since`` (a ``perf_counter``), when the service said to ask again (``Retry-After``), in seconds from then.
    """
    out: dict[str, Any] = {}
    with httpx.Client(base_url=url, headers={**headers, "Accept": "application/sparql-results+json"},
                      timeout=cap + 30) as client:
        for path in query_files():
            text = path.read_text(encoding="utf-8")
            times: list[float] = []
            row: dict[str, Any] = {}
            while len(times) < repeat and sum(times) < REPEAT_BUDGET_S:
                started = time.perf_counter()
                response = client.post("/sparql", content=text.encode("utf-8"),
                                       headers={"Content-Type": "application/sparql-query"})
                elapsed = time.perf_counter() - started
                if response.status_code != 200:  # a failed run fails the query, whatever runs went before
                    row = {"ms": None, "rows": None, "status": response.status_code,
                           "error": response.text.strip()[:200], "timeout": response.status_code == 503}
                    if since is not None and response.headers.get("retry-after", "").isdigit():
                        row["ask_again_at_s"] = round(time.perf_counter() - since
                                                      + int(response.headers["retry-after"]), 1)
                    break
                times.append(elapsed)
                row = {"rows": len(response.json()["results"]["bindings"]), "status": 200,
                       "ms": 1000 * statistics.median(times), "ms_all": [round(1000 * t, 1) for t in times]}
            out[path.stem] = row
            log(f"  query {path.stem}: " + (f"{row['ms']:.0f} ms (median of {len(times)}), {row['rows']} rows"
                                            if row["ms"] is not None else f"HTTP {row['status']}: {row['error'][:80]}"))
    return out


def load_test(url: str, target: str, paths: list[str], headers: dict[str, str], clients: int,
              seconds: int) -> HttpResult:
    """Measure one target at one concurrency, after a short warm-up."""
    generator = run_wrk if shutil.which("wrk") else run_httpx
    generator(url, paths, headers, clients, 1)
    result = generator(url, paths, headers, clients, seconds)
    result.target = target
    return result
