"""``/api/queries``: the cookbook's saved queries as a REST API (as grlc and TriplyDB's saved queries do).

``GET /api/queries`` lists them; ``GET /api/queries/{name}?gemeente=…&peildatum=…`` runs one, answering JSON,
CSV, TSV or XML by ``Accept`` or ``format=``; ``GET /api/queries/{name}.rq`` gives the query text with the
request's parameters bound (the query page loads it into its editor). Each query is its own route, so the
OpenAPI description (``/api/openapi.json``) documents its parameters. A saved query runs exactly as a client's
query on ``/sparql`` does: the same guard, the same dataset cut to the caller's scope, the same engine, time
limit and result cap, the same audit line; and its answer says what the caller's scope left out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from inburgering.errors import QueryError
from inburgering.service.cookbook import (
    BindingError,
    Bound,
    ParameterError,
    SavedQuery,
    bound_query,
    load_cookbook,
)
from inburgering.service.cookbook.params import Parameter, Value
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.negotiation import RESULT_FORMATS
from inburgering.service.routers.sparql_endpoint import (
    ProtocolError,
    answer_media,
    answer_response,
    by_gemeente,
    guard_query,
)
from inburgering.service.sparql import ProtocolDataset, QueryRefused, run_query
from inburgering.store.querylex import QueryInfo

PREFIX = "/api/queries"
EXTENSIONS = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
              "text/csv": "csv", "text/tab-separated-values": "tsv", "application/json": "json",
              "application/xml": "xml", "text/xml": "xml"}
_SCHEMA_TYPES = {"gemeente": {"type": "string", "pattern": "^GM[0-9]{4}$", "example": "GM0363"},
                 "date": {"type": "string", "format": "date", "example": "2026-11-01"},
                 "integer": {"type": "integer"}}


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _given(request: Request) -> dict[str, list[str]]:
    given: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        given.setdefault(name, []).append(value)
    return given


def canonical_url(saved: SavedQuery, values: Mapping[str, Sequence[Value]], *, suffix: str = "") -> str:
    """The query's URL with every parameter value it ran with (defaults filled in): what the answer is of."""
    pairs = [(p.name, v.isoformat() if isinstance(v, date) else str(v))
             for p in saved.parameters for v in values.get(p.name, [])]
    return f"{PREFIX}/{saved.name}{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")


def _bind(saved: SavedQuery, request: Request) -> tuple[str, dict[str, list[Value]]]:
    given = _given(request)
    if len(given.get("format", [])) > 1:
        raise ParameterError("format: give one value")
    return bound_query(saved, given, today=date.today())


def run_endpoint(saved: SavedQuery) -> Callable[..., Awaitable[Response]]:
    async def run(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
        try:
            text, values = _bind(saved, request)

            async def guard(query: str) -> QueryInfo:
                return await guard_query(query, runtime.settings, runtime, rewriter)

            info = await guard(text)
            media = answer_media(request, info, request.query_params.get("format"))
            narrowing = await by_gemeente(Bound(saved, {k: tuple(v) for k, v in saved.terms(values).items()}), guard)
        except (ParameterError, BindingError) as exc:
            return _problem(400, str(exc))
        except ProtocolError as exc:
            return _problem(exc.status, str(exc))
        except (QueryRefused, QueryError) as exc:  # a saved query the guard refuses is the service's own fault
            return _problem(500, f"the saved query {saved.name} cannot run: {exc}")
        settings = runtime.settings
        answer = await run_query(runtime.engine, runtime.store, text, scope, ProtocolDataset(), media_type=media,
                                 base=settings.base_iri, timeout_s=settings.query_timeout_s,
                                 max_results=settings.max_results, info=info, combine=saved.combine,
                                 partitioned=runtime.partitioned, by_gemeente=narrowing)
        name = f"{saved.name}.{EXTENSIONS.get(media, 'txt')}"
        return await answer_response(answer, media, runtime, scope, rewriter, headers={
            "Content-Location": canonical_url(saved, values),
            "Content-Disposition": f'inline; filename="{name}"'})

    run.__name__ = f"query_{saved.name.replace('-', '_')}"
    return run


def text_endpoint(saved: SavedQuery) -> Callable[..., Awaitable[Response]]:
    async def text(request: Request) -> Response:
        try:
            bound, values = _bind(saved, request)
        except (ParameterError, BindingError) as exc:
            return _problem(400, str(exc))
        return Response(bound, media_type="application/sparql-query; charset=utf-8",
                        headers={"Content-Location": canonical_url(saved, values, suffix=".rq")})

    text.__name__ = f"query_text_{saved.name.replace('-', '_')}"
    return text


def _openapi_parameter(p: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_SCHEMA_TYPES[p.type])
    if p.minimum is not None:
        schema.update(minimum=p.minimum, maximum=p.maximum)
    if p.default is not None and p.default != "today":
        schema["default"] = p.default if isinstance(p.default, (int, str)) else str(p.default)
    if p.multiple:
        schema = {"type": "array", "items": schema}
    return {"name": p.name, "in": "query", "required": False, "schema": schema, "explode": True,
            "description": f"{p.description.nl} / {p.description.en}"}


def _openapi(saved: SavedQuery) -> dict[str, Any]:
    parameters = [_openapi_parameter(p) for p in saved.parameters]
    parameters.append({"name": "format", "in": "query", "required": False,
                       "schema": {"type": "string", "enum": list(RESULT_FORMATS)},
                       "description": "Answer format; wins over Accept. / Antwoordformaat; gaat voor Accept."})
    content: dict[str, dict[str, object]] = {media: {} for media in ("application/sparql-results+json", "text/csv", "text/tab-separated-values",
                                       "application/sparql-results+xml")}
    return {"parameters": parameters, "responses": {
        "200": {"description": "SPARQL results; header Inburgering-Withheld says what the token could not see",
                "content": content},
        "400": {"description": "a parameter value the query cannot take"},
        "503": {"description": "past the time limit, or busy"}}}


def _catalogue() -> list[dict[str, object]]:
    return [{**q.as_dict(), "url": f"{PREFIX}/{q.name}", "query_url": f"{PREFIX}/{q.name}.rq"}
            for q in load_cookbook()]


def build_router(cookbook: Sequence[SavedQuery] | None = None) -> APIRouter:
    """The routes of ``cookbook`` (default: every saved query of the package)."""
    router = APIRouter(tags=["queries"])
    queries = tuple(cookbook if cookbook is not None else load_cookbook())

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse({"queries": _catalogue()})

    router.add_api_route(PREFIX, listing, methods=["GET"], name="saved_queries",
                         summary="The saved queries / De opgeslagen vragen")
    for saved in queries:
        router.add_api_route(f"{PREFIX}/{saved.name}.rq", text_endpoint(saved), methods=["GET"],
                             summary=f"{saved.title.nl} (SPARQL)", include_in_schema=False)
        router.add_api_route(f"{PREFIX}/{saved.name}", run_endpoint(saved), methods=["GET"],
                             summary=f"{saved.title.nl} / {saved.title.en}",
                             description=f"{saved.description.nl}\n\n{saved.description.en}",
                             openapi_extra=_openapi(saved), response_class=Response)

    async def unknown(name: str) -> JSONResponse:
        return _problem(404, f"no saved query {name[:80]!r}; the list is at {PREFIX}")

    router.add_api_route(PREFIX + "/{name}", unknown, methods=["GET"], include_in_schema=False)
    return router
