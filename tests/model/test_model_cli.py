"""``inburgering model build | stats | docs | generate`` through ``inburgering.cli.main(argv)``."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from inburgering import namespaces as ns
from inburgering.cli import main
from inburgering.model.check import load_graph
from inburgering.model.cli import GGM_REFERENCE
from inburgering.model.stats import model_stats


def test_stats_prints_the_counts_of_the_model(ontology_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "stats", "--ontology", str(ontology_dir), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = model_stats(load_graph(ontology_dir), ggm_reference=GGM_REFERENCE)
    assert printed == json.loads(json.dumps(expected.as_dict()))
    assert printed["classes"] >= 35 + 1  # every GGM object type plus natuurlijk persoon
    assert printed["ggm"]["attributes"] == 159


def test_stats_with_the_reference_prints_coverage_totals(ontology_dir: Path, shared_dir: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    reference = shared_dir / "reference" / "ggm-inburgering-2.5.1.json"
    assert main(["model", "stats", "--ontology", str(ontology_dir), "--ggm", str(reference)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"GGM attributes\s+159/159", out)
    assert re.search(r"GGM relations\s+30/32 \(\+2 as rdfs:subClassOf\)", out)
    assert re.search(r"labels\s+en \d+, nl \d+", out)


@pytest.mark.xdist_group("owlrl")
def test_build_checks_the_model_and_writes_documentation(ontology_dir: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "docs"
    assert main(["model", "build", "--ontology", str(ontology_dir), "--out", str(out)]) == 0
    assert "model ok" in capsys.readouterr().out
    index = (out / "index.html").read_text(encoding="utf-8")
    classes = {str(c)[len(ns.VOCAB):] for c in load_graph(ontology_dir).subjects(RDF.type, OWL.Class)
               if str(c).startswith(ns.VOCAB)}
    assert sorted(c for c in classes if f'id="{c}"' not in index) == []
    hours = index[index.index('id="urenTaallesEnKnm"'):][:3000]  # a term names the source fields it carries
    assert "DUO GevolgdeUren TaallesEnKnmBredeIntake.uren" in hours and "GGM brede-intake.GevolgdeUrenKNMenTaalles" in hours
    concepts = (out / "concepts.html").read_text(encoding="utf-8")
    assert 'id="leerroute"' in concepts and ns.concept_iri("leerroute", "B") in concepts
    assert (out / "style.css").is_file()


def test_build_refuses_a_model_with_a_subclass_cycle(ontology_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "ontology"
    shutil.copytree(ontology_dir, broken, ignore=shutil.ignore_patterns("source"))
    (broken / "zz-broken.ttl").write_text(
        f"<{ns.VOCAB}Vreemdeling> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{ns.VOCAB}Inburgeraar> .\n",
        encoding="utf-8")
    assert main(["model", "build", "--ontology", str(broken), "--out", str(tmp_path / "d"), "--no-reasoning"]) == 1
    err = capsys.readouterr().err
    assert f"{ns.VOCAB}Inburgeraar is a subclass of itself" in err
    assert not (tmp_path / "d").exists()


def test_bad_turtle_is_one_line_naming_the_file(ontology_dir: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.ttl").write_text("<a> <b> .\n", encoding="utf-8")
    assert main(["model", "stats", "--ontology", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "bad.ttl" in err and "not valid Turtle" in err


def test_missing_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "docs", "--ontology", str(tmp_path / "nothing"), "--out", str(tmp_path / "d")]) == 2
    assert "no Turtle files found" in capsys.readouterr().err


def test_generate_rewrites_the_turtle_from_the_tables(ontology_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir, copy)
    (copy / "concepts.ttl").unlink()
    assert main(["model", "generate", "--ontology", str(copy)]) == 0
    for name in ("inburgering.ttl", "concepts.ttl"):
        assert isomorphic(Graph().parse(copy / name), Graph().parse(ontology_dir / name)), name


def test_generate_reports_a_bad_table_on_one_line(ontology_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir, copy)
    table = copy / "source" / "properties.yaml"
    table.write_text(table.read_text(encoding="utf-8").replace("range: scheme:niveau", "range: scheme:nivo"),
                     encoding="utf-8")
    assert main(["model", "generate", "--ontology", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert "properties.yaml" in err and "niveau" in err and "nivo" in err and "\n" not in err


def test_generate_refuses_a_citation_of_a_field_duo_does_not_have(ontology_dir: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "ontology"
    shutil.copytree(ontology_dir, copy)
    table = copy / "source" / "properties.yaml"
    text = table.read_text(encoding="utf-8")
    assert "GevolgdeUren:TaallesEnKnmBredeIntake.uren" in text
    table.write_text(text.replace("GevolgdeUren:TaallesEnKnmBredeIntake.uren", "GevolgdeUren:TaallesEnKnmBredeIntake.minuten"),
                     encoding="utf-8")
    assert main(["model", "generate", "--ontology", str(copy)]) == 2
    err = capsys.readouterr().err.strip()
    assert "urenTaallesEnKnm" in err and "duo" in err and "minuten" in err and "\n" not in err
