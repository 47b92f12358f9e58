"""The curated source tables of the model (``ontology/source/*.yaml``), read into typed records.

The Turtle in ``ontology/`` is generated from these tables (``inburgering model generate``); both are committed,
and a test checks that they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from inburgering.errors import SourceError

AN_LENGTHS = {"AN10": 10, "AN40": 40, "AN50": 50, "AN200": 200}


@dataclass(frozen=True)
class Text:
    """A text in Dutch and English."""

    nl: str
    en: str


@dataclass(frozen=True)
class ClassDef:
    name: str
    label: Text
    definition: Text
    sub: tuple[str, ...] = ()
    ggm: str | None = None
    alt_nl: tuple[str, ...] = ()
    alt_en: tuple[str, ...] = ()
    disjoint: tuple[str, ...] = ()


@dataclass(frozen=True)
class PropertyDef:
    name: str
    range: str
    label: Text
    definition: Text
    domain: tuple[str, ...] = ()
    functional: bool = False
    inverse: str | None = None
    sub: tuple[str, ...] = ()
    ggm: tuple[str, ...] = ()
    ggm_relation: tuple[str, ...] = ()
    #: DUO fields this property carries: ``Spec:Schema.property`` or ``Spec:#/json/pointer`` (``openapi_fields``).
    duo: tuple[str, ...] = ()
    #: The term that replaces this one (``owl:deprecated``, ``dct:isReplacedBy``); the loader no longer writes it.
    replaced_by: str | None = None
    #: A derived datum (``inb:afgeleidVan``): the terms of the source facts its value is computed from.
    derived_from: tuple[str, ...] = ()
    #: Other documents the term cites (``dct:source`` IRIs): an article of the law, DUO's documentation.
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConceptDef:
    notation: str
    label: Text
    definition: Text
    alt_nl: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemeDef:
    name: str
    title: Text
    definition: Text
    concepts: tuple[ConceptDef, ...]
    ggm: tuple[str, ...] = ()
    duo: str | None = None


@dataclass(frozen=True)
class Model:
    header: dict[str, Any]
    classes: tuple[ClassDef, ...]
    properties: tuple[PropertyDef, ...]
    schemes: tuple[SchemeDef, ...] = field(default=())


def _load(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"cannot read the model table: {exc}", file=str(path)) from exc


def _text(value: Any, where: tuple[str, str, str]) -> Text:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) and v for v in value)):
        raise SourceError("expected [Dutch, English], two non-empty strings", file=where[0], record=where[1],
                          field=where[2])
    return Text(nl=value[0].strip(), en=value[1].strip())


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _classes(path: Path) -> tuple[ClassDef, ...]:
    out = []
    for name, row in (_load(path) or {}).items():
        out.append(ClassDef(
            name=name, label=_text(row.get("label"), (str(path), name, "label")),
            definition=_text(row.get("def"), (str(path), name, "def")), sub=_tuple(row.get("sub")),
            ggm=row.get("ggm"), alt_nl=_tuple(row.get("alt_nl")), alt_en=_tuple(row.get("alt_en")),
            disjoint=_tuple(row.get("disjoint"))))
    return tuple(out)


def _properties(path: Path) -> tuple[PropertyDef, ...]:
    out = []
    for name, row in (_load(path) or {}).items():
        if "range" not in row:
            raise SourceError("missing", file=str(path), record=name, field="range")
        out.append(PropertyDef(
            name=name, range=str(row["range"]), label=_text(row.get("label"), (str(path), name, "label")),
            definition=_text(row.get("def"), (str(path), name, "def")), domain=_tuple(row.get("domain")),
            functional=bool(row.get("functional", False)), inverse=row.get("inverse"), sub=_tuple(row.get("sub")),
            ggm=_tuple(row.get("ggm")), ggm_relation=_tuple(row.get("ggm_relation")), duo=_tuple(row.get("duo")),
            replaced_by=row.get("replaced_by"), derived_from=_tuple(row.get("derived_from")),
            cites=_tuple(row.get("cites"))))
    return tuple(out)


def _concept(row: Any, where: tuple[str, str]) -> ConceptDef:
    if isinstance(row, list):  # [notation, nl, en, def nl, def en]
        if len(row) != 5:  # a missing definition, or an unquoted comma that split a value
            raise SourceError(f"expected 5 items [notation, label nl, label en, def nl, def en], got {len(row)} "
                              "(every concept needs a definition; quote values with commas)",
                              file=where[0], record=f"{where[1]}/{row[0]}")
        row = {"notation": row[0], "label": row[1:3], "def": row[3:5]}
    notation = str(row.get("notation", "")).strip()
    if not notation:
        raise SourceError("missing", file=where[0], record=where[1], field="notation")
    record = f"{where[1]}/{notation}"
    if not row.get("def"):  # NL-SBB: every concept has a definition (tests/profiles/test_nl_sbb.py)
        raise SourceError("missing: every concept needs [Dutch, English] definitions", file=where[0], record=record,
                          field="def")
    definition = _text(row["def"], (where[0], record, "def"))
    return ConceptDef(notation=notation, label=_text(row.get("label"), (where[0], record, "label")),
                      definition=definition, alt_nl=_tuple(row.get("alt_nl")))


def _schemes(path: Path) -> tuple[SchemeDef, ...]:
    out = []
    for name, row in (_load(path) or {}).items():
        concepts = tuple(_concept(c, (str(path), name)) for c in row.get("concepts") or ())
        out.append(SchemeDef(
            name=name, title=_text(row.get("title"), (str(path), name, "title")),
            definition=_text(row.get("def"), (str(path), name, "def")), concepts=concepts,
            ggm=_tuple(row.get("ggm")), duo=row.get("duo")))
    return tuple(out)


def load_model(source_dir: Path) -> Model:
    """Read ``ontology.yaml``, ``classes.yaml``, ``properties.yaml`` and ``schemes.yaml`` from ``source_dir``."""
    return Model(header=_load(source_dir / "ontology.yaml") or {},
                 classes=_classes(source_dir / "classes.yaml"),
                 properties=_properties(source_dir / "properties.yaml"),
                 schemes=_schemes(source_dir / "schemes.yaml"))
