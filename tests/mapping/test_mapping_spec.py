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
