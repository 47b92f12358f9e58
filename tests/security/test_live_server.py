"""End to end: a token made with `inburgering token create` opens a real `inburgering serve` process's data."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from inburgering.cli import main
from inburgering.namespaces import VOCAB
from servers import free_port

from .conftest import SIZES, build_instance_store

PERSONS = f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <{VOCAB}pseudoniem> ?x }}"


@pytest.fixture(scope="module")
def served(module_store_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str], Path]]:
    """``inburgering serve`` over the deployment's store on each backend; yields its URL, the ``--store`` and
    ``--token-db`` options the token commands need, and its audit log."""
    folder = tmp_path_factory.mktemp("live")
    build_instance_store(module_store_url)
    store = ["--store", module_store_url, "--token-db", str(folder / "tokens.sqlite")]
    port, log, audit = free_port(), folder / "server.log", folder / "audit.jsonl"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "inburgering.cli", "serve", *store,
                                    "--port", str(port), "--audit-log", str(audit)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/def", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"inburgering serve did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield url, store, audit
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_cli_token_opens_the_data_of_a_real_server(served: tuple[str, list[str], Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    url, store, audit = served
    assert main(["token", "create", *store, "--role", "analyst", "--gemeente", "GM0363"]) == 0
    token = capsys.readouterr().out.strip()
    accept = {"Accept": "application/sparql-results+json"}
    anonymous = httpx.get(url + "/sparql", params={"query": PERSONS}, headers=accept)
    with_token = httpx.get(url + "/sparql", params={"query": PERSONS},
                           headers={**accept, "Authorization": f"Bearer {token}"})
    assert anonymous.json()["results"]["bindings"][0]["n"]["value"] == "0"
    assert with_token.json()["results"]["bindings"][0]["n"]["value"] == str(SIZES["GM0363"])
    raw = httpx.get(url + "/id/persoon/%2e%2e/%2e%2e/graph/meta", headers={"Authorization": f"Bearer {token}"})
    assert raw.status_code == 400
    assert main(["token", "revoke", *store, token.split("_")[1]]) == 0
    revoked = httpx.get(url + "/sparql", params={"query": PERSONS}, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [line["outcome"] for line in lines if line["endpoint"] == "/sparql"][-3:] == ["ok", "ok", "unauthenticated"]
    assert token.split("_", 2)[2] not in audit.read_text()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does this)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/stats", "/query", "/"])
def test_pages_render_under_the_csp_in_chromium(served: tuple[str, list[str], Path], browser: Browser,
                                                path: str) -> None:
    """The pages work in a real browser with the Content-Security-Policy on: no violation, charts drawn."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    try:
        response = page.goto(served[0] + path)
        page.wait_for_load_state("networkidle")
        assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
        if path == "/stats":
            assert page.locator("svg.chart").count() >= 4 and page.locator("svg.chart rect").count() > 0
        if path == "/query":
            page.wait_for_selector(".yasqe")
        assert problems == []
    finally:
        page.close()


