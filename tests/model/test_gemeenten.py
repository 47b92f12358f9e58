"""The published list of municipalities: generated from the vendored TOOI register, complete for 2026 as far as
that register goes, every municipality with its GM code and name, and published in the concepts graph."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdf_ns
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from inburgering.errors import SourceError
from inburgering.generate.ggm_extra import _AZC
from inburgering.generate.people import GEMEENTEN
from inburgering.generate.run import part_gemeenten
from inburgering.model import gemeenten
from inburgering.model.vocab import INB, TOOI
from inburgering.namespaces import gemeente_iri, public_graph
from inburgering.service.publish import load_public_graphs
from inburgering.store import open_store

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "duo.jsonl"


@pytest.fixture(scope="module")
def listed() -> Graph:
    return Graph().parse(gemeenten.OUT_FILE, format="turtle")


def _municipalities(g: Graph) -> dict[str, URIRef]:
    """GM code → IRI of every municipality in ``g``."""
    return {str(g.value(s, DCTERMS.identifier)): s for s in g.subjects(RDF.type, TOOI.Gemeente)}  # type: ignore[misc]


def test_the_committed_list_is_what_the_vendored_register_generates(tmp_path: Path) -> None:
    out = tmp_path / "gemeenten.ttl"
    assert gemeenten.write_gemeenten(gemeenten.SOURCE_FILE, out) == 346
    assert out.read_text(encoding="utf-8") == gemeenten.OUT_FILE.read_text(encoding="utf-8")


def test_the_vendored_register_is_the_file_its_provenance_names() -> None:
    readme = (gemeenten.REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(gemeenten.SOURCE_FILE.read_bytes()).hexdigest()
    assert digest in readme
    assert "rwc_gemeenten_compleet/4" in readme and "2022-12-22" in readme


def test_342_municipalities_exist_and_4_ended_since_the_law_took_effect(listed: Graph) -> None:
    found = _municipalities(listed)
    ended = {code for code, iri in found.items() if listed.value(iri, TOOI.einddatum) is not None}
    assert len(found) - len(ended) == 342
    assert ended == {"GM0457", "GM0501", "GM0530", "GM0614"}  # Weesp; Brielle, Hellevoetsluis, Westvoorne
    assert all(listed.value(found[c], TOOI.einddatum).toPython().year == 2022 for c in ended)  # type: ignore[union-attr]
    assert "GM0003" not in found  # Appingedam ended 2020-12-31, before the Wet inburgering 2021


def test_every_municipality_has_its_tooi_iri_gm_code_and_name(listed: Graph) -> None:
    for code, iri in _municipalities(listed).items():
        assert re.fullmatch(r"GM\d{4}", code) and iri == URIRef(gemeente_iri(code))
        assert listed.value(iri, SKOS.notation) == Literal(code, datatype=INB.Gemeentecode)
        assert str(listed.value(iri, TOOI.gemeentecode)) == code[2:]
        labels = list(listed.objects(iri, RDFS.label))
        assert len(labels) == 1 and labels[0].language == "nl" and str(labels[0]).strip(), code  # type: ignore[union-attr]
    assert str(listed.value(URIRef(gemeente_iri("GM0363")), RDFS.label)) == "Amsterdam"
    den_haag = URIRef(gemeente_iri("GM0518"))
    assert (str(listed.value(den_haag, RDFS.label)), str(listed.value(den_haag, TOOI.officieleNaamExclSoort))) == \
        ("Den Haag", "'s-Gravenhage")
    assert str(listed.value(URIRef(gemeente_iri("GM1992")), TOOI.begindatum)) == "2023-01-01"  # Voorne aan Zee


def test_the_gm_code_datatype_is_defined_and_fits_every_code(model_graph: Graph, listed: Graph) -> None:
    restriction = model_graph.value(INB.Gemeentecode, OWL.equivalentClass)
    assert model_graph.value(restriction, OWL.onDatatype) == rdf_ns.XSD.string
    facets = list(model_graph.items(model_graph.value(restriction, OWL.withRestrictions)))
    pattern = str(model_graph.value(facets[0], rdf_ns.XSD.pattern))
    notations = [str(n) for n in listed.objects(None, SKOS.notation)]
    assert len(notations) == 346 and all(re.fullmatch(pattern.strip("^$"), n) for n in notations)
    assert not re.fullmatch(pattern.strip("^$"), "gm0363")


def test_the_generators_real_codes_are_listed_and_its_synthetic_ones_are_not(listed: Graph) -> None:
    found = _municipalities(listed)
    sample = {json.loads(line)["gemeente"] for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line}
    real = {code for code, _ in GEMEENTEN} | set(_AZC) | sample
    assert sorted(real - set(found)) == []
    synthetic = set(part_gemeenten(2)) | set(part_gemeenten(3))
    assert min(synthetic) >= "GM5000" and not synthetic & set(found)


def test_a_register_without_its_description_or_with_a_bad_code_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.json"
    bare.write_text("[]", encoding="utf-8")
    with pytest.raises(SourceError, match="expected one"):
        gemeenten.read_register(bare)
    items = json.loads(gemeenten.SOURCE_FILE.read_text(encoding="utf-8"))
    broken = next(i for i in items if i["@id"].endswith("/gm0363"))
    broken[str(TOOI.gemeentecode)] = [{"@value": "363"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(items), encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        gemeenten.read_register(bad)
    assert "gm0363" in str(caught.value) and "bad.json" in str(caught.value)


def test_the_list_is_published_in_the_concepts_graph(tmp_path: Path) -> None:
    """A consumer finds the name and code of the municipality an instance IRI names, without a token."""
    store = open_store(str(tmp_path / "store"))
    base = "https://data.example.org"
    report = load_public_graphs(store, base=base)
    concepts = public_graph(base, "concepts")
    assert str(gemeenten.OUT_FILE) in report.files[concepts]
    query = (f"PREFIX dct: <{DCTERMS}> PREFIX rdfs: <{RDFS}> SELECT ?naam ?code WHERE {{ GRAPH <{concepts}> "
             f"{{ <{gemeente_iri('GM0599')}> rdfs:label ?naam ; dct:identifier ?code }} }}")
    result = store.query(query)
    assert isinstance(result, QuerySolutions)
    assert [(s["naam"].value, s["code"].value) for s in result] == [("Rotterdam", "GM0599")]
    ontology = public_graph(base, "ontology")
    assert str(gemeenten.OUT_FILE) not in report.files[ontology]
    store.close()


def test_the_concepts_graph_with_the_municipalities_still_passes_nl_sbb() -> None:
    """The published concepts graph holds the schemes and this list: NL-SBB finds nothing in the two together."""
    from profile_check import validate_profile

    g = Graph().parse(gemeenten.OUT_FILE, format="turtle").parse(gemeenten.ONTOLOGY_DIR / "concepts.ttl")
    assert validate_profile("NL-SBB", g) == []


def test_the_doctests_of_the_module_run() -> None:
    import doctest

    result = doctest.testmod(gemeenten)
    assert result.attempted > 0 and result.failed == 0
