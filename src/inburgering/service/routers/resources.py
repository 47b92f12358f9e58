"""Dereferenceable IRIs: ``/id/…`` 303 → ``/doc/…``; ``/doc/…``, ``/def/…`` and ``/shapes/…`` by content negotiation."""

from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pyoxigraph import Triple

from inburgering.errors import AccessError, QueryError
from inburgering.namespaces import public_graph
from inburgering.security import audit
from inburgering.security.scope import PUBLIC, AccessScope, AuthenticationRequired
from inburgering.service.deps import Page, PageDep, Runtime, RuntimeDep, ScopeDep
from inburgering.service.describe import describe, describe_local, holds_local
from inburgering.service.dossier import read_facts
from inburgering.service.dossier_view import dossier_view
from inburgering.service.negotiation import EXTENSIONS, HTML, RDF_TYPES, choose
from inburgering.service.rdfresponse import serialize_triples, text_response
from inburgering.service.rewrite import Rewriter
from inburgering.service.sparql import derived
from inburgering.service.view import resource_view
from inburgering.store.embedded import EmbeddedStore

router = APIRouter()

#: What a document is offered as; ``application/json`` gets the JSON-LD (its ``@context`` makes it JSON-LD).
DOC_TYPES = [*list(RDF_TYPES)[:4], HTML, "application/json"]
FORMAT_NAMES = {"text/html": "HTML", "text/turtle": "Turtle", "application/ld+json": "JSON-LD",
                "application/n-triples": "N-Triples", "application/rdf+xml": "RDF/XML"}


def split_extension(path: str) -> tuple[str, str | None]:
    """``('concept/leerroute/B', 'text/turtle')`` for ``concept/leerroute/B.ttl``; no known extension → None.

    >>> split_extension("persoon/ab12.jsonld")
    ('persoon/ab12', 'application/ld+json')
    >>> split_extension("concept/niveau/B1")
    ('concept/niveau/B1', None)
    """
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in EXTENSIONS:
        return stem, EXTENSIONS[ext]
    return path, None


