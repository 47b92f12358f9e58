"""Mapping files are checked when read: every mistake names the file, the entity and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from inburgering.errors import MappingError
from inburgering.mapping import builtin_mapping, load_mapping, map_person

HEAD = "kind: test\nversion: '1'\nperson: {bsn: bsn, gemeente: gemeente}\nentities:\n"
PERSON = "  - {entity: persoon, type: persoon, class: Inburgeraar, properties: [{property: pseudoniem, as: pseudonym}]}\n"


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(("body", "expected"), [
    (PERSON.replace("Inburgeraar", "Inburgeraer"), "entity persoon, field class: inb:Inburgeraer is not defined"),
    (PERSON.replace("pseudoniem", "pseudonim"), "property pseudonim, field property: inb:pseudonim is not defined"),
    (PERSON.replace("as: pseudonym", "as: colour"), "unknown value kind 'colour'"),
    (PERSON + "  - {entity: pip, type: pip, class: PIP, from: pip, parent: {entity: later, property: heeftPip}}\n",
     "entity pip, field parent: parent 'later' must be defined before this entity"),
    (PERSON + "  - {entity: pip, type: pip, class: PIP, properties: [{property: niveau, field: n, as: concept}]}\n",
     "a concept needs a scheme"),
    (PERSON + PERSON, "entity persoon: entity defined twice"),
    ("  - [not, a, mapping]\n", "an entity must be a mapping"),
])
def test_mistakes_in_a_mapping_file_are_named(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(MappingError) as info:
        load_mapping(path)
    assert str(info.value).startswith(str(path)) and expected in str(info.value)


def test_unreadable_yaml_is_a_mapping_error(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("entities: [unclosed", encoding="utf-8")
    with pytest.raises(MappingError, match="cannot read the mapping"):
        load_mapping(path)


def test_the_packaged_mappings_load_and_record_their_checksum() -> None:
    for kind in ("duo", "ggm"):
        mapping = builtin_mapping(kind)
        assert mapping.kind == kind and len(mapping.sha256) == 64 and mapping.entities[0].name == "persoon"


def test_a_value_of_the_wrong_type_names_the_record_and_field() -> None:
    record = {"gemeente": "GM0363", "inburgeringsplicht": {"indicatorInburgeringsplicht": "misschien"}}
    with pytest.raises(MappingError) as info:
        map_person(builtin_mapping("duo"), record, base="https://x.org", pseudonym="a" * 32, file="b.jsonl",
                   locator="line 4")
    assert str(info.value).startswith("b.jsonl, line 4, field indicatorInburgeringsplicht: not a yes/no value")


def test_a_child_without_its_parent_is_a_mapping_error() -> None:
    record = {"gemeente": "GM0363", "ontheffingen": [{"GeheleOntheffing": {"oordeel": "Toekenning",
                                                                          "datumOordeel": "2023-01-01", "grond": "BIO"}}]}
    with pytest.raises(MappingError, match="without its inburgeringsplicht"):
        map_person(builtin_mapping("duo"), record, base="https://x.org", pseudonym="a" * 32)


TABLES = """
  - entity: punt
    type: aandachtspunt
    for_each: punt
    key: "{id}"
    class: Aandachtspunt
    parent: {entity: persoon, property: heeftAandachtspunt}
    properties: [{property: startdatum, field: start, as: date}]
  - entity: sub
    type: subdoelaandachtspunt
    for_each: sub
    key: "{id}"
    class: SubdoelAandachtspunt
    parent: {entity: punt, property: heeftSubdoelAandachtspunt, join: {punt_id: id}}
    special: {field: ^.soort, in: [Verslaving]}
    properties:
      - {property: subdoel, field: tekst, as: concept, scheme: subdoelfinancien, when: {field: ^.soort, in: [Financien]}}
      - {property: subdoel, field: tekst, as: concept, scheme: subdoelverslaving, when: {field: ^.soort, in: [Verslaving]}}
  - entity: termijn
    type: inburgeringstermijn
    from: termijn
    class: Inburgeringstermijn
    properties: [{property: boetebedrag, field: boete, as: decimal}]
