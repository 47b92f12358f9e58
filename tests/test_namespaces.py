"""IRI policy: the functions that make every IRI the code writes."""

from __future__ import annotations

import pytest

from inburgering import namespaces as ns


def test_concept_iri_has_scheme_and_notation() -> None:
    assert ns.concept_iri("examenonderdeel", "KNM") == "https://w3id.org/inburgering/id/concept/examenonderdeel/KNM"


def test_concept_iri_makes_a_safe_segment_from_a_spaced_notation() -> None:
    assert ns.concept_iri("leerbaarheidstoetsresultaat", "B1-route niet haalbaar").endswith(
        "/leerbaarheidstoetsresultaat/B1-route-niet-haalbaar")


def test_thing_and_doc_iri_follow_the_dutch_uri_strategy() -> None:
    base = "https://data.example.org/inburgering/"
    assert ns.thing_iri(base, "pip", "ab12-2024-01-02") == "https://data.example.org/inburgering/id/pip/ab12-2024-01-02"
    assert ns.doc_iri(base, "pip", "ab12-2024-01-02") == "https://data.example.org/inburgering/doc/pip/ab12-2024-01-02"


def test_thing_iri_escapes_a_slash_in_the_reference() -> None:
    assert ns.thing_iri("https://x.org", "instelling", "a/b").endswith("/id/instelling/a%2Fb")


def test_gemeente_iri_is_tooi_and_refuses_a_bad_code() -> None:
    assert ns.gemeente_iri("GM0363") == "https://identifier.overheid.nl/tooi/id/gemeente/gm0363"
    with pytest.raises(ValueError, match="GM followed by 4 digits"):
        ns.gemeente_iri("0363")


@pytest.mark.parametrize("code", ["GM0363\n", "GM\u0660\u0663\u0666\u0663", "GM\uff10\uff13\uff16\uff13"])
def test_gemeente_iri_refuses_a_final_newline_and_non_ascii_digits(code: str) -> None:
    """Found by fuzzing the loader: "GM0363\\n" and Arabic-Indic digits passed ``^GM\\d{4}$``."""
    with pytest.raises(ValueError, match="GM followed by 4 digits"):
        ns.gemeente_iri(code)


def test_instance_graphs_keep_special_categories_apart() -> None:
    graph = ns.instance_graph("https://x.org", "GM0363", "duo", "20261125T1200")
    assert graph == "https://x.org/graph/gm0363/duo/20261125T1200"
    assert ns.instance_graph("https://x.org", "GM0363", "duo", "20261125T1200", special=True) == graph + "/bijzonder"


@pytest.mark.parametrize("name", ["", "DUO", "1duo", "du o", "duo/x", "a" * 33, "duo\n"])
def test_source_names_are_checked(name: str) -> None:
    with pytest.raises(ValueError, match="not a source name"):
        ns.instance_graph("https://x.org", "GM0363", name, "L1")
