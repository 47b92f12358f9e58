"""A person's page as a case worker's dossier (issue 14 §6), on the synthetic sample loaded by the real loader:
key facts, exams and the timeline compared with the source records, special-category facts only with the
permission (and shown to come from the scope, not the template), access as for any instance document."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from dossier_support import BASE, EXTENDED_BSN, SPECIAL_BSN, Sample, load_sample
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from service_support import LiveServer, make_client

from inburgering.security.scope import AccessScope
from inburgering.service.dossier import read_facts
from inburgering.service.sparql import readable_graphs
from inburgering.service.timeline import Event, timeline_svg
from inburgering.store.publication import is_special


@pytest.fixture(scope="module")
def sample(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sample]:
    loaded = load_sample(module_store_url, tmp_path_factory.mktemp("sample"))
    yield loaded
    loaded.tokens.close()


@pytest.fixture(scope="module")
def client(sample: Sample) -> Iterator[TestClient]:
    # every person's page in one test: a rate limit above the test's own pace
    with make_client(sample.store, token_db=sample.token_db, audit_log=sample.audit_log,
                     rate_limit_per_minute=100_000, rate_limit_burst=10_000) as c:
        yield c


def _page(client: TestClient, sample: Sample, bsn: str, headers: dict[str, str]) -> str:
    path = sample.person(bsn).removeprefix(BASE).replace("/id/", "/doc/", 1)
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


_EXAM_ROW = re.compile(r'<tr class="exam-(\w+)" data-onderdeel="(\w+)"><td><time datetime="([\d-]+)">')
_MARK = re.compile(r'<g class="([^"]+)" data-lane="([^"]+)" data-date="([\d-]+)"(?: data-end="([\d-]+)")?>')


def _summary_date(html: str, name: str) -> str | None:
    match = re.search(rf"<dt>{re.escape(name)}</dt><dd><time datetime=\"([\d-]+)\">", html)
    return match.group(1) if match else None


def test_every_dossier_matches_its_source_record(client: TestClient, sample: Sample) -> None:
    """For every published person of the sample: the exam table, the exam marks of the chart, and the PIP, term,
    MAP and PVT dates are exactly those of the person's DUO record (read here straight from the JSON file)."""
    gemeenten = sorted({r["gemeente"] for r in sample.records.values()})
    token = sample.token(*gemeenten, special=True)
    for bsn in sorted(r["bsn"] for r in sample.records.values()):
        record = next(r for r in sample.records.values() if r["bsn"] == bsn)
        html = _page(client, sample, bsn, token)
        expected = sorted((e["examendatum"], e["onderdeel"], e["resultaat"].lower())
                          for e in record.get("examenresultaten", []))
        shown = sorted((day, part, result) for result, part, day in _EXAM_ROW.findall(html))
        assert shown == expected, bsn
        marks = [(lane.removeprefix("Examen "), day) for _, lane, day, _ in _MARK.findall(html)
                 if lane.startswith("Examen ")]
        assert sorted(marks) == sorted((part, day) for day, part, _ in expected), bsn
        assert _summary_date(html, "PIP vastgesteld") == record.get("pip", {}).get("pip", {}).get("dagtekeningPip")
        assert _summary_date(html, "Einde inburgeringstermijn") == record.get("inburgeringstermijn", {}).get("einddatum")
        assert _summary_date(html, "Eindgesprek MAP") == record.get("map", {}).get("datumEindgesprekMap")
        assert _summary_date(html, "PVT ondertekend") == record.get("pvt", {}).get("datumOndertekeningPvt")
        passed = sorted({e["onderdeel"] for e in record.get("examenresultaten", []) if e["resultaat"] == "Geslaagd"})
        assert re.search(r'<dd id="passed">([^<]*)</dd>', html).group(1) == (", ".join(passed) or "geen")  # type: ignore[union-attr]


