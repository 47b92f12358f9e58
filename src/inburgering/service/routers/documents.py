"""Whole documents: the ontology (``/def``, ``/ontology.ttl``), dataset metadata (``/dataset``) and dumps."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from inburgering.namespaces import public_graph
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.describe import construct, iri_term, select
from inburgering.service.metadata import DOWNLOADS, catalog_iri
from inburgering.service.negotiation import EXTENSIONS, HTML, RDF_TYPES, choose
from inburgering.service.rdfresponse import rdf_response
from inburgering.service.routers.pages import render
from inburgering.service.routers.resources import DOC_TYPES, error_page, serve_description
from inburgering.service.view import curie

router = APIRouter()

#: Dumps are the service's own bounded queries over public graphs; they may be larger than a user query.
DUMP_LIMIT = 5_000_000

_TERMS = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?type (SAMPLE(?l) AS ?label) FROM %(graph)s
WHERE { ?term a ?type FILTER(?type IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty) && isIRI(?term))
        OPTIONAL { ?term rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "nl") || LANG(?l) = "") } }
GROUP BY ?term ?type"""
_GROUP_TITLES = {"Class": "Klassen", "ObjectProperty": "Relaties", "DatatypeProperty": "Attributen"}


async def graph_dump(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep,
                     name: str, media: str) -> Response:
    graph = public_graph(runtime.settings.base_iri, name)
    query = f"CONSTRUCT {{ ?s ?p ?o }} FROM {iri_term(graph)} WHERE {{ ?s ?p ?o }}"
    triples = await construct(runtime, scope, query, max_results=DUMP_LIMIT)
    ext = next(e for e, m in EXTENSIONS.items() if m == media)
    return rdf_response(triples, media, request=request, rewriter=rewriter,
                        headers={"Content-Disposition": f'inline; filename="{name}.{ext}"'})


async def _ontology_page(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    graph = iri_term(public_graph(runtime.settings.base_iri, "ontology"))
    groups: dict[str, list[dict[str, str]]] = {key: [] for key in _GROUP_TITLES}
    for row in await select(runtime, scope, _TERMS % {"graph": graph}):
        iri = row["term"].value
        label = row["label"].value if row["label"] is not None else curie(iri)
        groups[row["type"].value.rpartition("#")[2]].append({"iri": iri, "label": label, "curie": curie(iri)})
    for terms in groups.values():  # sorted here: Virtuoso refuses ORDER BY over an aggregate's alias (SP031)
        terms.sort(key=lambda term: (term["label"].lower(), term["iri"]))
    return render(request, runtime, rewriter, "ontology.html",
                  groups=[{"title": _GROUP_TITLES[k], "terms": v} for k, v in groups.items()])


@router.get("/def", name="ontology")
async def ontology(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    media = choose(request.headers.get("accept"), DOC_TYPES)
    if media is None:
        return error_page(request, 406, "the ontology is available as " + ", ".join(DOC_TYPES))
    if media == HTML:
        return await _ontology_page(request, runtime, scope, rewriter)
    return await graph_dump(request, runtime, scope, rewriter, "ontology", media)


@router.get("/def.{ext}", name="ontology_file")
async def ontology_file(ext: str, request: Request, runtime: RuntimeDep, scope: ScopeDep,
                        rewriter: RewriterDep) -> Response:
    media = EXTENSIONS.get(ext)
    if media is None:
        return error_page(request, 404, f"no ontology document with extension .{ext}")
    if media == HTML:
        return await _ontology_page(request, runtime, scope, rewriter)
    return await graph_dump(request, runtime, scope, rewriter, "ontology", media)


@router.get("/ontology.ttl", name="ontology_turtle")
async def ontology_turtle(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    return await graph_dump(request, runtime, scope, rewriter, "ontology", "text/turtle")


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
    return await graph_dump(request, runtime, scope, rewriter, name, media)


@router.get("/dataset", name="dataset")
async def dataset(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    """DCAT-AP-NL and VoID: the whole metadata graph as RDF, or the catalogue's page for a browser."""
    media = choose(request.headers.get("accept"), DOC_TYPES)
    if media == HTML:
        iri = catalog_iri(runtime.settings.base_iri)
        return await serve_description(request, runtime, scope, rewriter, iri, "/doc/catalogus/inburgering", HTML)
    if media is None or media not in RDF_TYPES:
        return error_page(request, 406, "the metadata is available as " + ", ".join(DOC_TYPES))
    return await graph_dump(request, runtime, scope, rewriter, "dataset", media)


@router.get("/.well-known/void", name="void")
async def well_known_void() -> Response:
    return RedirectResponse("/dataset", status_code=303)
