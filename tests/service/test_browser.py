"""The pages in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright), against
``inburgering serve`` in its own process: the landing page, a resource page, a concept page, and a query run
on the query page through the vendored YASGUI (no network beyond 127.0.0.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from service_support import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
    p = context.new_page()
    yield p
    context.close()
    assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []  # works offline


def test_landing_page(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("h1#title").inner_text() == "Inburgering als linked data"
    page.click("main a[href='/schemes']")
    page.wait_for_url("**/schemes")
    assert page.locator("a.scheme").first.inner_text() == "Leerroute"


def test_resource_page_of_an_ontology_term(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/def/heeftPip")
    assert page.locator("h1#title").inner_text() == "heeft PIP"
    assert page.locator("dd.label-en").inner_text() == "has PIP"
    page.click("text=Plan Inburgering en Participatie")  # the range, shown by its label; a local link
    page.wait_for_url("**/def/PIP")
    assert page.locator("dd.label-nl").inner_text() == "Plan Inburgering en Participatie"


def test_concept_page(page: Page, live_server: LiveServer) -> None:
    response = page.goto(live_server.url + "/id/concept/leerroute/O")
    assert response is not None and response.ok
    assert page.url.endswith("/doc/concept/leerroute/O")
    assert page.locator("h1#title").inner_text() == "Onderwijsroute"
    assert page.locator("dd.label-en").inner_text() == "Education route"
    page.click("text=Leerroute >> nth=-1")
    page.wait_for_url("**/doc/scheme/leerroute")
    assert "Z-route" in page.locator("main").inner_text()


def test_query_page_runs_a_query(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.click("#q-personen-per-gemeente-doelgroep-leerroute summary")  # a saved query, into the editor
    page.click("#q-personen-per-gemeente-doelgroep-leerroute button.edit")
    deadline = time.monotonic() + 10  # polled: a wait_for_function predicate is an eval the page's CSP refuses
    while "?doelgroepCode" not in page.evaluate("window.inburgeringYasgui.getTab().getYasqe().getValue()"):
        assert time.monotonic() < deadline, "the saved query did not reach the editor"
        time.sleep(0.1)
    page.evaluate("""window.inburgeringYasgui.getTab().getYasqe().setValue(
        'PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ' +
        'SELECT ?label WHERE { ?c skos:prefLabel ?label FILTER(LANG(?label) = "nl") } ORDER BY ?label')""")
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table >> text=Onderwijsroute", timeout=30_000)
    cells = page.locator(".yasr table tbody td").all_inner_texts()
    assert {"B1-route", "Onderwijsroute", "Z-route"} <= {c.strip().strip('"').split('"@')[0] for c in cells}
