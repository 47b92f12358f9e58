"""HTML pages, dataset metadata (VoID, DCAT-AP-NL), dumps, and loading the project's real public graphs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse
from rdflib import Graph, URIRef

from inburgering.namespaces import DCAT, DCT, VOID
from inburgering.paths import ONTOLOGY_DIR, SHAPES_DIR
from inburgering.service.cookbook import load_cookbook
from inburgering.service.publish import load_public_graphs
from inburgering.store import open_store

ACCESS = "http://publications.europa.eu/resource/authority/access-right/"


def test_landing_page_links_everything(client: TestClient) -> None:
    html = client.get("/", headers={"Accept": "text/html"}).text
    for href in ('href="/def"', 'href="/schemes"', 'href="/query"', 'href="/dataset"', 'href="/downloads/"'):
        assert href in html
    assert "Wet inburgering 2021" in html
    assert "1 waardelijsten" in html  # counted from the concepts graph


def test_ontology_page_lists_the_terms_by_kind_and_label(client: TestClient) -> None:
    html = client.get("/def", headers={"Accept": "text/html"}).text
    assert "Plan Inburgering en Participatie" in html
    # classes first, each kind sorted by label
    order = [html.index(label) for label in ("Asielstatushouder", "Plan Inburgering en Participatie", "heeft PIP")]
    assert order == sorted(order)


def test_scheme_browsing(client: TestClient) -> None:
    html = client.get("/schemes").text
    assert 'href="http://testserver/id/scheme/leerroute"' in html
    scheme = client.get("/id/scheme/leerroute", headers={"Accept": "text/html"}).text
    for label in ("B1-route", "Onderwijsroute", "Z-route"):  # members, reached through skos:inScheme
        assert label in scheme


def test_query_page_has_yasgui_and_every_example(client: TestClient) -> None:
    html = client.get("/query").text
    assert "/static/yasgui/yasgui.min.js" in html
    for example in load_cookbook():
        assert example.title.nl in html
    assert client.get("/static/yasgui/yasgui.min.js").status_code == 200
    assert "MIT" in client.get("/static/yasgui/LICENSE.txt").text


def test_dcat_and_void_metadata(client: TestClient) -> None:
    response = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    g = Graph().parse(data=response.text, format="turtle")
    rights = {str(o) for o in g.objects(None, DCT_ACCESS)}
    assert rights == {ACCESS + "PUBLIC", ACCESS + "RESTRICTED", ACCESS + "NON_PUBLIC"}  # the service: RESTRICTED
    datasets = set(g.subjects(RDF_TYPE, DCAT_DATASET))
    assert len(datasets) == 2
    dumps = {str(o) for o in g.objects(None, VOID_DUMP)}
    assert "http://testserver/downloads/concepts.ttl" in dumps
    assert client.get("/.well-known/void", follow_redirects=False).headers["location"] == "/dataset"
    assert "Catalogus inburgering" in client.get("/dataset", headers={"Accept": "text/html"}).text


@pytest.mark.parametrize("name", ["ontology", "concepts", "shapes", "dataset"])
def test_public_graph_dumps(client: TestClient, name: str) -> None:
    response = client.get(f"/downloads/{name}.ttl")
    assert response.status_code == 200
    assert list(parse(response.content, format=RdfFormat.TURTLE))
    nt = client.get(f"/downloads/{name}.nt")
    assert nt.headers["content-type"].startswith("application/n-triples")


def test_no_dump_of_other_graphs(client: TestClient) -> None:
    assert client.get("/downloads/meta.ttl").status_code == 404
    assert client.get("/downloads/gm0363.ttl").status_code == 404


# Embedded only: the remote servers hold this module's shared store meanwhile; the same load of the project's
# own model runs on every backend in tests/security/conftest.py (build_instance_store).
def test_loads_the_projects_own_model(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    report = load_public_graphs(store, base="https://data.example.org", ontology_dir=ONTOLOGY_DIR,
                                shapes_dir=SHAPES_DIR)
    store.close()
    counts = {graph.rsplit("/", 1)[1]: n for graph, n in report.triples.items()}
    assert counts["ontology"] > 100 and counts["concepts"] > 100 and counts["dataset"] > 50
    concepts = [Path(f) for f in report.files["https://data.example.org/graph/concepts"]]
    assert all("concept" in f.name or "reference" in f.parts for f in concepts)  # the schemes and the municipalities
    assert any(f.name == "gemeenten.ttl" for f in concepts)


RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_ACCESS = URIRef(DCT + "accessRights")
DCAT_DATASET = URIRef(DCAT + "Dataset")
VOID_DUMP = URIRef(VOID + "dataDump")
