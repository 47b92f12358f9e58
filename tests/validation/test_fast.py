"""The fast validation path gives exactly pySHACL's results: on a feature suite of its own, on the project's
shapes over the whole shapes fixture suite (``tests/shapes/``), and on generated data.

Results are compared as multisets of (focus node, path, value, source shape, severity, constraint component).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import NamedNode, RdfFormat, Store

from inburgering.errors import SourceError
from inburgering.validation.fast import load_shapes, validate_fast
from inburgering.validation.fast_compare import compare, pyshacl_keys
from inburgering.validation.fast_validators import (
    CONTEXT_GRAPH,
    ONTOLOGY_GRAPH,
    FastValidator,
    context_quad,
    ontology_files,
    shapes_store,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "shapes"
REFERENCE_DATE = dt.date(2026, 11, 25)

FEATURE_SHAPES = r"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:pfx sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ; sh:minLength 2 ] ;
  sh:property [ sh:path ex:born ; sh:datatype xsd:date ; sh:severity sh:Warning ] ;
  sh:property [ sh:path ex:score ; sh:pattern "^\\d{1,3},\\d{2}$" ] ;
  sh:property [ sh:path ex:route ; sh:in ( ex:B ex:O ex:Z ) ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path ex:age ; sh:minInclusive 16 ; sh:maxExclusive 120 ; sh:datatype xsd:integer ] ;
  sh:property [ sh:path ex:pip ; sh:class ex:PIP ; sh:node ex:PipShape ] ;
  sh:property [ sh:path [ sh:inversePath ex:owner ] ; sh:maxCount 1 ] ;
  sh:property [ sh:path ( ex:pip ex:date ) ; sh:maxCount 1 ] ;
  sh:property [ sh:path ex:nick ; sh:minCount 2 ; sh:uniqueLang true ] ;
  sh:property [ sh:path ex:start ; sh:lessThan ex:end ; sh:disjoint ex:end ] ;
  sh:property [ sh:path ex:tag ; sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:boolean ] ) ] ;
  sh:property [ sh:path ex:alt ; sh:not [ sh:hasValue ex:Bad ] ; sh:xone ( [ sh:hasValue ex:Good ] [ sh:hasValue ex:Bad ] ) ] ;
  sh:property [ sh:path ex:route ; sh:qualifiedValueShape [ sh:hasValue ex:B ] ; sh:qualifiedMinCount 1 ] ;
  sh:sparql [ a sh:SPARQLConstraint ; sh:prefixes ex:pfx ; sh:message "begin {?b} na einde"@nl ;
     sh:select "SELECT $this ?value ?b WHERE { $this ex:start ?b . $this ex:end ?value . FILTER(?value < ?b) }" ] ;
  sh:sparql [ sh:prefixes ex:pfx ;
     sh:select "SELECT $this (COUNT(?n) AS ?c) WHERE { $this ex:nick ?n } GROUP BY $this HAVING (COUNT(?n) > 1)" ] .
ex:PipShape a sh:NodeShape ; sh:property [ sh:path ex:date ; sh:minCount 1 ; sh:datatype xsd:date ] .
ex:PipTarget a sh:NodeShape ; sh:targetClass ex:PIP ; sh:severity sh:Info ; sh:closed true ;
  sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) ;
  sh:property [ sh:path ex:date ] ;
  sh:sparql [ sh:prefixes ex:pfx ; sh:select "SELECT $this WHERE { FILTER NOT EXISTS { ?p ex:pip $this } }" ] .
ex:Labelled a sh:NodeShape ; sh:targetSubjectsOf ex:label ;
  sh:property [ sh:path ex:label ; sh:languageIn ( "nl" "en" ) ; sh:maxLength 5 ; sh:equals ex:title ] .
ex:Nodes a sh:NodeShape ; sh:targetNode ex:a, ex:nothing ; sh:nodeKind sh:BlankNode ; sh:hasValue ex:a .
ex:Employee rdfs:subClassOf ex:Person .
"""

FEATURE_DATA = """
@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:Person ; ex:name "Al", "Bo" ; ex:born "2023-02-30"^^xsd:date ; ex:score "7.5", "07,50" ;
  ex:route ex:X, "B" ; ex:age 15, 20, "x" ; ex:pip ex:p1, ex:p2 ; ex:nick "n"@nl, "m"@nl ;
  ex:start "2021-01-01"^^xsd:date ; ex:end "2020-01-01"^^xsd:date ; ex:tag 1, true, "s" ; ex:alt ex:Bad, ex:Good .
ex:o1 ex:owner ex:a . ex:o2 ex:owner ex:a .
ex:b a ex:Employee ; ex:name "B" ; ex:nick "a", "b" ; ex:route ex:B ; ex:start 1 ; ex:end 1 .
ex:p1 a ex:PIP ; ex:date "2020-01-01"^^xsd:date ; ex:extra 1 .
ex:p2 ex:date "nodate", "2020-01-02"^^xsd:date .
ex:p3 a ex:PIP .
ex:l ex:label "kort"@nl, "veel te lang"@de ; ex:title "kort"@nl, "anders" .
"""


