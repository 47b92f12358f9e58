"""DCAT-AP 3.0.1 and DCAT-AP-NL 3.0 on the dataset metadata as ``/dataset`` serves it: no violation, and exactly
the warnings explained in docs/service.md ("Conformance to the profiles").

Embedded store only: the metadata is a function of the base IRI and the triple counts, the same on every backend,
and the service tests (tests/service) already serve ``/dataset`` from the Oxigraph server and Virtuoso.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from profile_check import count, in_scheme, summary, validate_profile
from pyoxigraph import RdfFormat, serialize
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from inburgering.service.app import create_app
from inburgering.service.dcat import ACCESS, DATA_THEME, EU_LANG, NETHERLANDS
from inburgering.service.metadata import dataset_description
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store

#: Every warning that remains, per (focus types, path, constraint), with the reason docs/service.md gives.
DCAT_AP_WARNINGS = {
    ("Agent,Organization", "type", "MinCountConstraintComponent"): "ADMS publisher-type list not vendored",
    ("LicenseDocument", "type", "MinCountConstraintComponent"): "ADMS licence-type list not vendored",
    ("Catalog", "publisher", "NodeConstraintComponent"): "publisher is not an EU corporate body",
    ("DataService", "publisher", "NodeConstraintComponent"): "publisher is not an EU corporate body",
    ("Dataset,Dataset", "publisher", "NodeConstraintComponent"): "publisher is not an EU corporate body",
    ("Catalog", "issued", "MinCountConstraintComponent"): "the first publication date is not kept",
    ("Catalog", "distribution", "MinCountConstraintComponent"): "a catalogue (a dataset in DCAT 3) has none",
    ("Dataset,Dataset", "distribution", "MinCountConstraintComponent"): "personal data: no download",
    ("Catalog", "temporal", "MinCountConstraintComponent"): "the model has no time span",
    ("Dataset,Dataset", "temporal", "MinCountConstraintComponent"): "the model has no time span",
    ("PeriodOfTime", "endDate", "MinCountConstraintComponent"): "the data period is open-ended",
    ("Location", "bbox", "MinCountConstraintComponent"): "a country IRI, no geometry",
    ("Location", "centroid", "MinCountConstraintComponent"): "a country IRI, no geometry",
    ("Distribution", "availability", "MinCountConstraintComponent"): "planned-availability list not vendored",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graph]:
    """``GET /dataset`` as Turtle from a store loaded with the project's own public graphs."""
    folder = tmp_path_factory.mktemp("profiles") / "store"
    store = open_store(str(folder))
    load_public_graphs(store, base=Settings().base_iri)
    store.close()
    with TestClient(create_app(Settings(store=str(folder)))) as client:  # type: ignore[call-arg]
        response = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    yield Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("profile", ["DCAT-AP 3.0.1", "DCAT-AP-NL 3.0"])
def test_dataset_metadata_has_no_violation(served: Graph, profile: str) -> None:
    results = validate_profile(profile, served)
    assert [r for r in results if r.severity == "Violation"] == []


def test_dcat_ap_warnings_are_the_explained_ones(served: Graph) -> None:
    warnings = summary(validate_profile("DCAT-AP 3.0.1", served), "Warning")
    assert set(warnings) == set(DCAT_AP_WARNINGS), "a new or a stale warning: explain it in docs/service.md"


def test_dcat_ap_nl_has_no_warning(served: Graph) -> None:
    assert count(validate_profile("DCAT-AP-NL 3.0", served), "Warning") == 0


def test_themes_are_eu_data_themes_and_coded_values_are_in_the_vendored_lists(served: Graph) -> None:
    themes = set(served.objects(None, DCAT.theme))
    assert themes and themes <= in_scheme(DATA_THEME)
    for prop, scheme in ((DCTERMS.language, EU_LANG.rstrip("/")), (DCTERMS.accessRights, ACCESS.rstrip("/")),
                         (DCTERMS.spatial, NETHERLANDS.rsplit("/", 1)[0])):
        used = set(served.objects(None, prop))
        assert used and used <= in_scheme(scheme), f"{prop}: add the value to eu-authority/extract-…ttl"


def test_one_licence_story() -> None:
    """The ontology, every distribution and the service carry the same licence (CC0 1.0)."""
    from inburgering.paths import ONTOLOGY_DIR

    ontology = Graph().parse(ONTOLOGY_DIR / "inburgering.ttl")
    metadata = _graph(dataset_description(base="https://data.example.org"))
    licences = set(metadata.objects(None, DCTERMS.license)) | set(ontology.objects(None, DCTERMS.license))
    assert licences == {URIRef("http://creativecommons.org/publicdomain/zero/1.0/deed.nl")}


def _graph(triples: list) -> Graph:  # type: ignore[type-arg]
    return Graph().parse(data=serialize(triples, format=RdfFormat.TURTLE).decode(), format="turtle")


def _metadata_without(predicate: URIRef, subject_type: URIRef) -> Graph:
    g = _graph(dataset_description(base="https://data.example.org"))
    for subject in list(g.subjects(RDF.type, subject_type)):
        g.remove((subject, predicate, None))
    return g


@pytest.mark.parametrize(("profile", "predicate", "subject_type"), [
    ("DCAT-AP 3.0.1", DCTERMS.title, DCAT.DataService),  # the defect the issue found
    ("DCAT-AP-NL 3.0", DCTERMS.identifier, DCAT.Dataset),
    ("DCAT-AP-NL 3.0", DCAT.endpointDescription, DCAT.DataService),
    ("DCAT-AP-NL 3.0", DCAT.contactPoint, DCAT.Catalog),
])
def test_a_missing_mandatory_property_is_a_violation(profile: str, predicate: URIRef, subject_type: URIRef) -> None:
    results = validate_profile(profile, _metadata_without(predicate, subject_type))
    assert any(r.severity == "Violation" and r.path == str(predicate).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
               for r in results)


def test_a_theme_outside_the_eu_list_is_reported() -> None:
    g = _graph(dataset_description(base="https://data.example.org"))
    service = next(g.subjects(RDF.type, DCAT.DataService))
    g.set((service, DCAT.theme, URIRef("http://standaarden.overheid.nl/owms/terms/Integratie")))
    results = validate_profile("DCAT-AP-NL 3.0", g)
    assert any(r.severity == "Violation" and r.path == "theme" for r in results)