def error_page(request: Request, status: int, message: str) -> Response:
    runtime: Runtime = request.app.state.runtime
    if choose(request.headers.get("accept"), [HTML, "text/plain"]) == HTML:
        return runtime.templates.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                                  status_code=status, headers={"Vary": "Accept"})
    return Response(message + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Vary": "Accept"})


def _alternates(doc_path: str) -> list[dict[str, str]]:
    return [{"media": media, "name": FORMAT_NAMES[media], "href": f"{doc_path}.{ext}"}
            for ext, media in EXTENSIONS.items()]


def alternates_link(doc_path: str, media: str, *, extensions: dict[str, str] = EXTENSIONS) -> str:
    """The ``Link`` header naming the other formats of a document (``rel="alternate"``, RFC 8288).

    >>> alternates_link("/def", "text/turtle", extensions={"ttl": "text/turtle", "nt": "application/n-triples"})
    '</def.nt>; rel="alternate"; type="application/n-triples"'
    """
    return ", ".join(f'<{doc_path}.{ext}>; rel="alternate"; type="{other}"'
                     for ext, other in extensions.items() if other != media)


def _render(runtime: Runtime, rewriter: Rewriter, iri: str, triples: list[Triple], media: str,
            doc_path: str) -> bytes:
    if media != HTML:
        return serialize_triples(triples, media, rewriter=rewriter, main=iri)
    html = runtime.templates.get_template("resource.html").render(
        page=resource_view(iri, triples), alternates=_alternates(doc_path))
    return rewriter.text_to_local(html).encode("utf-8")


#: Public pages remembered per store generation (a few kB each; the set is emptied when full).
MAX_PUBLIC_PAGES = 2048


def _public_page(runtime: Runtime, rewriter: Rewriter, iri: str, media: str, doc_path: str) -> tuple[bytes, int] | None:
    """A page as the public sees it, remembered per store generation (``sparql.derived``): the ontology,
    concepts and shapes do not change while a read-only store is served. ``None`` on other stores."""
    store = runtime.store
    if not isinstance(store, EmbeddedStore):
        return None

    def render() -> tuple[bytes, int]:
        triples = describe_local(runtime, PUBLIC, iri) or []
        return (_render(runtime, rewriter, iri, triples, media, doc_path) if triples else b""), len(triples)

    pages: dict[tuple[str, ...], tuple[bytes, int]] = derived(store, ("public-pages",), dict)
    key = (iri, media, doc_path, rewriter.local, rewriter.base)
    page = pages.get(key)
    if page is None:
        page = render()
        if len(pages) >= MAX_PUBLIC_PAGES:
            pages.clear()
        pages[key] = page
    return page


def not_found(request: Request, runtime: Runtime, scope: AccessScope, rewriter: Rewriter, iri: str) -> Response:
    """Nothing readable about ``iri``. Instance data needs a token (401), one with municipalities (403); the
    same answer whether the thing exists or not. Out of a token's municipalities it is simply not found (404).
    (Issue 6.)"""
    if iri.startswith(runtime.settings.base_iri.rstrip("/") + "/id/"):
        if scope.role == "public":
            raise AuthenticationRequired(f"{rewriter.to_local(iri)}: instance data needs a bearer token")
        if not scope.may_read_instance_data:
            raise AccessError(f"{rewriter.to_local(iri)}: this token may not read instance data")
    return error_page(request, 404, f"nothing is known about {rewriter.to_local(iri)}")


async def dossier_page(request: Request, page: Page, iri: str, doc_path: str) -> Response:
    """A person's page for a case worker (``dossier_view``): key facts, the trajectory as a chart, exams and
    decisions; special-category facts only when the scope may read them."""
    runtime, scope, rewriter = page.runtime, page.scope, page.rewriter
    if not scope.may_read_instance_data:  # the same 401/403 as any instance document, before any query
        return not_found(request, runtime, scope, rewriter, iri)
    if holds_local(runtime, scope, iri) is False:  # nothing in the caller's graphs: no query (finding 3)
        audit.note_access(resource=iri, result_count=0, protected=True)
        return not_found(request, runtime, scope, rewriter, iri)
    try:
        facts = await read_facts(runtime, scope, iri)
    except QueryError as exc:
        return error_page(request, 404 if "not a valid IRI" in str(exc) else 500, str(exc))
    audit.note_access(resource=iri, result_count=len(facts.resources) if facts else 0, protected=True)
    if facts is None:
        return not_found(request, runtime, scope, rewriter, iri)
    view = dossier_view(facts, today=date.today())
    html = runtime.templates.get_template("dossier.html").render(
        view=view, timeline=Markup(view.timeline), special_visible=scope.special_categories,
        alternates=[a for a in _alternates(doc_path) if a["media"] != HTML])
    return text_response(rewriter.text_to_local(html).encode("utf-8"), HTML, request=request,
                         headers={"Link": alternates_link(doc_path, HTML)})


async def serve_description(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: Rewriter,
                            iri: str, doc_path: str, forced: str | None) -> Response:
    """The document about ``iri``: HTML or RDF by ``forced`` (an extension) or by ``Accept``."""
    media = forced or choose(request.headers.get("accept"), DOC_TYPES)
    if media is None:
        return error_page(request, 406, "this document is available as " + ", ".join(DOC_TYPES))
    headers = {"Link": alternates_link(doc_path, media)}
    try:
        page = _public_page(runtime, rewriter, iri, media, doc_path) if scope == PUBLIC else None
        if page is not None and page[1]:
            audit.note_access(resource=iri, result_count=page[1], protected=False)
            return text_response(page[0], media, request=request, headers=headers)
        triples = await describe(runtime, scope, iri)
    except QueryError as exc:
        return error_page(request, 404 if "not a valid IRI" in str(exc) else 500, str(exc))
    audit.note_access(resource=iri, result_count=len(triples), protected=scope.role != "public")
    if not triples:
        return not_found(request, runtime, scope, rewriter, iri)
    return text_response(_render(runtime, rewriter, iri, triples, media, doc_path), media, request=request,
                         headers=headers)


@router.get("/id/{path:path}", name="thing")
async def thing(path: str, request: Request) -> Response:
    """A thing is not a document: 303 See Other to the document about it."""
    target = "/doc/" + path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


#: Documents about persons get the dossier page as their HTML.
PERSON_DOCS = "persoon/"


@router.get("/doc/{path:path}", name="document")
async def document(path: str, request: Request, page: PageDep) -> Response:
    ref, forced = split_extension(path)
    iri = page.rewriter.production_for_path("/id/" + ref)
    if ref.startswith(PERSON_DOCS) and (forced or choose(request.headers.get("accept"), DOC_TYPES)) == HTML:
        return await dossier_page(request, page, iri, f"/doc/{ref}")
    return await serve_description(request, page.runtime, page.scope, page.rewriter, iri, f"/doc/{ref}", forced)


_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


def _is_version_iri(runtime: Runtime, iri: str) -> bool:
    """Whether the published ontology has ``iri`` as its ``owl:versionIRI``."""
    graph = public_graph(runtime.settings.base_iri, "ontology")
    ask = f"ASK {{ GRAPH <{graph}> {{ ?o <http://www.w3.org/2002/07/owl#versionIRI> <{iri}> }} }}"
    return bool(derived(runtime.store, ("version-iri", iri), lambda: bool(runtime.store.query(ask))))


@router.get("/def/{term}", name="term")
async def term(term: str, request: Request, page: PageDep) -> Response:
    """A vocabulary term (a slash IRI that names a term) answers with its description directly; the
    ontology's version IRI (``/def/0.1.0``) with the ontology, as ``/def`` does."""
    ref, forced = split_extension(term)
    iri = page.rewriter.production_for_path("/def/" + ref)
    if _VERSION.fullmatch(ref) and forced is None and _is_version_iri(page.runtime, iri):
        from inburgering.service.routers.documents import ontology

        return await ontology(request, page.runtime, page.scope, page.rewriter)
    return await serve_description(request, page.runtime, page.scope, page.rewriter, iri, f"/def/{ref}", forced)


@router.get("/shapes/{name}", name="shape")
async def shape(name: str, request: Request, page: PageDep) -> Response:
    ref, forced = split_extension(name)
    iri = page.rewriter.production_for_path("/shapes/" + ref)
    return await serve_description(request, page.runtime, page.scope, page.rewriter, iri, f"/shapes/{ref}",
                                   forced)