"""


def test_a_parent_path_picks_the_code_list_and_the_graph_of_a_child(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, PERSON + TABLES))
    record = {"gemeente": "GM0363", "punt": [{"id": 1, "soort": "Financien"}, {"id": 2, "soort": "Verslaving"}],
              "sub": [{"id": 11, "punt_id": 1, "tekst": "ik heb hulp"}, {"id": 12, "punt_id": 2, "tekst": "ik heb hulp"}]}
    person = map_person(mapping, record, base="https://x.org", pseudonym="a" * 32)
    subdoel = "https://w3id.org/inburgering/def/subdoel"
    ordinary = {t.object.value for t in person.triples if t.predicate.value == subdoel}
    special = {t.object.value for t in person.special if t.predicate.value == subdoel}
    assert ordinary == {"https://w3id.org/inburgering/id/concept/subdoelfinancien/ik-heb-hulp"}
    assert special == {"https://w3id.org/inburgering/id/concept/subdoelverslaving/ik-heb-hulp"}


def test_a_parent_path_without_a_parent_is_a_mapping_error(tmp_path: Path) -> None:
    body = PERSON + "  - {entity: pip, type: pip, class: PIP, from: pip, when: ^.x}\n"
    with pytest.raises(MappingError, match="entity pip: a '\\^.' path reads the parent's item"):
        load_mapping(_write(tmp_path, body))


@pytest.mark.parametrize(("value", "expected"), [("250.50", "250.5"), (100, "100"), ("0.05", "0.05")])
def test_a_decimal_is_written_in_canonical_form(tmp_path: Path, value: object, expected: str) -> None:
    mapping = load_mapping(_write(tmp_path, PERSON + TABLES))
    person = map_person(mapping, {"gemeente": "GM0363", "termijn": {"boete": value}}, base="https://x.org",
                        pseudonym="a" * 32)
    [boete] = [t.object for t in person.triples if t.predicate.value.endswith("/boetebedrag")]
    assert (boete.value, boete.datatype.value) == (expected, "http://www.w3.org/2001/XMLSchema#decimal")


def test_a_decimal_that_is_not_a_number_names_the_field(tmp_path: Path) -> None:
    mapping = load_mapping(_write(tmp_path, PERSON + TABLES))
    with pytest.raises(MappingError, match="field boete: not a number: 'veel' \\(expected decimal\\)"):
        map_person(mapping, {"gemeente": "GM0363", "termijn": {"boete": "veel"}}, base="https://x.org",
                   pseudonym="a" * 32)


def test_columns_read_follow_fields_keys_joins_parents_and_derived_keys(tmp_path: Path) -> None:
    text = HEAD.replace("person: {bsn: bsn, gemeente: gemeente}",
                        "person: {bsn: np.bsn, gemeente: gemeente}\nderived: {gemeente: ib.gm}\n")
    path = tmp_path / "m.yaml"
    path.write_text(text + PERSON.replace("pseudonym}]", "pseudonym}, {property: gemeente, field: gemeente, "
                                          "as: gemeente}]") + TABLES, encoding="utf-8")
    mapping = load_mapping(path)
    assert mapping.derived == {"gemeente": "ib.gm"}
    assert mapping.columns_read() == {
        ("np", "bsn"), ("ib", "gm"), ("punt", None), ("punt", "id"), ("punt", "start"), ("punt", "soort"),
        ("sub", None), ("sub", "id"), ("sub", "punt_id"), ("sub", "tekst"), ("termijn", None), ("termijn", "boete")}


@pytest.mark.parametrize(("section", "expected"), [
    ("derived: {gemeente: gm}", "needs the column it is filled from, as table.column"),
    ("derived: [gemeente]", "must be a mapping of record keys to columns"),
])
def test_mistakes_in_the_derived_keys_are_named(tmp_path: Path, section: str, expected: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(HEAD.replace("entities:\n", section + "\nentities:\n") + PERSON, encoding="utf-8")
    with pytest.raises(MappingError, match=expected):
        load_mapping(path)