def _reference(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None) -> list:
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none",
                                    allow_warnings=True, advanced=True)
    return pyshacl_keys(report, shapes)


def test_every_compiled_feature_matches_pyshacl() -> None:
    shapes = rdflib.Graph().parse(data=FEATURE_SHAPES, format="turtle")
    data = rdflib.Graph().parse(data=FEATURE_DATA, format="turtle")
    reference = _reference(data, shapes)

    shapes_ox, data_ox = Store(), Store()
    shapes_ox.load(FEATURE_SHAPES.encode(), format=RdfFormat.TURTLE)
    data_ox.load(FEATURE_DATA.encode(), format=RdfFormat.TURTLE, to_graph=NamedNode("http://example.org/g"))
    report = validate_fast(data_ox, shapes=shapes_ox)

    comparison = compare(reference, report.results)
    assert comparison.reference >= 25  # the suite exercises every component, so many results
    assert comparison.only_reference == () and comparison.only_fast == ()
    components = {r.component.value.rsplit("#", 1)[1] for r in report.results}
    assert len(components) >= 20


def test_a_shape_whose_target_classes_have_no_instance_runs_no_query() -> None:
    absent = "ex:Absent a sh:NodeShape ; sh:targetClass ex:Nobody ; sh:property [ sh:path ex:name ; sh:minCount 1 ] ."
    shapes, extended, data = Store(), Store(), Store()
    shapes.load(FEATURE_SHAPES.encode(), format=RdfFormat.TURTLE)
    extended.load((FEATURE_SHAPES + absent).encode(), format=RdfFormat.TURTLE)
    data.load(FEATURE_DATA.encode(), format=RdfFormat.TURTLE)

    plain, skipped = validate_fast(data, shapes=shapes), validate_fast(data, shapes=extended)
    assert skipped.queries == plain.queries
    assert sorted(r.key() for r in skipped.results) == sorted(r.key() for r in plain.results)

    # an instance of a subclass makes it a focus node, as for pySHACL
    data.load(b"<http://example.org/z> a <http://example.org/Somebody> . "
              b"<http://example.org/Somebody> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
              b"<http://example.org/Nobody> .", format=RdfFormat.TURTLE)
    found = validate_fast(data, shapes=extended)
    assert found.queries > plain.queries
    assert {str(r.focus) for r in found.results if r.rule.startswith("http://example.org/Absent")} == {
        "<http://example.org/z>"}


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*/*.ttl")) if FIXTURES.is_dir() else []


def _merged_fixtures() -> str:
    """Every conforming and violating fixture as one document, each fixture's IRIs moved under its own folder
    (so fixtures that reuse an IRI such as ``…/id/pip/p1-1`` stay apart)."""
    parts = []
    for path in _fixture_files():
        if path.name == "expected.ttl":
            continue
        folder = f"{path.parent.name}-{path.stem}"
        graph = rdflib.Graph().parse(path, format="turtle")
        text = graph.serialize(format="nt")
        parts.append(re.sub(r"<https://data\.example\.org/", f"<https://data.example.org/{folder}/", text))
    return "".join(parts)


def _both_engines(ntriples: str) -> tuple[list, object]:
    from inburgering.validation import load_ontology
    from inburgering.validation import load_shapes as load_shapes_rdflib
    from inburgering.validation.engine import with_context

    shapes = load_shapes_rdflib()
    data = with_context(rdflib.Graph().parse(data=ntriples, format="nt"), REFERENCE_DATE)
    reference = _reference(data, shapes, load_ontology())

    store = Store()
    for path in ontology_files():
        store.bulk_load(path=str(path), format=RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)
    store.load(ntriples.encode(), format=RdfFormat.N_TRIPLES, to_graph=NamedNode("urn:x-test:data"))
    store.add(context_quad(REFERENCE_DATE, CONTEXT_GRAPH))
    return reference, validate_fast(store, shapes=shapes_store())


def test_project_shapes_on_the_fixture_suite_match_pyshacl() -> None:
    if not _fixture_files():
        pytest.fail(f"the shapes fixture suite is missing at {FIXTURES}")
    reference, report = _both_engines(_merged_fixtures())
    comparison = compare(reference, report.results)  # type: ignore[attr-defined]
    assert comparison.reference > 0
    assert comparison.only_reference == () and comparison.only_fast == ()


def test_loader_validator_reports_the_fast_results_as_findings() -> None:
    if not _fixture_files():
        pytest.fail(f"the shapes fixture suite is missing at {FIXTURES}")
    data = Store()
    data.load(_merged_fixtures().encode(), format=RdfFormat.N_TRIPLES)
    validator = FastValidator()
    findings = validator([q.triple for q in data], reference_date=REFERENCE_DATE)
    assert validator.last is not None and len(findings) == len(validator.last.results) > 0
    assert all(f.severity in {"Violation", "Warning", "Info"} and f.rule for f in findings)  # type: ignore[attr-defined]
    rules = {f.rule for f in findings}  # type: ignore[attr-defined]
    assert "https://w3id.org/inburgering/shapes/PipNietVoorBeginPlicht" in rules


def test_feature_shapes_load_from_files(tmp_path: Path) -> None:
    (tmp_path / "s.ttl").write_text(FEATURE_SHAPES, encoding="utf-8")
    store = load_shapes([tmp_path / "s.ttl"])
    assert len(store) > 50


def test_validate_command_prints_the_same_report_with_either_engine(capsys: pytest.CaptureFixture[str]) -> None:
    from inburgering.cli import main

    violating = sorted(FIXTURES.glob("*/violating.ttl"))
    if not violating:
        pytest.fail(f"no violating fixture in {FIXTURES}")
    outputs = []
    for engine in ("pyshacl", "fast"):
        code = main(["validate", "--engine", engine, "--reference-date", REFERENCE_DATE.isoformat(),
                     str(violating[-1])])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0][0] == 1 and "VIOLATION" in outputs[0][1]
    assert outputs[1] == outputs[0]


