"""Whole documents: the ontology (``/def``, ``/ontology.ttl``), dataset metadata (``/dataset``) and dumps."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from inburgering.namespaces import public_graph
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.describe import construct, iri_term, select
from inburgering.service.jsonld.context import CONTEXT_VERSION, published_text
from inburgering.service.metadata import DOWNLOADS, catalog_iri
from inburgering.service.negotiation import EXTENSIONS, HTML, RDF_TYPES, choose
from inburgering.service.rdfresponse import rdf_response, text_response
from inburgering.service.routers.pages import render
from inburgering.service.routers.resources import DOC_TYPES, alternates_link, error_page, serve_description
from inburgering.service.view import curie

router = APIRouter()
JSONLD = "application/ld+json"

#: Dumps are the service's own bounded queries over public graphs; they may be larger than a user query.
DUMP_LIMIT = 5_000_000

_TERMS = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?type (SAMPLE(?l) AS ?label) FROM %(graph)s
WHERE { ?term a ?type FILTER(?type IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty) && isIRI(?term))
        OPTIONAL { ?term rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "nl") || LANG(?l) = "") } }
GROUP BY ?term ?type"""
_GROUP_TITLES = {"Class": "Klassen", "ObjectProperty": "Relaties", "DatatypeProperty": "Attributen"}


#: The download files: every format but HTML.
FILE_TYPES = {ext: media for ext, media in EXTENSIONS.items() if media != HTML}


async def graph_dump(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep,
                     name: str, media: str, *, doc_path: str) -> Response:
    """A public graph as one document; ``Link`` names its other formats at ``{doc_path}.{ext}``."""
    graph = public_graph(runtime.settings.base_iri, name)
    query = f"CONSTRUCT {{ ?s ?p ?o }} FROM {iri_term(graph)} WHERE {{ ?s ?p ?o }}"
    triples = await construct(runtime, scope, query, max_results=DUMP_LIMIT)
    ext = next((e for e, m in EXTENSIONS.items() if m == media), "jsonld")  # application/json: the JSON-LD
    extensions = EXTENSIONS if doc_path == "/def" else FILE_TYPES
    return rdf_response(triples, media, request=request, rewriter=rewriter,
                        headers={"Content-Disposition": f'inline; filename="{name}.{ext}"',
                                 "Link": alternates_link(doc_path, media, extensions=extensions)})


