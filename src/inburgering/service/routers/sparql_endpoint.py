"""``/sparql``: the SPARQL 1.1 Protocol query operation (GET, POST form, POST direct); read-only.

Without a query, ``/sparql`` answers its SPARQL service description (browsers are sent to the query page).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from inburgering.namespaces import gemeente_iri
from inburgering.security import audit
from inburgering.security.scope import AccessScope
from inburgering.security.withheld import HEADER as WITHHELD_HEADER
from inburgering.security.withheld import RECORDS_HEADER as WITHHELD_RECORDS_HEADER
from inburgering.service.cookbook import Bound, saved_binding
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.execute import QueryAnswer
from inburgering.service.metadata import service_description
from inburgering.service.negotiation import (
    HTML,
    RDF_FORMATS,
    RDF_TYPES,
    RESULT_FORMATS,
    RESULT_TYPES,
    choose,
    media_for_format,
)
from inburgering.service.rdfresponse import rdf_response
from inburgering.service.sparql import (
    ByGemeente,
    ProtocolDataset,
    QueryRefused,
    check_query,
    readable_graphs,
    run_query,
    store_dialect,
    withheld_for,
)
from inburgering.settings import Settings
from inburgering.store.publication import gemeente_code
from inburgering.store.querylex import QueryInfo, QueryLimitError, QueryLimits, QuerySyntaxError

router = APIRouter()

#: HTTP status per kind of query error.
STATUS = {"syntax": 400, "refused": 403, "too-large": 422, "timeout": 503, "busy": 503, "crashed": 503,
          "store": 500}
#: Texts up to this length are checked on the event loop (well under a millisecond); longer ones in a thread,
#: so a 100 kB query never holds up other requests while the guard reads it.
INLINE_CHECK_CHARS = 2_000


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers={"Vary": "Accept"})


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(400, f"the request has {len(values)} '{name}' parameters; give exactly one")
    return values[0] if values else None


async def _read_params(request: Request, max_bytes: int) -> tuple[dict[str, list[str]], str | None]:
    """The request's parameters and, for a direct POST, the query text from its body."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        return params, None
    body = await request.body()
    if len(body) > max_bytes:
        raise ProtocolError(413, f"the request body is larger than {max_bytes} bytes")
    ctype, _, rest = request.headers.get("content-type", "").partition(";")
    ctype = ctype.strip().lower()
    charset = rest.lower().replace(" ", "").partition("charset=")[2].split(";")[0].strip('"')
    if charset and charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"the request body must be UTF-8, not {charset}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the request body is not valid UTF-8") from None
    if ctype == "application/x-www-form-urlencoded":
        for name, values in parse_qs(text, keep_blank_values=True).items():
            params.setdefault(name, []).extend(values)
        return params, None
    if ctype == "application/sparql-query":
        return params, text
    if ctype == "application/sparql-update":
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are not accepted")
    raise ProtocolError(415, "POST a query as application/x-www-form-urlencoded (query=…) or as "
                             f"application/sparql-query, not {ctype or 'a body without a Content-Type'}")


def _query_text(params: dict[str, list[str]], direct: str | None) -> str | None:
    if _single(params, "update") is not None:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are not accepted")
    query = _single(params, "query")
    if direct is not None:
        if query is not None:
            raise ProtocolError(400, "give the query either in the body or as a 'query' parameter, not both")
        return direct
    return query


async def guard_query(query: str, settings: Settings, runtime: RuntimeDep, rewriter: RewriterDep) -> QueryInfo:
    """The guard (``check_query``) with this deployment's limits, base and store dialect; off the event loop
    for long texts."""
    limits = QueryLimits(depth=settings.max_query_nesting, tokens=settings.max_query_tokens)

    def check() -> QueryInfo:
        return check_query(query, base_iri=f"{rewriter.local}/sparql", limits=limits,
                           dialect=store_dialect(runtime.store),
                           map_iri=rewriter.to_production if rewriter.active else None)

    return check() if len(query) <= INLINE_CHECK_CHARS else await asyncio.to_thread(check)


def _describe_service(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    accept = request.headers.get("accept")
    media = choose(accept, [*RDF_TYPES, HTML])
    if media == HTML:
        return RedirectResponse("/query", status_code=303)
    if media is None:
        return _error(406, "the service description is available as " + ", ".join(RDF_TYPES))
    base = runtime.settings.base_iri  # the caller's own dataset: the graphs its scope reads
    graph = service_description(f"{rewriter.local}/sparql", base=base,
                                named_graphs=readable_graphs(runtime.store, scope, base=base))
    return rdf_response(graph, media, request=request, rewriter=rewriter)


#: The SPARQL protocol's parameters, for the OpenAPI description (the handler reads the raw request: a
#: parameter may repeat, and a query may come as the body itself).
_GRAPH_LISTS = {name: {"type": "array", "items": {"type": "string"}} for name in ("default-graph-uri",
                                                                                   "named-graph-uri")}
_PROTOCOL = {
    "parameters": [
        {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
         "example": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
         "description": "a SPARQL 1.1 query; without one, the service description"},
        *({"name": name, "in": "query", "required": False, "schema": schema, "style": "form", "explode": True}
          for name, schema in _GRAPH_LISTS.items()),
    ],
}
_PROTOCOL_POST = {
    **_PROTOCOL,
    "requestBody": {"required": False, "content": {
        "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
            "query": {"type": "string"}, **_GRAPH_LISTS}}},
        "application/sparql-query": {"schema": {"type": "string"}},
    }},
}