def test_the_timeline_of_an_extended_term(client: TestClient, sample: Sample) -> None:
    record = next(r for r in sample.records.values() if r["bsn"] == EXTENDED_BSN)
    html = _page(client, sample, EXTENDED_BSN, sample.token("GM0796"))
    marks = {(lane, css.split()[1] if len(css.split()) > 1 else "", day, end) for css, lane, day, end in
             _MARK.findall(html)}
    term = record["inburgeringstermijn"]
    assert ("Inburgeringstermijn", "term", term["startdatum"], term["einddatum"]) in marks
    assert ("Inburgeringstermijn", "extension", term["wijzigingsdatum"], "") in marks  # the extension's decision
    assert ("Inburgeringstermijn", "milestone", term["einddatum"], "") in marks  # term end
    assert ("Inburgeringsplicht", "duty", record["inburgeringsplicht"]["begindatum"], term["einddatum"]) in marks
    pip = record["pip"]["pip"]["dagtekeningPip"]
    assert ("PIP", "milestone", pip, "") in marks
    assert ("Leerroute", "route", pip, term["einddatum"]) in marks
    assert ("MAP", "milestone", record["map"]["datumEindgesprekMap"], "") in marks
    assert ("PVT", "milestone", record["pvt"]["datumOndertekeningPvt"], "") in marks
    lanes = re.findall(r'<text class="lane-label" x="[\d.]+" y="[\d.]+">([^<]+)</text>', html)
    assert lanes == ["Inburgeringsplicht", "Inburgeringstermijn", "PIP", "Leerroute", "Leerbaarheidstoets",
                     "Examen KNM", "Examen LE", "Examen LU", "Examen SC", "Examen SP", "MAP", "PVT"]
    assert "Zwangerschap" in html or "bevalling" in html.lower()  # the extension's ground, by its label
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img"' in html
    assert "<script" not in html.split("<main>")[1]  # a chart drawn on the server, no script


@pytest.mark.parametrize("every", [False, True], ids=["one-municipality", "every-municipality"])
def test_special_category_facts_only_with_the_permission(client: TestClient, sample: Sample, every: bool) -> None:
    """With a token of every municipality the page reads the union graphs (``named_unions``), whose
    ``…/bijzonder`` union tells the special facts apart; with one municipality's, its own graphs."""
    record = next(r for r in sample.records.values() if r["bsn"] == SPECIAL_BSN)
    dispensation = record["ontheffingen"][0]["GedeeltelijkeOntheffing"]
    assert dispensation["grond"] == "MED"  # a medical dispensation: special category
    gemeenten = sorted({r["gemeente"] for r in sample.records.values()}) if every else ["GM0363"]
    with_permission = _page(client, sample, SPECIAL_BSN, sample.token(*gemeenten, special=True))
    row = re.search(r'<tr class="special"><td><a href="([^"]+)">([^<]+)</a> <span class="badge special">', with_permission)
    assert row is not None and row.group(2) == "gedeeltelijke ontheffing"
    assert f'<time datetime="{dispensation["datumOordeel"]}">' in with_permission and "Medisch" in with_permission
    assert re.search(r'<g class="mark decision special" data-lane="Ontheffingen" data-date="'
                     + dispensation["datumOordeel"], with_permission)
    assert 'id="special-hidden"' not in with_permission
    without = _page(client, sample, SPECIAL_BSN, sample.token(*gemeenten))
    assert 'id="special-hidden"' in without  # says that such facts may exist, not whether they do
    assert "Medisch" not in without and 'data-lane="Ontheffingen"' not in without and row.group(1) not in without
    assert "Geen zichtbare ontheffingen of vrijstellingen" in without
    document = row.group(1).removeprefix("http://testserver").replace("/id/", "/doc/", 1)
    assert client.get(document, headers={"Accept": "text/turtle", **sample.token("GM0363")}).status_code == 404
    assert client.get(document, headers={"Accept": "text/turtle", **sample.token("GM0363", special=True)}).status_code == 200


