"""``inburgering validate`` run in-process through ``inburgering.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from inburgering.cli import main
from inburgering.namespaces import instance_graph, meta_graph

FIXTURES = Path(__file__).resolve().parents[1] / "shapes"
REF = ["--reference-date", "2026-01-01"]
BASE = "https://data.example.org"


def test_conforming_data_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *REF, str(FIXTURES / "PipNietVoorBeginPlicht" / "conforming.ttl")]) == 0
    assert "0 violation(s), 0 warning(s): conforms" in capsys.readouterr().out


def test_violations_exit_1_and_are_grouped_by_rule_in_the_chosen_language(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(FIXTURES / name / "violating.ttl") for name in ("GeenB1MetZroute", "PipNietVoorBeginPlicht")]
    assert main(["validate", *REF, "--lang", "en", *files]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION https://w3id.org/inburgering/shapes/PipNietVoorBeginPlicht (1)" in out
    assert "VIOLATION https://w3id.org/inburgering/shapes/GeenB1MetZroute (1)" in out
    assert "Level B1 is not allowed on the Z-route." in out and "2 violation(s)" in out


def test_warnings_alone_exit_0_but_are_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *REF, str(FIXTURES / "TermijnNaVerlenging" / "violating.ttl")]) == 0
    assert "WARNING https://w3id.org/inburgering/shapes/TermijnNaVerlenging (1)" in capsys.readouterr().out


def test_broken_turtle_exits_2_with_one_line_naming_file_and_line(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "open\n', encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "line 3" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["validate"], ["validate", "--store", "x", "a.ttl"], ["validate", "a.xyz"],
                                  ["validate", "missing.ttl"], ["validate", "--lang", "de", "a.ttl"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("fmt", [("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD),
                                 ("rdf", ox.RdfFormat.RDF_XML), ("nq", ox.RdfFormat.N_QUADS)])
def test_other_rdf_formats_are_read_by_extension(tmp_path: Path, fmt: tuple[str, ox.RdfFormat]) -> None:
    quads = list(ox.parse(path=str(FIXTURES / "GeenB1MetZroute" / "violating.ttl"), format=ox.RdfFormat.TURTLE))
    target = tmp_path / f"data.{fmt[0]}"
    ox.serialize(quads if fmt[1].supports_datasets else [q.triple for q in quads], output=str(target),
                 format=fmt[1])
    assert main(["validate", *REF, str(target)]) == 1


def test_report_turtle_and_json_summary_are_written(tmp_path: Path) -> None:
    ttl, js = tmp_path / "report.ttl", tmp_path / "summary.json"
    case = FIXTURES / "PipNietVoorBeginPlicht" / "violating.ttl"
    assert main(["validate", *REF, "--report-ttl", str(ttl), "--json", str(js), str(case)]) == 1
    report = Graph().parse(ttl, format="turtle")
    assert len(list(report.subjects(SH.resultSeverity, SH.Violation))) == 1
    assert {m.language for m in report.objects(None, SH.resultMessage)} == {"nl", "en"}  # type: ignore[attr-defined]
    summary = json.loads(js.read_text(encoding="utf-8"))
    assert summary["violations"] == 1 and summary["conforms"] is False
    assert summary["by_shape"] == {"https://w3id.org/inburgering/shapes/PipNietVoorBeginPlicht": 1}


def test_the_store_is_validated_through_its_published_graphs_only(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    store = ox.Store(str(store_dir))
    published = instance_graph(BASE, "gm0363", "duo", "load-2")
    unpublished = instance_graph(BASE, "gm0363", "duo", "load-1")
    store.load(path=str(FIXTURES / "GeenB1MetZroute" / "conforming.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(published))
    store.load(path=str(FIXTURES / "GeenB1MetZroute" / "violating.ttl"), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(unpublished))
    inb = "https://w3id.org/inburgering/def/"
    store.update(f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ <{published}> a <{inb}InstanceGraph> ; "
                 f"<{inb}published> true . <{unpublished}> a <{inb}InstanceGraph> ; <{inb}published> false }} }}")
    store.flush()
    del store
    assert main(["validate", *REF, "--store", str(store_dir), "--base-iri", BASE]) == 0
    store = ox.Store(str(store_dir))
    store.update(f"DELETE WHERE {{ GRAPH <{meta_graph(BASE)}> {{ <{unpublished}> <{inb}published> ?p }} }} ; "
                 f"INSERT DATA {{ GRAPH <{meta_graph(BASE)}> {{ <{unpublished}> <{inb}published> true }} }}")
    store.flush()
    del store
    assert main(["validate", *REF, "--store", str(store_dir), "--base-iri", BASE]) == 1


def test_a_missing_store_folder_exits_2(tmp_path: Path) -> None:
    assert main(["validate", "--store", str(tmp_path / "nowhere")]) == 2


@pytest.mark.parametrize(("name", "text"), [("bad.jsonld", '{"@id": "http://e/a", "http://e/p": ['),
                                            ("bad.nt", "<http://e/a> <http://e/b> <http://e/c>\n"),
                                            ("bad.rdf", ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
                                                         '22-rdf-syntax-ns#"><rdf:Description rdf:about="x"/>'
                                                         '</rdf:RDF>'))])
def test_broken_files_of_any_format_exit_2_with_one_line(tmp_path: Path, name: str, text: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "Traceback" not in err