def test_project_shapes_on_generated_data_match_pyshacl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated persons with injected defects of every kind, mapped without validation, then both engines."""
    from inburgering.cli import main

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", "test-key-for-generated-data-0123456789")
    bundle, mapped = tmp_path / "duo.jsonl", tmp_path / "mapped.nt"
    assert main(["generate", "--persons", "150", "--seed", "7", "--defects", "0.3", "--format", "duo",
                 "--out", str(bundle)]) == 0
    assert main(["map", "--out", str(mapped), str(bundle)]) in (0, 1)
    reference, report = _both_engines(mapped.read_text(encoding="utf-8"))
    comparison = compare(reference, report.results)  # type: ignore[attr-defined]
    assert comparison.reference > 0  # the injected defects are found
    assert comparison.only_reference == () and comparison.only_fast == ()


def test_a_missing_shapes_or_ontology_folder_is_an_error_not_a_validator_that_passes_everything(
        tmp_path: Path) -> None:
    """An install that does not find the checkout (no ``INBURGERING_HOME``) must stop, not validate with no shapes."""
    with pytest.raises(SourceError, match="no shapes found") as shapes:
        shapes_store(tmp_path / "shapes")
    assert shapes.value.file == str(tmp_path / "shapes")
    with pytest.raises(SourceError, match="no ontology found"):
        ontology_files(tmp_path / "ontology")


@pytest.mark.parametrize("part_quads", [40_000, 1])
def test_a_store_is_validated_from_its_graphs_text_as_from_their_quads(
        part_quads: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """``validate_store_fast`` reads each graph as Oxigraph's N-Triples of it (a graph with blank nodes as quads:
    a parse would give them new labels) and validates a part while it reads the next: the same results, blank
    nodes named as the store names them, as each part's quads validated as they are. With ``part_quads`` 1 each
    municipality is a part of its own."""
    from pyoxigraph import BlankNode, Quad

    from inburgering.namespaces import DEFAULT_BASE
    from inburgering.validation import fast_validators
    from inburgering.validation.fast_validators import validate_store_fast, validate_triples

    monkeypatch.setattr(fast_validators, "PART_QUADS", part_quads)
    fixtures = Store()
    fixtures.load(_merged_fixtures().encode(), format=RdfFormat.N_TRIPLES)
    named = [q.triple for q in fixtures]
    violating = min(FIXTURES.glob("*/violating.ttl"))
    one = Store()
    one.load(path=str(violating), format=RdfFormat.TURTLE)
    person = next(q.subject for q in one if q.predicate.value.endswith("#type"))
    blank = BlankNode("in-de-store")
    blanks = [Quad(blank if q.subject == person else q.subject, q.predicate, blank if q.object == person else q.object)
              for q in one]
    graphs = {f"{DEFAULT_BASE}/graph/gm0363/duo/a": named, f"{DEFAULT_BASE}/graph/gm0599/duo/b": blanks}
    store = Store()
    for name, triples in graphs.items():
        store.extend(Quad(t.subject, t.predicate, t.object, NamedNode(name)) for t in triples)

    found = validate_store_fast(store, graphs=list(graphs), reference_date=REFERENCE_DATE)
    parts = list(graphs.values()) if part_quads == 1 else [named + blanks]
    expected = {r.key() for part in parts for r in validate_triples(part, reference_date=REFERENCE_DATE).results}
    assert {r.key() for r in found.results} == expected
    assert len(expected) > 100 and any(key[0] == str(blank) for key in expected)