@router.get("/sparql", name="sparql", openapi_extra=_PROTOCOL)
@router.post("/sparql", name="sparql_post", openapi_extra=_PROTOCOL_POST)
async def sparql(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    settings = runtime.settings
    try:
        params, direct = await _read_params(request, settings.max_query_bytes)
        query = _query_text(params, direct)
        if query is None:
            return _describe_service(request, runtime, scope, rewriter)
        audit.note_access(query=query, protected=False)  # refused or not, the log names the query (hashed)
        if len(query.encode()) > settings.max_query_bytes:
            raise ProtocolError(413, f"the query is larger than {settings.max_query_bytes} bytes")
        info = await guard_query(query, settings, runtime, rewriter)
    except ProtocolError as exc:
        return _error(exc.status, str(exc))
    except QueryRefused as exc:
        return _error(403, str(exc))
    except (QuerySyntaxError, QueryLimitError) as exc:
        return _error(400, str(exc))
    try:
        media = answer_media(request, info, _single(params, "format"))
    except ProtocolError as exc:
        return _error(exc.status, str(exc))
    dataset = ProtocolDataset(tuple(params.get("default-graph-uri", [])), tuple(params.get("named-graph-uri", [])))
    dataset = ProtocolDataset(tuple(map(rewriter.to_production, dataset.default_graphs)),
                              tuple(map(rewriter.to_production, dataset.named_graphs)))
    bound = saved_binding(query)
    answer = await run_query(runtime.engine, runtime.store, query, scope, dataset, media_type=media,
                             base=settings.base_iri, timeout_s=settings.query_timeout_s,
                             max_results=settings.max_results, info=info,
                             combine=bound.saved.combine if bound is not None else None,
                             partitioned=runtime.partitioned,
                             by_gemeente=await by_gemeente(bound, lambda text: guard_query(text, settings, runtime,
                                                                                           rewriter)))
    return await answer_response(answer, media, runtime, scope, rewriter)


async def by_gemeente(bound: Bound | None, guard: Callable[[str], Awaitable[QueryInfo]]) -> ByGemeente | None:
    """For a saved query declared ``by-gemeente`` with municipalities in its ``gemeente`` placeholder (TOOI IRIs):
    their codes and the guard's text of the same query without them (``sparql.run_query``)."""
    if bound is None or not bound.saved.by_gemeente:
        return None
    codes = set()
    for term in bound.terms.get("_gemeente", ()):
        code = gemeente_code(term.value)
        try:
            if gemeente_iri(code) != term.value:
                return None
        except ValueError:
            return None
        codes.add(code)
    if not codes:
        return None
    return ByGemeente(tuple(sorted(codes)), (await guard(bound.without("_gemeente"))).text)


def answer_media(request: Request, info: QueryInfo, fmt: str | None) -> str:
    """The answer's media type: ``format=`` (csv, json, tsv, xml; for graphs also ttl, nt, jsonld) wins over
    ``Accept``. Raises ``ProtocolError`` (400 for an unknown format, 406 when nothing acceptable is offered)."""
    results = info.form in ("SELECT", "ASK", "UNKNOWN")
    offered = RESULT_TYPES if results else RDF_TYPES
    if fmt is not None and fmt.strip():
        try:
            return media_for_format(fmt, RESULT_FORMATS if results else RDF_FORMATS)
        except ValueError as exc:
            raise ProtocolError(400, f"a {info.form} result: {exc}") from None
    media = choose(request.headers.get("accept"), list(offered))
    if media is None:
        raise ProtocolError(406, f"a {info.form} result is available as " + ", ".join(offered))
    return media


async def answer_response(answer: QueryAnswer, media: str, runtime: RuntimeDep, scope: AccessScope,
                          rewriter: RewriterDep, *, headers: dict[str, str] | None = None) -> Response:
    """A query's answer as an HTTP response, with what the caller's scope left out (``Inburgering-Withheld``)."""
    if answer.error_kind:
        response = _error(STATUS.get(answer.error_kind, 500), answer.error)
        if answer.retry_after_s or answer.error_kind == "busy":
            response.headers["Retry-After"] = str(answer.retry_after_s or 5)
        return response
    body = rewriter.text_to_local(answer.body.decode("utf-8")) if rewriter.active else answer.body
    charset = "; charset=utf-8" if media.startswith("text/") else ""
    withheld = await asyncio.to_thread(withheld_for, runtime.store, scope, base=runtime.settings.base_iri)
    extra = {"Vary": "Accept", WITHHELD_HEADER: withheld.header(), **(headers or {})}
    if (records := withheld.records_header()) is not None:
        extra[WITHHELD_RECORDS_HEADER] = records
    return Response(body, media_type=media + charset, headers=extra)
