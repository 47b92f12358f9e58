"""Coverage of GGM 2.5.1 "Model Inburgering" and of the 19 seed object types.

Reads ../shared/reference/ggm-inburgering-2.5.1.json and fails if any object type, attribute (with its datatype
right), relation, generalisation or enumeration value is missing. Deliberate deviations are only those in
``ATTRIBUTE_EXCEPTIONS`` / ``RELATION_EXCEPTIONS`` below, each with its reason (and docs/ontology-decisions.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from inburgering import namespaces as ns
from inburgering.model.vocab import INB, SDO, TOOI

DATE, INTEGER, DECIMAL, STRING, BOOLEAN = (URIRef(ns.XSD + t) for t in
                                          ("date", "integer", "decimal", "string", "boolean"))

#: GGM datatype → the range our property must have.
XSD_FOR = {"date": DATE, "Date": DATE, "int": INTEGER, "double": DECIMAL,
           "string": STRING, "String": STRING,
           "Boolean": BOOLEAN, "Bool": BOOLEAN, "boolean": BOOLEAN}
AN = {"AN10": 10, "AN40": 40, "AN50": 50, "AN200": 200}
CLASS_TYPED = {"Land": SDO.Country, "Gemeente": TOOI.Gemeente}

# Deliberate deviations: GGM attribute → (the range we give it instead, why).
# "scheme:x" means a concept of scheme x; a URIRef is a datatype or class.
ATTRIBUTE_EXCEPTIONS: dict[str, tuple[str | URIRef, str]] = {
    "Vreemdeling.v-nummer": (STRING, "the graph holds only a keyed pseudonym of the V-nummer, never the number"),
    "Inburgeringsplicht.V-nummer": (STRING, "as Vreemdeling.v-nummer: pseudonym only (int in the GGM)"),
    "Inburgeraar.Doelgroep": ("scheme:doelgroep", "int in the GGM; DUO's Doelgroepindeling code list"),
    "Inburgeraar.Gedetailleerde Doelgroep": ("scheme:gedetailleerdedoelgroep",
                                             ("GGM enumeration Doelgroep is a policy grouping; DUO's list is what "
                                              "is exchanged (the GGM list stays as scheme ggmdoelgroep)")),
    "Inburgeringsplicht.RedenGeenInburgeringsplicht": ("scheme:redengeeninburgeringsplicht", "string; DUO code list"),
    "B1-route.RedenGeenResultaat": ("scheme:redengeenresultaat", "string; DUO code list"),
    "Z-route.RedenGeenResultaat": ("scheme:redengeenresultaat", "String; DUO code list"),
    "Aanvraag verlenging Inburgeringstermijn.VerlengingsGrond": ("scheme:verlengingsgrond", "string; DUO list"),
    "Verlengingsgrond.Verlengingsgrondslag": ("scheme:verlengingsgrond",
                                             "datatype names the class Verlengingsgrond; DUO list"),
    "Introductiemodule.ModuleNaam": ("scheme:leerroute", "datatype names the class Leerroute; DUO code list"),
    "Leerroute.GeschatteIntensiteitB1Route": (INTEGER, "Enum in the GGM; DUO sends hours 1-9999"),
    "Leerroute.IndicatorToestemmingExamenA2": (BOOLEAN, "Enum without values in the GGM; an indicator"),
    "MAP.DatumEindgesprekMAP": (DATE, "int in the GGM; it is a date (DUO datumEindgesprekMap)"),
    "Ontheffing.BeslissingOntheffing": ("scheme:aanvraagoordeel", "boolean; DUO's oordeel Toekenning/Afwijzing"),
    "Inburgeringsplicht.WordtBehandelsAls": ("scheme:wordtbehandeldals", "string; the GGM's own enumeration"),
    "Taalvaardigheid.PresentieTaalles": ("scheme:presentietaalles", "string; the GGM's own enumeration"),
    "Vrijstelling.EindoordeelVrijstelling": ("scheme:eindoordeelvrijstelling", "string; the GGM's own enumeration"),
    "Examenonderdeel.ExamenOnderdeelSpecificatie": ("scheme:examenonderdeel",
                                                    "String; the project's GGM table stores DUO's component codes"),
    "Examenonderdeel.Resultaat": ("scheme:examenresultaat", "int; the project's GGM table stores DUO's result codes"),
    "InburgeringsAanbod.CursusInstelling": (INB.Instelling, ("AN200; the project's GGM table stores DUO's institution "
                                                            "number, published as the institution itself")),
    "Subdoel Aandachtspunt.Subdoel": (SKOS.Concept, "string; a concept of one of the GGM's Subdoel enumerations"),
    "Subdoel Ontwikkelwens.Subdoel": (SKOS.Concept, "string; a concept of one of the GGM's Subdoel enumerations"),
}
#: GGM attributes that two properties publish, on different nodes: attribute → the properties (one otherwise).
SHARED_ATTRIBUTES = {
    "Verlengingsgrond.DatumBeoordelingVerlengingsgrond": ("datumBeoordeling", "wijzigingsdatum"),  # the ground's
    # own assessment date, and the date of change of the extension (inb:Verlenging) that a granted request makes
}
#: GGM relations we express otherwise.
RELATION_EXCEPTIONS = {
    "B1-route|onderdeel van|Leerroute": "a B1-route is a kind of Leerroute: rdfs:subClassOf, not a property",
    "Z-route|heeft (onderdeel van)|Leerroute": "a Z-route is a kind of Leerroute: rdfs:subClassOf",
}
#: The seed documents' object types → our class (docs/ontology-decisions.md explains each).
SEED = {"Inburgeringsplichtige": "Inburgeraar", "Startinburgering": "Startinburgering",
        "Inburgeringsaanbod": "Inburgeringsaanbod", "PIP": "PIP", "Leerroute": "Leerroute", "B1-route": "B1Route",
        "Z-route": "ZRoute", "Onderwijsroute": "Onderwijsroute", "KNM": "KNM", "MAP": "MAP",
        "Participatiecomponent": "PVT", "Voortgangsmeting": "Voortgangsmeting", "Ontheffing": "Ontheffing",
        "Vrijstelling": "Vrijstelling", "Diplomawaardering": "Diplomawaardering",
        "Voorbereiding op inburgering": "VoorbereidingOpInburgering", "Introductiemodule": "Introductiemodule",
        "ICT-vaardigheid": "IctVaardigheid", "Taalvaardigheid": "Taalvaardigheid"}


@pytest.fixture(scope="module")
def ggm(shared_dir: Path) -> dict[str, Any]:
    with (shared_dir / "reference" / "ggm-inburgering-2.5.1.json").open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def classes(model_graph: Graph) -> dict[str, URIRef]:
    """GGM object type name → our class."""
    return {str(o): s for s, o in model_graph.subject_objects(INB.ggmObjecttype)}  # type: ignore[misc]


@pytest.fixture(scope="module")
def attributes(model_graph: Graph) -> dict[str, list[URIRef]]:
    found: dict[str, list[URIRef]] = defaultdict(list)
    for s, o in model_graph.subject_objects(INB.ggmKenmerk):
        found[str(o)].append(s)  # type: ignore[arg-type]
    return found


def _scheme_of_range(g: Graph, prop: URIRef) -> str | None:
    for r in g.objects(prop, RDFS.range):
        if (r, OWL.onProperty, SKOS.inScheme) in g:
            value = g.value(r, OWL.hasValue)
            return str(value).removeprefix(ns.SCHEME) if value else None
    return None


def _range_ok(g: Graph, prop: URIRef, expected: str | URIRef) -> bool:
    if isinstance(expected, str) and expected.startswith("scheme:"):
        return (prop, RDF.type, OWL.ObjectProperty) in g and _scheme_of_range(g, prop) == expected[7:]
    return (prop, RDFS.range, URIRef(expected)) in g


def _expected_range(g: Graph, datatype: str, enums: dict[str, str]) -> str | URIRef:
    if datatype in XSD_FOR:
        return XSD_FOR[datatype]
    if datatype in AN:
        return INB[datatype]
    if datatype in CLASS_TYPED:
        return CLASS_TYPED[datatype]
    if datatype in enums:
        return "scheme:" + enums[datatype]
    if datatype == "Enum":  # an enumeration the GGM does not name: any scheme will do
        return "scheme:*"
    raise AssertionError(f"GGM datatype {datatype!r} has no rule in this test")


@pytest.fixture(scope="module")
def enum_schemes(model_graph: Graph) -> dict[str, str]:
    """GGM enumeration name → our scheme name."""
    return {str(o): str(s).removeprefix(ns.SCHEME) for s, o in model_graph.subject_objects(INB.ggmEnumeratie)}


def test_the_reference_has_the_documented_size(ggm: dict[str, Any]) -> None:
    attributes = sum(len(o["attributes"]) for o in ggm["object_types"])
    assert (len(ggm["object_types"]), attributes, len(ggm["relations"]), len(ggm["enumerations"])) == (
        35, 159, 32, 38)


def test_every_object_type_is_a_class(ggm: dict[str, Any], classes: dict[str, URIRef], model_graph: Graph) -> None:
    missing = [o["name"] for o in ggm["object_types"] if o["name"] not in classes]
    assert missing == []
    for name, cls in classes.items():
        assert (cls, RDF.type, OWL.Class) in model_graph, name


def test_every_attribute_maps_to_a_property_with_the_right_range(
        ggm: dict[str, Any], attributes: dict[str, list[URIRef]], model_graph: Graph,
        enum_schemes: dict[str, str]) -> None:
    wrong = []
    for o in ggm["object_types"]:
        for a in o["attributes"]:
            key = f"{o['name']}.{a['name']}"
            props = attributes.get(key, [])
            if len(props) != len(SHARED_ATTRIBUTES.get(key, "x")):
                wrong.append(f"{key}: {len(props)} properties")
                continue
            expected = (ATTRIBUTE_EXCEPTIONS[key][0] if key in ATTRIBUTE_EXCEPTIONS
                        else _expected_range(model_graph, a["datatype"], enum_schemes))
            for prop in props:
                ok = (_scheme_of_range(model_graph, prop) is not None if expected == "scheme:*"
                      else _range_ok(model_graph, prop, expected))
                if not ok:
                    wrong.append(f"{key} ({a['datatype']}): {prop} has range {list(model_graph.objects(prop, RDFS.range))}")
    assert wrong == []


def test_an_types_are_strings_with_their_maximum_length(model_graph: Graph) -> None:
    for name, length in AN.items():
        restriction = model_graph.value(INB[name], OWL.equivalentClass)
        assert model_graph.value(restriction, OWL.onDatatype) == STRING
        facets = list(model_graph.items(model_graph.value(restriction, OWL.withRestrictions)))
        assert [model_graph.value(f, URIRef(ns.XSD + "maxLength")) for f in facets] == [Literal(length)]


def test_every_exception_names_a_real_attribute(ggm: dict[str, Any]) -> None:
    keys = {f"{o['name']}.{a['name']}" for o in ggm["object_types"] for a in o["attributes"]}
    assert sorted(set(ATTRIBUTE_EXCEPTIONS) - keys) == []
    relations = {f"{r['from']}|{r['label']}|{r['to']}" for r in ggm["relations"]}
    assert sorted(set(RELATION_EXCEPTIONS) - relations) == []


def test_every_relation_is_an_object_property_between_the_right_classes(
        ggm: dict[str, Any], model_graph: Graph, classes: dict[str, URIRef]) -> None:
    mapped: dict[str, list[URIRef]] = defaultdict(list)
    for s, o in model_graph.subject_objects(INB.ggmRelatie):
        mapped[str(o)].append(s)  # type: ignore[arg-type]
    targets = {**classes, "Gemeente": TOOI.Gemeente}
    wrong = []
    for r in ggm["relations"]:
        key = f"{r['from']}|{r['label']}|{r['to']}"
        if key in RELATION_EXCEPTIONS:
            assert (classes[r["from"]], RDFS.subClassOf, classes[r["to"]]) in model_graph, key
            continue
        if len(mapped.get(key, [])) != 1:
            wrong.append(f"{key}: {len(mapped.get(key, []))} properties")
            continue
        p = mapped[key][0]
        domains = set(model_graph.objects(p, RDFS.domain)) | set(model_graph.objects(p, SDO.domainIncludes))
        if (p, RDF.type, OWL.ObjectProperty) not in model_graph or classes[r["from"]] not in domains \
                or (p, RDFS.range, targets[r["to"]]) not in model_graph:
            wrong.append(f"{key}: {p} has the wrong type, domain or range")
        if not {"nl", "en"} <= {lit.language for lit in model_graph.objects(p, RDFS.label)}:
            wrong.append(f"{key}: {p} needs a name in nl and en (the GGM leaves 5 relations unnamed)")
    assert wrong == []


def test_generalisations_are_subclass_axioms(ggm: dict[str, Any], classes: dict[str, URIRef],
                                             model_graph: Graph) -> None:
    for gen in ggm["generalisations"]:
        sup = INB.NatuurlijkPersoon if gen["super"].startswith("NatuurlijkPersoon") else classes[gen["super"]]
        assert (classes[gen["sub"]], RDFS.subClassOf, sup) in model_graph, gen


def test_every_enumeration_value_is_a_concept_of_its_scheme(
        ggm: dict[str, Any], model_graph: Graph, enum_schemes: dict[str, str]) -> None:
    missing = []
    for e in ggm["enumerations"]:
        scheme = enum_schemes.get(e["name"])
        if scheme is None:
            missing.append(f"enumeration {e['name']}")
            continue
        notations = {str(model_graph.value(c, SKOS.notation))
                     for c in model_graph.subjects(SKOS.inScheme, URIRef(ns.SCHEME + scheme))}
        missing += [f"{e['name']}: {v['value']}" for v in e["values"] if v["value"] not in notations]
    assert missing == []
    assert len(set(enum_schemes)) == len({e["name"] for e in ggm["enumerations"]}) == 37  # Boolean twice


def test_the_nineteen_seed_object_types_have_a_class(model_graph: Graph) -> None:
    assert len(SEED) == 19
    missing = [seed for seed, local in SEED.items() if (INB[local], RDF.type, OWL.Class) not in model_graph]
    assert missing == []
    # the two seed names that differ from ours are alternative labels of our class
    alt = {str(a).lower() for c in (INB.Inburgeraar, INB.PVT) for a in model_graph.objects(c, SKOS.altLabel)}
    assert {"inburgeringsplichtige", "participatiecomponent"} <= alt
