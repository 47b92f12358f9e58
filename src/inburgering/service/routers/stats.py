"""``/stats``: public aggregates with small-cell suppression (issue 6), as an HTML page with charts or as JSON.

The numbers come from ``security/stats.py`` and are only ever published suppressed; they are recomputed when
the set of published graphs changes (a new load), or a token for a new set of municipalities is issued, not per
request, and then only the municipalities whose graphs changed are counted again.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from markupsafe import Markup

from inburgering.security.charts import bar_chart
from inburgering.security.stats import SPECS, StatsError, StatsReport, compute_stats, graphs_version
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.negotiation import HTML, choose
from inburgering.service.rdfresponse import text_response
from inburgering.service.routers.pages import render
from inburgering.service.routers.resources import error_page
from inburgering.service.sparql import derived

router = APIRouter()
JSON = "application/json"


def token_coalitions(request: Request) -> tuple[tuple[str, ...], ...]:
    """The sets of two or more municipalities that one token reads (revoked ones too: what was read stays
    known): such a holder knows all their tables at once, and the suppression must hold against it.
    Remembered while the token database is unchanged (one ``PRAGMA`` per request instead of every record)."""
    authenticator = getattr(request.app.state, "authenticator", None)
    tokens = getattr(authenticator, "tokens", None)
    if tokens is None:
        return ()
    version = tokens.version()
    cached = getattr(request.app.state, "stats_coalitions", None)
    if cached is not None and cached[0] == version:
        return cached[1]  # type: ignore[no-any-return]
    coalitions = tuple(sorted({tuple(sorted(r.gemeenten)) for r in tokens.records() if len(r.gemeenten) > 1}))
    request.app.state.stats_coalitions = (version, coalitions)
    return coalitions


Coalitions = tuple[tuple[str, ...], ...]


def _key(request: Request, runtime: RuntimeDep) -> tuple[object, int, Coalitions]:
    """What the report depends on: the published graphs (remembered per publication: ``derived``), the
    threshold and the tokens' coalitions."""
    settings, store = runtime.settings, runtime.store
    version = derived(store, ("stats-graphs", settings.base_iri),
                      lambda: graphs_version(store, base=settings.base_iri))
    return version, settings.suppression_threshold, token_coalitions(request)


async def current_report(request: Request, runtime: RuntimeDep) -> tuple[StatsReport, bytes]:
    """The report for the graphs published now and the tokens issued now, and its JSON, computed once per change.

    One thread hop per request while nothing changed (under load every hop waits its turn for the interpreter
    lock: with three hops a cached answer took 380 ms at p50 beside 12 clients reading Turtle pages)."""
    settings, store = runtime.settings, runtime.store
    key = await run_in_threadpool(_key, request, runtime)
    state = request.app.state
    if getattr(state, "stats_lock", None) is None:  # per app: an asyncio lock belongs to one event loop
        state.stats_lock = asyncio.Lock()
    async with state.stats_lock:  # one computation at a time; whoever waited finds the result in the cache
        cached: tuple[object, StatsReport, bytes] | None = getattr(state, "stats_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        if getattr(state, "stats_memo", None) is None:
            state.stats_memo = {}  # each municipality's counts while its graphs stay the same
        report = await run_in_threadpool(compute_stats, store, base=settings.base_iri,
                                          threshold=settings.suppression_threshold, coalitions=key[2],
                                          memo=state.stats_memo)
        body = json.dumps(report.as_json(), ensure_ascii=False, indent=1).encode("utf-8")
        state.stats_cache = (key, report, body)
    return report, body


def _charts(report: StatsReport) -> list[dict[str, object]]:
    sections = []
    for table in report.tables:
        spec = SPECS[table.name]
        rows = bar_chart(f"{spec.unit} per {spec.rows}", list(zip(table.rows, table.row_totals, strict=True)))
        cols = bar_chart(f"{spec.unit} per {spec.cols}", list(zip(table.cols, table.col_totals, strict=True)))
        sections.append({"spec": spec, "table": table, "charts": [Markup(rows), Markup(cols)]})
    return sections


async def _answer(request: Request, runtime: RuntimeDep, rewriter: RewriterDep, media: str | None) -> Response:
    if media is None:
        return error_page(request, 406, f"the statistics are available as {HTML} and {JSON}")
    try:
        report, body = await current_report(request, runtime)
    except StatsError as exc:  # a store without the model: say what is missing, not a bare 500
        return error_page(request, 503, str(exc))
    if media == JSON:
        return text_response(body, JSON, request=request)
    return render(request, runtime, rewriter, "stats.html", report=report, sections=_charts(report))


@router.get("/stats", name="stats")
async def stats(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await _answer(request, runtime, rewriter, choose(request.headers.get("accept"), [HTML, JSON]))


@router.get("/stats.json", name="stats_json")
async def stats_json(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await _answer(request, runtime, rewriter, JSON)
