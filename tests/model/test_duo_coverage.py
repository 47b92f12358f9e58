"""Every code list in DUO's M2M OpenAPI files (../shared/reference/duo-m2m) is a concept scheme with all its codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from inburgering import namespaces as ns

#: DUO schema → our scheme. A schema ending in "Description" holds the Dutch names of the codes of the schema
#: without that suffix (DUO's x-enum-varnames pair them up).
DUO_SCHEMES = {
    "ExamenniveauWI2021": "niveau", "NiveauPip": "niveau", "ExamenniveauGedeeltelijkeVrijstelling": "niveau",
    "ExamenonderdeelWI2021Inburgering": "examenonderdeel", "ExamenonderdeelOntheffingInburgering": "examenonderdeel",
    "ExamenonderdeelNederlands": "examenonderdeel", "ExamenresultaatWI2021": "examenresultaat",
    "RedenGeenResultaatInburgeringsexamen": "redengeenresultaat", "Alfabetiseringsonderwijs": "alfabetiseringsonderwijs",
    "AsielrechtenWijzigingVerblijfsdoel": "asielrechtenwijzigingverblijfsdoel", "Doelgroepindeling": "doelgroep",
    "GedetailleerdeDoelgroep": "gedetailleerdedoelgroep", "RedenGeenInburgeringsplicht": "redengeeninburgeringsplicht",
    "LeerbaarheidstoetsResultaat": "leerbaarheidstoetsresultaat", "InburgeringJaNeeType": "janee",
    "AanvraagOordeel": "aanvraagoordeel", "OntheffingsgrondInburgering": "ontheffingsgrond", "Leerroute": "leerroute",
    "RedenVrijstellingInburgeringsplicht": "redenvrijstelling",
}
#: Schemes whose Dutch prefLabels are DUO's own names of the codes; the others have long explanations instead,
#: which became skos:definition (rephrased, so not compared word for word).
LABELS_FROM_DUO = {"examenonderdeel", "examenresultaat", "alfabetiseringsonderwijs", "ontheffingsgrond"}


def _enums(shared_dir: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((shared_dir / "reference" / "duo-m2m").glob("*.openapi.yml")):
        spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, schema in (spec.get("components", {}).get("schemas") or {}).items():
            if isinstance(schema, dict) and "enum" in schema:
                found[name] = [str(v) for v in schema["enum"]]
    return found


@pytest.fixture(scope="module")
def enums(shared_dir: Path) -> dict[str, list[str]]:
    return _enums(shared_dir)


def _notations(g: Graph, scheme: str) -> dict[str, URIRef]:
    return {str(g.value(c, SKOS.notation)): c  # type: ignore[misc]
            for c in g.subjects(SKOS.inScheme, URIRef(ns.scheme_iri(scheme)))}


def test_every_duo_code_list_has_a_scheme(enums: dict[str, list[str]]) -> None:
    codes = {n for n in enums if not n.endswith("Description")}
    assert len(codes) >= 19
    assert sorted(codes - set(DUO_SCHEMES)) == []


def test_every_duo_code_is_a_notation_of_its_scheme(enums: dict[str, list[str]], model_graph: Graph) -> None:
    missing = [f"{name}: {code}" for name, scheme in DUO_SCHEMES.items()
               for code in enums[name] if code not in _notations(model_graph, scheme)]
    assert missing == []


def test_dutch_labels_are_duos_names_of_the_codes(enums: dict[str, list[str]], model_graph: Graph) -> None:
    wrong = []
    for name, scheme in DUO_SCHEMES.items():
        if scheme not in LABELS_FROM_DUO or name + "Description" not in enums:
            continue
        concepts = _notations(model_graph, scheme)
        for code, label in zip(enums[name], enums[name + "Description"], strict=True):
            if Literal(label, lang="nl") not in set(model_graph.objects(concepts[code], SKOS.prefLabel)):
                wrong.append(f"{scheme}/{code}: expected {label!r}")
    assert wrong == []


def test_extension_ground_notations_fit_duos_verlengingsgrondcode(model_graph: Graph) -> None:
    """DUO's ``verlengingsgrondcode`` is at most 10 characters (Inburgeringstermijn API)."""
    scheme = URIRef(ns.scheme_iri("verlengingsgrond"))
    notations = [str(n) for c in model_graph.subjects(SKOS.inScheme, scheme)
                 for n in model_graph.objects(c, SKOS.notation)]
    assert notations
    assert [n for n in notations if len(n) > 10] == []
