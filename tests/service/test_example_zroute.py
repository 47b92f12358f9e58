"""The example query "Voortgang uren Z-route" against an independent computation from the generated source data.

Generated persons are loaded through the real loader into an embedded store with the public graphs; the query
runs through ``inburgering query``; every number is recomputed from the DUO bundle itself (DUO's field names, not
the ontology's). Loading the same persons from DUO and from the GGM database together must not count the hours
twice.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDFS

from inburgering.cli import main
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.model.gemeenten import OUT_FILE
from inburgering.service.cookbook import saved_query
from inburgering.service.publish import load_public_graphs
from inburgering.settings import Settings
from inburgering.store import open_store

KEY = "zroute-example-test-key-not-a-secret"
PERSONS, SEED = 400, 23
QUERY = saved_query("voortgang-uren-zroute")
assert QUERY is not None


def _round(value: Fraction) -> int:
    """SPARQL ROUND: to the nearest integer, halves towards positive infinity."""
    return math.floor(value + Fraction(1, 2))


def _names() -> dict[str, str]:
    g = Graph().parse(OUT_FILE, format="turtle")
    return {str(g.value(s, DCTERMS.identifier)): str(o) for s, o in g.subject_objects(RDFS.label)
            if g.value(s, DCTERMS.identifier) is not None}


def expected_rows(bundle: Path, key: bytes) -> dict[str, dict[str, Any]]:
    """Pseudonym → the row the query must give, computed from the DUO bundle's own fields."""
    pseudonym, names, rows = Pseudonymiser(key), _names(), {}
    for line in bundle.read_text(encoding="utf-8").splitlines():
        person = json.loads(line)
        if (person.get("pip") or {}).get("pip", {}).get("leerroute") != "Z":
            continue
        per_gemeente: dict[str, tuple[int, int, int]] = {}
        for u in person.get("uren") or []:  # DUO reports hours per municipality
            old = per_gemeente.get(u["gemeentecode"], (0, 0, 0))
            new = ((u.get("ParticipatieAlsTaalles") or {}).get("uren", 0),
                   (u.get("TaallesEnKnmBredeIntake") or {}).get("uren", 0),
                   (u.get("ParticipatieactiviteitenBredeIntake") or {}).get("uren", 0))
            per_gemeente[u["gemeentecode"]] = tuple(max(a, b) for a, b in zip(old, new, strict=True))  # type: ignore[assignment]
        route, intake, participation = (sum(v[i] for v in per_gemeente.values()) for i in range(3))
        asiel = person["doelgroep"]["indeling"] == "Asielstatushouder"
        rows[pseudonym.bsn(person["bsn"])] = {
            "gemeentenaam": names[person["gemeente"]], "urenTaalEnKnmLeerroute": route,
            "urenTaalEnKnmBredeIntake": intake, "urenTaalEnKnm": route + intake, "urenParticipatie": participation,
            "procentTaalEnKnm": _round(Fraction(100 * (route + intake), 800)),
            "procentParticipatie": _round(Fraction(100 * participation, 800)) if asiel else "n.v.t."}
    return rows


def _answer(store: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    capsys.readouterr()
    assert main(["query", "--store", str(store), "--format", "json", QUERY.query]) == 0
    rows: dict[str, dict[str, Any]] = {}
    for b in json.loads(capsys.readouterr().out)["results"]["bindings"]:
        value = {k: v["value"] for k, v in b.items()}
        person = value.pop("persoon").rsplit("/", 1)[1]
        assert person not in rows, "one row per person"
        value.pop("gemeente")
        rows[person] = {k: (v if k in ("gemeentenaam",) or v == "n.v.t." else round(float(v)))
                        for k, v in value.items()}
    return rows


def _load(store: Path, sources: list[Path], key: Path, tmp_path: Path) -> None:
    rejects = tmp_path / f"{len(sources)}-rejects.jsonl"
    assert main(["load", "--store", str(store), "--rejects", str(rejects), "--key-file", str(key),
                 *map(str, sources)]) == 0
    assert not rejects.exists() or rejects.read_text(encoding="utf-8") == ""


def test_zroute_hours_match_an_independent_computation_from_the_bundle(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle, ggm, key = tmp_path / "duo.jsonl", tmp_path / "ggm.sqlite", tmp_path / "key"
    key.write_text(KEY, encoding="utf-8")
    for fmt, out in (("duo", bundle), ("ggm-sqlite", ggm)):
        assert main(["generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt,
                     "--out", str(out)]) == 0
    store = tmp_path / "store"
    _load(store, [bundle], key, tmp_path)
    s = open_store(str(store))
    load_public_graphs(s, base=Settings().base_iri)  # the municipalities' names
    s.close()

    expected = expected_rows(bundle, KEY.encode())
    assert len(expected) >= 20  # enough Z-route persons to mean something
    assert sum(1 for r in expected.values() if r["urenTaalEnKnmLeerroute"] > 0) >= 10
    assert sum(1 for r in expected.values() if r["procentParticipatie"] != "n.v.t.") >= 5
    assert _answer(store, capsys) == expected

    # The same persons from DUO and from their GGM database, side by side: the hours count once.
    _load(store, [bundle, ggm], key, tmp_path)
    assert _answer(store, capsys) == expected
