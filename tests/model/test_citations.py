"""Every field the loader maps is cited by the term it lands in, and every citation names a field that exists.

The expected citations are derived from the mappings (``property_fields``), so a newly mapped field whose term
does not cite it fails here. A DUO field is cited by its declaration in DUO's OpenAPI files, a GGM column by its
GGM attribute, a column the project added to a GGM table by the DUO field it stores (docs/ontology-decisions.md §14).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from inburgering.mapping import builtin_mapping
from inburgering.mapping.coverage import property_fields
from inburgering.model.citations import ggm_citation, ggm_iri, parse_ggm_citation
from inburgering.model.vocab import INB
from inburgering.sources.ggm_model import ggm_model
from inburgering.sources.openapi_fields import (
    UPSTREAM_COMMIT,
    UPSTREAM_REPO,
    field_declarations,
    parse_source_iri,
    resolve_pointer,
)

#: Citations of the law (alignments.ttl, the derived facts), which name no field.
LEGAL_SOURCES = ("https://wetten.overheid.nl/",)
#: DUO's documentation of its events and attention signals, at the commit of our copies of its OpenAPI files
#: (cited by derived facts such as inb:uitersteDatumPip); both files exist there (../shared/reference/duo-m2m).
DUO_DOCUMENTS = tuple(f"{UPSTREAM_REPO}/blob/{UPSTREAM_COMMIT}/Gebeurtenissen/{name}.md"
                      for name in ("Gebeurtenissen", "Attentiesignalen"))
#: Mapped fields that are neither a DUO field nor a GGM attribute, and why they need no citation.
NOT_SOURCE_FIELDS = {
    ("duo", "gemeente"): "the bundle line's municipality (our envelope, not a DUO field); DUO's gemeentecode is cited",
    ("ggm", "inburgeraar.gemeente"): "a column the project added: the responsible municipality (docs/sources.md)",
}


def _expected(kind: str) -> tuple[dict[str, set[str]], list[str]]:
    """Property → the citation IRIs its mapped fields require, and the mapped fields that have no source field."""
    expected: dict[str, set[str]] = defaultdict(set)
    unknown = []
    declarations = field_declarations()
    tables = ggm_model().tables
    for prop, path in property_fields(builtin_mapping(kind)):
        if (kind, path) in NOT_SOURCE_FIELDS:
            continue
        if kind == "duo" and path in declarations:
            expected[prop].add(declarations[path].iri)
            continue
        table, _, column = path.partition(".")
        col = tables[table].columns.get(column) if kind == "ggm" and table in tables else None
        if col is not None and col.ggm:
            expected[prop].add(str(ggm_citation(f"{tables[table].ggm_name}.{col.ggm}")))
        elif col is not None and col.duo in declarations:
            expected[prop].add(declarations[col.duo].iri)
        else:
            unknown.append(f"{kind} {path} (property {prop})")
    return expected, unknown


def _cited(g: Graph, prop: str) -> set[str]:
    return {str(o) for o in g.objects(INB[prop], DCTERMS.source)}


@pytest.mark.parametrize("kind", ["duo", "ggm"])
def test_every_mapped_field_is_cited_by_the_term_it_lands_in(kind: str, model_graph: Graph) -> None:
    expected, unknown = _expected(kind)
    assert unknown == []  # a mapped field that is no source field must be listed in NOT_SOURCE_FIELDS
    assert sum(len(v) for v in expected.values()) >= (70 if kind == "duo" else 130)
    missing = sorted(f"inb:{prop} does not cite {iri}" for prop, iris in expected.items()
                     for iri in iris - _cited(model_graph, prop))
    assert missing == []


def test_all_79_duo_fields_are_declared_and_resolve() -> None:
    declarations = field_declarations()
    assert len([p for p in declarations if not p.endswith("._key")]) == 79
    for path, d in declarations.items():
        resolve_pointer(d.spec, d.pointer)
        assert parse_source_iri(d.iri) == (d.spec, d.pointer), path


def _ggm_attributes(shared_dir: Path) -> set[tuple[str, str]]:
    with (shared_dir / "reference" / "ggm-inburgering-2.5.1.json").open(encoding="utf-8") as f:
        ggm: dict[str, Any] = json.load(f)
    return {(str(ggm_iri(o["name"])).rsplit("/", 1)[1], a["name"]) for o in ggm["object_types"]
            for a in o["attributes"]}


def test_every_citation_names_a_field_that_exists(model_graph: Graph, shared_dir: Path) -> None:
    attributes = _ggm_attributes(shared_dir)
    citations = {str(o) for o in model_graph.objects(None, DCTERMS.source) if isinstance(o, URIRef)}
    assert len(citations) > 150
    wrong = []
    for iri in sorted(citations):
        duo, ggm = parse_source_iri(iri), parse_ggm_citation(iri)
        if duo is not None:
            try:
                node = resolve_pointer(*duo)
            except KeyError as exc:
                wrong.append(f"{iri}: {exc}")
                continue
            if not (isinstance(node, dict) and ("/properties/" in duo[1] or "/parameters/" in duo[1])):
                wrong.append(f"{iri}: not a property or parameter")
        elif ggm is not None:
            if ggm not in attributes:
                wrong.append(f"{iri}: no attribute {ggm[1]!r} on GGM object type {ggm[0]!r}")
        elif not iri.startswith(LEGAL_SOURCES) and iri not in DUO_DOCUMENTS:
            wrong.append(f"{iri}: neither a DUO nor a GGM citation, nor the law or DUO's event documentation")
    assert wrong == []


def test_a_stale_citation_is_found(shared_dir: Path) -> None:
    """The existence check can fail: a made-up DUO property and a made-up GGM attribute are reported."""
    with pytest.raises(KeyError):
        resolve_pointer("GevolgdeUren", "/components/schemas/TaallesEnKnmBredeIntake/properties/minuten")
    stale = parse_ggm_citation(str(ggm_citation("Brede Intake.GevolgdeMinuten")))
    assert stale is not None and stale not in _ggm_attributes(shared_dir)


def test_doctests_of_the_citation_modules_run() -> None:
    import doctest

    from inburgering.mapping import coverage
    from inburgering.model import citations
    from inburgering.sources import openapi_fields

    for module in (citations, openapi_fields, coverage):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