async def _ontology_page(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    graph = iri_term(public_graph(runtime.settings.base_iri, "ontology"))
    groups: dict[str, list[dict[str, str]]] = {key: [] for key in _GROUP_TITLES}
    for row in await select(runtime, scope, _TERMS % {"graph": graph}):
        iri = row["term"].value
        label = row["label"].value if row["label"] is not None else curie(iri)
        groups[row["type"].value.rpartition("#")[2]].append({"iri": iri, "label": label, "curie": curie(iri)})
    for terms in groups.values():  # sorted here: Virtuoso refuses ORDER BY over an aggregate's alias (SP031)
        terms.sort(key=lambda term: (term["label"].lower(), term["iri"]))
    response = render(request, runtime, rewriter, "ontology.html",
                      groups=[{"title": _GROUP_TITLES[k], "terms": v} for k, v in groups.items()])
    response.headers["Link"] = alternates_link("/def", HTML)
    return response


@router.get("/def", name="ontology")
async def ontology(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    media = choose(request.headers.get("accept"), DOC_TYPES)
    if media is None:
        return error_page(request, 406, "the ontology is available as " + ", ".join(DOC_TYPES))
    if media == HTML:
        return await _ontology_page(request, runtime, scope, rewriter)
    return await graph_dump(request, runtime, scope, rewriter, "ontology", media, doc_path="/def")


@router.get("/def.{ext}", name="ontology_file")
async def ontology_file(ext: str, request: Request, runtime: RuntimeDep, scope: ScopeDep,
                        rewriter: RewriterDep) -> Response:
    media = EXTENSIONS.get(ext)
    if media is None:
        return error_page(request, 404, f"no ontology document with extension .{ext}")
    if media == HTML:
        return await _ontology_page(request, runtime, scope, rewriter)
    return await graph_dump(request, runtime, scope, rewriter, "ontology", media, doc_path="/def")


@router.get("/ontology.ttl", name="ontology_turtle")
async def ontology_turtle(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await graph_dump(request, runtime, scope, rewriter, "ontology", "text/turtle", doc_path="/def")


@router.get("/downloads", name="downloads_slash", include_in_schema=False)
async def downloads_slash() -> Response:
    """A relative redirect: Starlette's own slash redirect is off, since it named the request's Host."""
    return RedirectResponse("/downloads/", status_code=308)


@router.get("/downloads/", name="downloads")
async def downloads(request: Request, runtime: RuntimeDep, rewriter: RewriterDep) -> Response:
    items = [{"name": name, "nl": nl, "en": en} for name, nl, en in DOWNLOADS]
    return render(request, runtime, rewriter, "downloads.html", items=items)


@router.get("/downloads/{filename}", name="download")
async def download(filename: str, request: Request, runtime: RuntimeDep, scope: ScopeDep,
                   rewriter: RewriterDep) -> Response:
    name, _, ext = filename.rpartition(".")
    media = EXTENSIONS.get(ext)
    if name not in {n for n, _, _ in DOWNLOADS} or media is None or media == HTML:
        return error_page(request, 404, f"no download called {filename}")
    return await graph_dump(request, runtime, scope, rewriter, name, media, doc_path=f"/downloads/{name}")


@router.get("/dataset", name="dataset")
async def dataset(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    """DCAT-AP-NL and VoID: the whole metadata graph as RDF, or the catalogue's page for a browser."""
    media = choose(request.headers.get("accept"), DOC_TYPES)
    if media == HTML:
        iri = catalog_iri(runtime.settings.base_iri)
        return await serve_description(request, runtime, scope, rewriter, iri, "/doc/catalogus/inburgering", HTML)
    if media is None or media not in RDF_TYPES:
        return error_page(request, 406, "the metadata is available as " + ", ".join(DOC_TYPES))
    return await graph_dump(request, runtime, scope, rewriter, "dataset", media, doc_path="/downloads/dataset")


@router.get("/.well-known/void", name="void")
async def well_known_void() -> Response:
    return RedirectResponse("/dataset", status_code=303)


#: A published context never changes: caches may keep it for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


@router.get("/context/{name}", name="jsonld_context")
async def jsonld_context(name: str, request: Request, rewriter: RewriterDep) -> Response:
    """A published JSON-LD context version (``/context/v1.jsonld``): the frozen file, byte for byte."""
    version = name.removeprefix("v").removesuffix(".jsonld")
    if not (name.startswith("v") and name.endswith(".jsonld") and version.isdigit()):
        return error_page(request, 404, f"no context called {name}: the contexts are /context/v1.jsonld, …")
    try:
        text = published_text(int(version))
    except FileNotFoundError:
        return error_page(request, 404, f"context version {version} is not published")
    return _context_response(request, rewriter, text, headers={"Cache-Control": IMMUTABLE})


@router.get("/context.jsonld", name="jsonld_context_current")
async def jsonld_context_current(request: Request, rewriter: RewriterDep) -> Response:
    """The current context; ``Content-Location`` names its version, the IRI documents should cite."""
    path = f"/context/v{CONTEXT_VERSION}.jsonld"
    return _context_response(request, rewriter, published_text(), headers={"Content-Location": path})


def _context_response(request: Request, rewriter: RewriterDep, text: str, *, headers: dict[str, str]) -> Response:
    media = choose(request.headers.get("accept"), [JSONLD, "application/json"])
    if media is None:
        return error_page(request, 406, "a context is available as application/ld+json")
    return text_response(rewriter.text_to_local(text).encode("utf-8"), media, request=request, headers=headers)
