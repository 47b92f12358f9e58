"""The shapes graph itself: valid SHACL (SHACL-for-SHACL), every shape documented, the class shapes up to date."""

from __future__ import annotations

from pyshacl.entrypoints import meta_validate
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH

from inburgering.validation import load_shapes
from inburgering.validation.build import CLASSES_FILE, generate, main, render

SHAPES = "https://w3id.org/inburgering/shapes/"


def named_shapes() -> list[URIRef]:
    shapes = load_shapes()
    found = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    return sorted(s for s in found if isinstance(s, URIRef))


def test_the_shapes_graph_conforms_to_shacl_shacl() -> None:
    conforms, _, text = meta_validate(load_shapes())
    assert conforms, text


def test_every_shape_has_a_stable_iri_name_description_message_and_severity() -> None:
    shapes = load_shapes()
    problems = []
    for shape in named_shapes():
        if not str(shape).startswith(SHAPES):
            problems.append(f"{shape}: not in the shapes namespace")
        messages = list(shapes.objects(shape, SH.message))
        for sparql in shapes.objects(shape, SH.sparql):
            messages += list(shapes.objects(sparql, SH.message))
        for prop, kind in ((SH.name, "sh:name"), (SH.description, "sh:description")):
            langs = {o.language for o in shapes.objects(shape, prop) if isinstance(o, Literal)}
            if not {"nl", "en"} <= langs:
                problems.append(f"{shape}: {kind} lacks nl or en")
        if not {"nl", "en"} <= {m.language for m in messages if isinstance(m, Literal)}:
            problems.append(f"{shape}: sh:message lacks nl or en")
        if shapes.value(shape, SH.severity) not in (SH.Violation, SH.Warning):
            problems.append(f"{shape}: no explicit sh:severity")
    assert problems == []


def test_warnings_say_why_they_are_warnings() -> None:
    shapes = load_shapes()
    warnings = [s for s in named_shapes() if shapes.value(s, SH.severity) == SH.Warning]
    assert warnings, "the rules include Medium-confidence warnings"
    for shape in warnings:
        texts = [str(d) for d in shapes.objects(shape, SH.description)]
        assert any("Waarschuwing omdat" in t for t in texts) and any("Warning because" in t for t in texts), shape


def test_every_rule_cites_its_source() -> None:
    shapes = load_shapes()
    rules = [s for s in named_shapes() if (s, SH.sparql, None) in shapes]
    for rule in rules:
        text = " ".join(str(d) for d in shapes.objects(rule, SH.description))
        assert any(src in text for src in ("Wi2021", "Bi2021", "DUO", "Wet inburgering")), rule


def test_the_rule_names_of_the_shared_defect_table_exist() -> None:
    names = {"PipNietVoorBeginPlicht", "GeenA2MetOnderwijsroute", "GeenB1MetZroute", "TermijnDrieJaarNaPip",
             "GeenMapInOnderwijsroute", "GeenResultaatVereistReden", "AanbodAlleenVoorAsielstatushouder",
             "Wi2021BeginVanaf2022", "MapDatumNietInToekomst", "IntensiteitAlleenB1Asiel"}
    shapes = load_shapes()
    for name in sorted(names):
        rule = URIRef(SHAPES + name)
        assert (rule, RDF.type, SH.NodeShape) in shapes and shapes.value(rule, SH.severity) == SH.Violation, name


def test_no_rule_query_uses_minus_values_or_filter_not_exists() -> None:
    """pySHACL refuses MINUS and VALUES with pre-bound $this, and FILTER NOT EXISTS is slow on Oxigraph."""
    shapes = load_shapes()
    for select in shapes.objects(None, SH.select):
        text = str(select).upper()
        assert "MINUS" not in text and "VALUES" not in text and "NOT EXISTS" not in text, select


def test_the_committed_class_shapes_match_the_generator() -> None:
    """Fails after an ontology change until the class shapes and their fixtures are regenerated (shapes/README.md):
    .venv/bin/python -m inburgering.validation.build && .venv/bin/python tests/validation/class_fixtures.py"""
    how_to_fix = test_the_committed_class_shapes_match_the_generator.__doc__
    assert CLASSES_FILE.read_text(encoding="utf-8") == render(generate()), how_to_fix
    assert main(["--check"]) == 0