@pytest.mark.browser
def test_query_page_sends_a_typed_token(served: tuple[str, list[str], Path], browser: Browser,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """An analyst types a token on the query page: its queries see the municipality's data, without it they do not."""
    url, store, _ = served
    assert main(["token", "create", *store, "--role", "analyst", "--gemeente", "GM0363"]) == 0
    token = capsys.readouterr().out.strip()
    page = browser.new_page()
    try:
        page.goto(url + "/query")
        page.wait_for_selector(".yasqe .CodeMirror")
        results = []
        for typed, note in (("", "Zonder token"), (token, "Uw token mag geen bijzondere")):
            page.fill("#token", typed)
            page.evaluate(f"window.inburgeringYasgui.getTab().getYasqe().setValue({json.dumps(PERSONS)})")
            with page.expect_response(lambda r: r.url.endswith("/sparql")) as answer:
                page.click(".yasqe_queryButton")
            results.append(answer.value.json()["results"]["bindings"][0]["n"]["value"])
            # what the token could not see, from the answer's headers, above the editor
            page.locator("#yasgui-withheld", has_text=note).wait_for()
        assert results == ["0", str(SIZES["GM0363"])]
        assert page.evaluate("JSON.stringify(window.localStorage) + JSON.stringify(window.sessionStorage)").count(
            token.split("_", 2)[2]) == 0
    finally:
        page.close()


def _children(pid: int) -> dict[int, str]:
    """Child processes of ``pid`` and their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
    return found


def test_two_service_processes_share_the_port_the_audit_log_and_revocation(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`inburgering serve --workers 2`: two processes answer, every access is logged whole, a revocation
    counts at once whichever process answers."""
    store = tmp_path / "store"
    persons = build_instance_store(store)
    own = next(p for p in persons if p.gemeente == "GM0363")
    assert main(["token", "create", "--store", str(store), "--role", "analyst", "--gemeente", "GM0363"]) == 0
    token = capsys.readouterr().out.strip()
    port, log, audit = free_port(), tmp_path / "server.log", tmp_path / "audit.jsonl"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "inburgering.cli", "serve", "--store", str(store),
                                    "--port", str(port), "--audit-log", str(audit), "--workers", "2"],
                                   stdout=out, stderr=subprocess.STDOUT)
    page = f"http://127.0.0.1:{port}/doc/persoon/{own.pseudonym}"
    auth = {"Authorization": f"Bearer {token}", "Accept": "text/turtle"}
    workers: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 90
        while log.read_text().count("Application startup complete") < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"inburgering serve --workers 2 did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        workers = {pid: cmd for pid, cmd in _children(process.pid).items() if "spawn_main" in cmd}
        assert len(workers) == 2, _children(process.pid)
        answers = [httpx.get(page, headers=auth, timeout=10) for _ in range(40)]  # a new connection each
        assert all(a.status_code == 200 and own.pseudonym in a.text for a in answers)
        assert main(["token", "revoke", "--store", str(store), token.split("_")[1]]) == 0
        refused = [httpx.get(page, headers=auth, timeout=10) for _ in range(40)]
        assert [a.status_code for a in refused] == [401] * 40
        lines = [json.loads(line) for line in audit.read_text().splitlines()]
        pages = [line for line in lines if line["endpoint"].startswith("/doc/")]
        assert [line["outcome"] for line in pages] == ["ok"] * 40 + ["unauthenticated"] * 40
        assert {line["resource"] for line in pages[:40]} == {own.iri}
    finally:
        process.terminate()
        process.wait(timeout=30)
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_more_processes_need_a_shared_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--store", "memory:", "--workers", "2"]) == 2
    assert "on-disk or remote store" in capsys.readouterr().err


@pytest.mark.browser
def test_cookbook_page_runs_saved_queries_and_says_what_was_withheld(
        served: tuple[str, list[str], Path], browser: Browser, capsys: pytest.CaptureFixture[str]) -> None:
    """The query page lists the saved queries; run with a typed token, an answer holds that token's municipality
    and the page says how many special-category records the token could not see (docs/cookbook.md)."""
    url, store, _ = served
    assert main(["token", "create", *store, "--role", "analyst", "--gemeente", "GM0363"]) == 0
    token = capsys.readouterr().out.strip()
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(url + "/query")
        page.wait_for_selector(".yasqe .CodeMirror")
        page.fill("#token", token)
        persons = "#q-personen-per-gemeente-doelgroep-leerroute"
        page.click(f"{persons} summary")
        page.click(f"{persons} button.run")
        page.wait_for_selector(f"{persons} table.results tbody tr")
        header = page.locator(f"{persons} table.results thead th").all_inner_texts()
        column = header.index("personen")
        rows = page.locator(f"{persons} table.results tbody tr").all()
        assert sum(int(r.locator("td").nth(column).inner_text()) for r in rows) == SIZES["GM0363"]
        assert page.locator(f"{persons} p.withheld").inner_text().startswith("Uw token mag geen bijzondere")

        decisions = "#q-ontheffingen-en-vrijstellingen-per-reden"
        page.click(f"{decisions} summary")
        page.click(f"{decisions} button.run")
        page.wait_for_selector(f"{decisions} p.count")
        special = sum(1 for i in range(SIZES["GM0363"]) if i % 3 == 0)  # the medical dispensations (conftest)
        note = page.locator(f"{decisions} p.withheld").inner_text()
        assert f"over {special} gegevens" in note and "Ontheffing=" in note
        assert page.locator(f"{decisions} p.count").inner_text() == "0 rijen"  # all of them were withheld

        page.fill("#token", "")
        page.click(f"{persons} button.run")
        page.locator(f"{persons} p.withheld", has_text="Zonder token").wait_for()
        page.locator(f"{persons} p.count", has_text="0 rijen").wait_for()
        assert "Zonder token" in page.locator(f"{persons} p.withheld").inner_text()
        page.click(f"{persons} button.edit")
        deadline = time.monotonic() + 10  # polled: wait_for_function's predicate is an eval the page's CSP refuses
        while "?doelgroepCode" not in page.evaluate("window.inburgeringYasgui.getTab().getYasqe().getValue()"):
            assert time.monotonic() < deadline, "the saved query did not reach the editor"
            time.sleep(0.1)
        assert problems == []
    finally:
        page.close()