def test_the_scope_filters_special_graphs_before_the_page(client: TestClient, sample: Sample) -> None:
    """The page leaves nothing out itself: without the permission the /bijzonder graphs are not in the query's
    dataset, so the dossier query returns none of their facts; with it, the same query returns them, marked."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    person = sample.person(SPECIAL_BSN)
    plain = AccessScope(token_id="t", role="analyst", gemeenten=frozenset({"GM0363"}))
    special = AccessScope(token_id="s", role="analyst", gemeenten=frozenset({"GM0363"}), special_categories=True)
    assert not any(is_special(g) for g in readable_graphs(runtime.store, plain, base=BASE))
    assert any(is_special(g) for g in readable_graphs(runtime.store, special, base=BASE))
    # on the app's own event loop (the client's portal), where its query engines run
    without, with_ = (client.portal.call(read_facts, runtime, scope, person)  # type: ignore[union-attr]
                      for scope in (plain, special))
    assert without is not None and with_ is not None
    assert [r for r in without.resources.values() if "Ontheffing" in r.types or r.special] == []
    marked = [r for r in with_.resources.values() if r.special]
    assert len(marked) == 1 and "GedeeltelijkeOntheffing" in marked[0].types
    assert set(with_.resources) - set(without.resources) == {marked[0].iri}


def test_access_as_for_any_instance_document(client: TestClient, sample: Sample) -> None:
    path = sample.person(SPECIAL_BSN).removeprefix(BASE).replace("/id/", "/doc/", 1)
    html = {"Accept": "text/html", "Origin": "https://elders.example"}
    assert client.get(path, headers=html).status_code == 401  # no token
    assert client.get(path, headers={**html, **sample.token("GM0599")}).status_code == 404  # not its municipality
    assert client.get(path, headers={**html, **sample.token()}).status_code == 403  # a token without municipalities
    ok = client.get(path, headers={**html, **sample.token("GM0363")})
    assert ok.status_code == 200 and ok.headers["cache-control"] == "private, no-store"
    assert "access-control-allow-origin" not in ok.headers
    assert '</doc/persoon/' in ok.headers["link"] and 'rel="alternate"; type="text/turtle"' in ok.headers["link"]
    lines = [json.loads(line) for line in sample.audit_log.read_text().splitlines()]
    assert any(line["endpoint"] == path and line["resource"] == sample.person(SPECIAL_BSN) and line["outcome"] == "ok"
               for line in lines)
    turtle = client.get(path, headers={"Accept": "text/turtle", **sample.token("GM0363")})
    assert turtle.headers["content-type"].startswith("text/turtle")  # RDF stays the resource's description
    assert "inb:heeftPip" in turtle.text and "Dossier" not in turtle.text


def test_timeline_svg_escapes_and_scales() -> None:
    events = [Event("Examen <KNM>", 'geslaagd "<script>"', date(2024, 1, 10), css="exam"),
              Event("Termijn", "termijn", date(2023, 1, 1), date(2026, 1, 1), css="term")]
    svg = timeline_svg(events, today=date(2024, 6, 1))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'data-lane="Examen &lt;KNM&gt;"' in svg
    bar = re.search(r'data-lane="Termijn"[^>]*><title>[^<]*</title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    dot = re.search(r'<circle cx="([\d.]+)"', svg)
    today = re.search(r'<g class="today"><line x1="([\d.]+)"', svg)
    assert bar and dot and today
    start, width = float(bar.group(1)), float(bar.group(2))
    assert start < float(dot.group(1)) < float(today.group(1)) < start + width  # in date order, inside the term
    far = timeline_svg(events, today=date(2035, 1, 1))
    assert 'class="today"' not in far  # years after the last event: no line


#: A folder to also save the browser test's screenshot in (``docs/images`` when the docs' picture is renewed).
SCREENSHOTS_ENV = "INBURGERING_SCREENSHOTS"


@pytest.fixture(scope="module")
def live_sample(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``inburgering serve`` over the sample, with its token database, in its own process."""
    logs = tmp_path_factory.mktemp("live-sample")
    server = LiveServer(sample.store, logs=logs,
                        options=("--token-db", str(sample.token_db), "--audit-log", str(logs / "audit.jsonl")))
    yield server
    server.stop()


@pytest.mark.browser
def test_the_dossier_in_chromium(browser: Browser, live_sample: LiveServer, sample: Sample, tmp_path: Path) -> None:
    """Debian's Chromium shows the chart (styled by the site's CSS, no script, no console error, so nothing the
    CSP refused), the exam table and the timeline table; a screenshot is taken."""
    record = next(r for r in sample.records.values() if r["bsn"] == EXTENDED_BSN)
    context = browser.new_context(viewport={"width": 1100, "height": 900},
                                  extra_http_headers=sample.token("GM0796", "GM0363", special=True))
    outside: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_sample.url + sample.person(EXTENDED_BSN).removeprefix(BASE))  # /id/ → 303 → /doc/
    assert page.locator("h1#title").inner_text().startswith("Dossier inburgeraar")
    box = page.locator("svg.timeline").bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 250
    assert page.locator("svg.timeline g.exam").count() == len(record["examenresultaten"])
    passed = page.locator("svg.timeline g.exam-geslaagd").first
    assert page.evaluate("e => getComputedStyle(e).fill", passed.element_handle()) == "rgb(47, 133, 90)"
    xs = [page.locator(f'svg.timeline g[data-lane="{lane}"]').first.bounding_box() for lane in ("PIP", "MAP")]
    assert xs[0] is not None and xs[1] is not None and xs[0]["x"] < xs[1]["x"]  # PIP before the MAP talk
    assert page.locator("table.exams tbody tr").count() == len(record["examenresultaten"])
    assert not page.locator("details#events table").is_visible()
    page.click("details#events summary")
    assert page.locator("details#events tbody tr").count() == page.locator("svg.timeline g.mark").count()
    shot = page.screenshot(path=str(tmp_path / "dossier.png"), full_page=True)
    assert len(shot) > 50_000  # a page with a chart, not a blank one
    if os.environ.get(SCREENSHOTS_ENV):
        Path(os.environ[SCREENSHOTS_ENV], "dossier.png").write_bytes(shot)
    page.goto(live_sample.url + sample.person(SPECIAL_BSN).removeprefix(BASE).replace("/id/", "/doc/", 1))
    assert page.locator("tr.special .badge").inner_text() == "bijzonder persoonsgegeven"
    context.close()
    assert outside == [] and errors == []
