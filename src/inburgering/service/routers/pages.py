"""HTML pages: the landing page, the query page (YASGUI and the saved queries) and concept-scheme browsing."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from inburgering.namespaces import SCHEME
from inburgering.service.cookbook import bound_query, load_cookbook
from inburgering.service.deps import RewriterDep, RuntimeDep, ScopeDep
from inburgering.service.describe import select
from inburgering.service.negotiation import HTML
from inburgering.service.rdfresponse import text_response

router = APIRouter()

_COUNTS = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(DISTINCT ?c) AS ?classes) (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?s) AS ?schemes)
WHERE { { ?c a owl:Class FILTER(isIRI(?c)) } UNION { VALUES ?pt { owl:ObjectProperty owl:DatatypeProperty }
        ?p a ?pt } UNION { ?s a skos:ConceptScheme } }"""

_SCHEMES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?scheme (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?c) AS ?count)
WHERE { ?scheme a skos:ConceptScheme .
        OPTIONAL { ?scheme skos:prefLabel|rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "nl") || LANG(?l) = "") }
        OPTIONAL { ?c skos:inScheme ?scheme } }
GROUP BY ?scheme"""


def render(request: Request, runtime: RuntimeDep, rewriter: RewriterDep, name: str, **context: object) -> Response:
    html = runtime.templates.get_template(name).render(request=request, **context)
    return text_response(rewriter.text_to_local(html).encode("utf-8"), HTML, request=request)


@router.get("/", name="landing")
async def landing(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    row = next(iter(await select(runtime, scope, _COUNTS)))
    counts = {name: int(row[name].value) if row[name] is not None else 0
              for name in ("classes", "properties", "schemes")}
    return render(request, runtime, rewriter, "landing.html", counts=counts)


@router.get("/query", name="query_page")
async def query_page(request: Request, runtime: RuntimeDep, rewriter: RewriterDep) -> Response:
    today = date.today()
    queries = [{**q.as_dict(), "example_query": bound_query(q, {}, today=today)[0]} for q in load_cookbook()]
    return render(request, runtime, rewriter, "query.html", queries=queries, today=today.isoformat(),
                  timeout=f"{runtime.settings.query_timeout_s:g}", max_results=runtime.settings.max_results)


@router.get("/schemes", name="schemes")
async def schemes(request: Request, runtime: RuntimeDep, scope: ScopeDep, rewriter: RewriterDep) -> Response:
    rows = []
    for solution in await select(runtime, scope, _SCHEMES):
        iri = solution["scheme"].value
        label = solution["label"].value if solution["label"] is not None else iri.removeprefix(SCHEME)
        rows.append({"iri": iri, "label": label, "count": int(solution["count"].value)})
    # Sorted here: Virtuoso refuses ORDER BY over an aggregate's alias ("SP031: ?label is used … outside
    # aggregate"), and the list is short.
    rows.sort(key=lambda row: (str(row["label"]).lower(), str(row["iri"])))
    return render(request, runtime, rewriter, "schemes.html", schemes=rows)
