"""``/stats``: public aggregates with small-cell suppression (issue 6), as an HTML page with charts or as JSON.

The numbers come from ``security/stats.py`` and are only ever published suppressed; they are recomputed when
the set of published graphs changes (a new load), or a token for a new set of municipalities is issued, not per
request.
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

router = APIRouter()
JSON = "application/json"


def token_coalitions(request: Request) -> tuple[tuple[str, ...], ...]:
    """The sets of two or more municipalities that one token reads (revoked ones too: what was read stays
    known): such a holder knows all their tables at once, and the suppression must hold against it."""
    authenticator = getattr(request.app.state, "authenticator", None)
    tokens = getattr(authenticator, "tokens", None)
    if tokens is None:
        return ()
    return tuple(sorted({tuple(sorted(r.gemeenten)) for r in tokens.records() if len(r.gemeenten) > 1}))


async def current_report(request: Request, runtime: RuntimeDep) -> StatsReport:
    """The report for the graphs published now and the tokens issued now, computed once per change."""
    settings, store = runtime.settings, runtime.store
    version = await run_in_threadpool(graphs_version, store, base=settings.base_iri)
    coalitions = await run_in_threadpool(token_coalitions, request)
    key = (version, settings.suppression_threshold, coalitions)
    state = request.app.state
    if getattr(state, "stats_lock", None) is None:  # per app: an asyncio lock belongs to one event loop
        state.stats_lock = asyncio.Lock()
    async with state.stats_lock:  # one computation at a time; whoever waited finds the result in the cache
        cached: tuple[object, StatsReport] | None = getattr(state, "stats_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        report = await run_in_threadpool(compute_stats, store, base=settings.base_iri,
                                          threshold=settings.suppression_threshold, coalitions=coalitions)
        state.stats_cache = (key, report)
    return report


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
        report = await current_report(request, runtime)
    except StatsError as exc:  # a store without the model: say what is missing, not a bare 500
        return error_page(request, 503, str(exc))
    if media == JSON:
        body = json.dumps(report.as_json(), ensure_ascii=False, indent=1).encode("utf-8")
        return text_response(body, JSON, request=request)
    return render(request, runtime, rewriter, "stats.html", report=report, sections=_charts(report))


@router.get("/stats", name="stats")
async def stats(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await _answer(request, runtime, rewriter, choose(request.headers.get("accept"), [HTML, JSON]))


@router.get("/stats.json", name="stats_json")
async def stats_json(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await _answer(request, runtime, rewriter, JSON)
