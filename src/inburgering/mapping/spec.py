"""The mapping file format: a YAML description of which source fields become which ontology terms.

A mapping file is read once, checked, and turned into the frozen dataclasses below; the engine
(``inburgering.mapping.engine``) executes them. The format is documented for data stewards in
``docs/mapping.md``; every problem in a mapping file is reported with the file, the entity and the key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from inburgering.errors import MappingError
from inburgering.namespaces import inb

#: ``{field}`` (or ``{a|b}``) in an entity's key.
_KEY_FIELD = re.compile(r"\{([^{}]+)\}")

#: How a source value becomes an RDF term (``as:`` in a property).
VALUE_KINDS = frozenset({
    "string", "date", "boolean", "integer", "decimal",  # literals
    "concept",  # a SKOS concept: concept_iri(scheme, value)
    "gemeente",  # a municipality's TOOI IRI from "GM0363" or "0363"
    "instelling",  # an institution's IRI from its instellingsnummer
    "entity",  # the IRI of another entity of the same person
    "pseudonym", "vnummer-pseudonym",  # the person's keyed pseudonyms
    "age",  # whole years between two dates (``birth`` and ``at``)
})


@dataclass(frozen=True)
class Join:
    """Match a child item to a parent instance: ``child[child_field] == parent[parent_field]``."""

    child_field: str
    parent_field: str


@dataclass(frozen=True)
class Condition:
    """``when:``: a field must have a value (and, with ``in``, one of the listed values)."""

    field: str
    values: frozenset[str] | None = None


@dataclass(frozen=True)
class PropertySpec:
    """One property of an entity: where its value comes from and how it is typed."""

    property: str
    value_kind: str = "string"
    field: str | None = None
    const: Any = None
    scheme: str | None = None
    values: dict[str, Any] | None = None
    entity: str | None = None
    join: Join | None = None
    birth: str | None = None
    at: str | None = None
    special: bool = False
    when: Condition | None = None


@dataclass(frozen=True)
class Link:
    """How an entity hangs off its parent: ``parent property child`` (or ``child property parent``).

    Without a property the parent must exist (and match the join) but no link is written: a second row that
    adds facts to a node another entity made.
    """

    entity: str
    property: str | None
    inverse: bool = False
    join: Join | None = None


@dataclass(frozen=True)
class Special:
    """When an entity is a special category (health, justice, addiction): always, or by a field's value."""

    always: bool = False
    field: str | None = None
    values: frozenset[str] = frozenset()


@dataclass(frozen=True)
class EntitySpec:
    """A kind of thing a source record yields: its IRI type, classes and properties."""

    name: str
    type: str
    classes: tuple[str, ...]
    source: str | None = None
    many: bool = False
    key: str | None = None
    when: Condition | None = None
    class_field: str | None = None
    class_values: dict[str, str] = field(default_factory=dict)
    #: Path → class: the class is added when the path has a value (a GGM subtype table row, for instance).
    class_exists: dict[str, str] = field(default_factory=dict)
    parent: Link | None = None
    special: Special = Special()
    properties: tuple[PropertySpec, ...] = ()
    #: Some path reads the parent's item (``^.field``).
    uses_parent: bool = False


@dataclass(frozen=True)
class NotPublished:
    """A source field deliberately left out of the graph (``not_published:``), with the reason why.

    With ``unless``, only the values of items where that sibling field has no value are left out.
    """

    field: str
    reason: str
    unless: str | None = None


@dataclass(frozen=True)
class PersonSpec:
    """Where the record holds the person's identifiers and municipality (never written as such)."""

    bsn: str
    gemeente: str
    vnummer: str | None = None


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file."""

    kind: str
    version: str
    person: PersonSpec
    entities: tuple[EntitySpec, ...]
    path: Path
    sha256: str
    not_published: tuple[NotPublished, ...] = ()
    #: Record key → the ``table.column`` the reader fills it from (``derived:``; the GGM's ``gemeente``).
    derived: dict[str, str] = field(default_factory=dict)

    def entity(self, name: str) -> EntitySpec:
        for spec in self.entities:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def tables_read(self) -> frozenset[str]:
        """The source tables (or resources) any entity, property, condition or identifier reads."""
        return frozenset(table for table, _ in self.columns_read())

    def columns_read(self) -> frozenset[tuple[str, str | None]]:
        """Every ``(table, column)`` the mapping reads, computed from the entities (for table-shaped sources).

        An entity's ``for_each``/``from`` names its table; a bare field is a column of that table,
        ``$.t.c`` column ``c`` of table ``t``, ``^.c`` a column of the parent entity's table, a ``derived``
        record key the column it is filled from. Keys (``{id}``) and joins count as read. ``(table, None)``:
        only the table's rows are read (``$.asielstatushouder``: the person has a row there).
        """
        tables = {e.name: e.source.removeprefix("$.").split(".")[0] if e.source else None
                  for e in self.entities}
        read: set[tuple[str, str | None]] = set()

        def add(path: str | None, table: str | None, parent: str | None = None) -> None:
            if not path:
                return
            if path.removeprefix("$.") in self.derived and (path.startswith("$.") or table is None):
                path = "$." + self.derived[path.removeprefix("$.")]
            if path.startswith("$."):
                first, _, rest = path[2:].partition(".")
                read.add((first, rest.split(".")[0] if rest else None))
            elif path.startswith("^."):
                if parent is not None:
                    read.add((parent, path[2:].split(".")[0]))
            elif table is not None:
                read.add((table, path.split(".")[0]))
            elif "." in path:  # from the record's root
                add("$." + path, None)

        for path in (self.person.bsn, self.person.gemeente, self.person.vnummer):
            add(path, None)
        for e in self.entities:
            table = tables[e.name]
            parent = tables[e.parent.entity] if e.parent else None
            if table is not None:
                read.add((table, None))
            for path in _own_paths(e):
                add(path, table, parent)
            if e.parent and e.parent.join:
                add(e.parent.join.parent_field, parent)
            for p in e.properties:
                if p.join and p.entity:
                    add(p.join.parent_field, tables.get(p.entity))
        return frozenset(read)


def _require(data: dict[str, Any], key: str, where: str, path: Path) -> Any:
    if key not in data or data[key] in (None, ""):
        raise MappingError(f"missing key {key!r}", file=str(path), record=where, field=key)
    return data[key]


def _join(raw: Any, where: str, path: Path) -> Join | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise MappingError("join must be one 'child field: parent field' pair", file=str(path), record=where,
                           field="join")
    (child, parent), = raw.items()
    return Join(str(child), str(parent))


def _condition(raw: Any) -> Condition | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        values = raw.get("in")
        return Condition(str(raw["field"]), frozenset(str(v) for v in values) if values is not None else None)
    return Condition(str(raw))


def _property(raw: Any, where: str, path: Path) -> PropertySpec:
    if not isinstance(raw, dict):
        raise MappingError("a property must be a mapping", file=str(path), record=where)
    name = str(_require(raw, "property", where, path))
    where = f"{where}, property {name}"
    kind = str(raw.get("as", "string"))
    if kind not in VALUE_KINDS:
        raise MappingError(f"unknown value kind {kind!r} (expected one of {sorted(VALUE_KINDS)})",
                           file=str(path), record=where, field="as")
    if kind == "concept" and not raw.get("scheme"):
        raise MappingError("a concept needs a scheme", file=str(path), record=where, field="scheme")
    if kind == "entity" and not raw.get("entity"):
        raise MappingError("a link needs the entity it points to", file=str(path), record=where, field="entity")
    if kind == "age" and not (raw.get("birth") and raw.get("at")):
        raise MappingError("an age needs 'birth' and 'at' fields", file=str(path), record=where, field="age")
    if kind not in ("pseudonym", "vnummer-pseudonym", "age", "entity") and "field" not in raw \
            and "const" not in raw:
        raise MappingError("a property needs a 'field' or a 'const'", file=str(path), record=where)
    try:
        inb(name)
    except KeyError as exc:
        raise MappingError(str(exc).strip("'\""), file=str(path), record=where, field="property") from exc
    values = raw.get("values")
    return PropertySpec(
        property=name, value_kind=kind, field=raw.get("field"), const=raw.get("const"),
        scheme=raw.get("scheme"), values={str(k): v for k, v in values.items()} if values else None,
        entity=raw.get("entity"), join=_join(raw.get("join"), where, path), birth=raw.get("birth"),
        at=raw.get("at"), special=bool(raw.get("special", False)), when=_condition(raw.get("when")),
    )


def _special(raw: Any) -> Special:
    if raw is True:
        return Special(always=True)
    if isinstance(raw, dict):
        return Special(field=str(raw["field"]), values=frozenset(str(v) for v in raw.get("in", ())))
    return Special()


def _entity(raw: Any, path: Path, known: set[str]) -> EntitySpec:
    if not isinstance(raw, dict):
        raise MappingError("an entity must be a mapping", file=str(path))
    name = str(_require(raw, "entity", "entities", path))
    where = f"entity {name}"
    if name in known:
        raise MappingError("entity defined twice", file=str(path), record=where)
    if "from" in raw and "for_each" in raw:
        raise MappingError("use either 'from' or 'for_each'", file=str(path), record=where)
    classes = raw.get("class", [])
    classes = (classes,) if isinstance(classes, str) else tuple(classes)
    chooser = raw.get("class_by") or {}
    parent = None
    if raw.get("parent"):
        p = raw["parent"]
        target = str(_require(p, "entity", where, path))
        if target not in known:
            raise MappingError(f"parent {target!r} must be defined before this entity", file=str(path),
                               record=where, field="parent")
        parent = Link(target, p.get("property"), bool(p.get("inverse", False)), _join(p.get("join"), where, path))
        if parent.property:
            inb(parent.property)
    for cls in (*classes, *(chooser.get("values") or {}).values(), *(chooser.get("exists") or {}).values()):
        try:
            inb(cls)
        except KeyError as exc:
            raise MappingError(str(exc).strip("'\""), file=str(path), record=where, field="class") from exc
    spec = EntitySpec(
        name=name, type=str(_require(raw, "type", where, path)), classes=classes,
        source=raw.get("from") or raw.get("for_each"), many="for_each" in raw, key=raw.get("key"),
        when=_condition(raw.get("when")), class_field=chooser.get("field"),
        class_values={str(k): str(v) for k, v in (chooser.get("values") or {}).items()},
        class_exists={str(k): str(v) for k, v in (chooser.get("exists") or {}).items()},
        parent=parent, special=_special(raw.get("special")),
        properties=tuple(_property(p, where, path) for p in raw.get("properties", [])),
    )
    if any(p.startswith("^.") for p in _own_paths(spec)):
        if parent is None:
            raise MappingError("a '^.' path reads the parent's item, but the entity has no parent",
                               file=str(path), record=where)
        spec = replace(spec, uses_parent=True)
    return spec


def _own_paths(e: EntitySpec) -> list[str]:
    """The paths an entity reads on its item (or, with ``$.``/``^.``, elsewhere); not joins' parent sides."""
    paths = [*e.class_exists, e.class_field, e.special.field, e.when.field if e.when else None]
    paths += [part for name in _KEY_FIELD.findall(e.key or "") for part in name.split("|") if part != "n"]
    if e.parent and e.parent.join:
        paths.append(e.parent.join.child_field)
    for p in e.properties:
        paths += [p.field, p.birth, p.at, p.when.field if p.when else None]
        if p.join:
            paths.append(p.join.child_field)
    return [path for path in paths if path]


def _derived(raw: Any, path: Path) -> dict[str, str]:
    """``derived:`` (record key → the ``table.column`` it is filled from)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MappingError("must be a mapping of record keys to columns", file=str(path), record="top level",
                           field="derived")
    for name, column in raw.items():
        if not isinstance(column, str) or column.count(".") != 1:
            raise MappingError("needs the column it is filled from, as table.column", file=str(path),
                               record="derived", field=str(name))
    return {str(name): str(column) for name, column in raw.items()}


def _not_published(raw: Any, path: Path) -> tuple[NotPublished, ...]:
    out = []
    for item in raw or ():
        if not isinstance(item, dict):
            raise MappingError("a not_published entry must be a mapping", file=str(path), record="not_published")
        name = str(_require(item, "field", "not_published", path))
        reason = str(_require(item, "reason", f"not_published {name}", path))
        out.append(NotPublished(name, reason, item.get("unless")))
    return tuple(out)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; raises ``MappingError`` naming the file, the entity and the key."""
    path = Path(path)
    try:
        text = path.read_bytes()
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read the mapping: {exc}", file=str(path)) from exc
    if not isinstance(data, dict):
        raise MappingError("a mapping file must be a YAML mapping", file=str(path))
    person = _require(data, "person", "top level", path)
    known: set[str] = set()
    entities = []
    for raw in _require(data, "entities", "top level", path):
        spec = _entity(raw, path, known)
        known.add(spec.name)
        entities.append(spec)
    for spec in entities:
        for prop in spec.properties:
            if prop.entity and prop.entity not in known:
                raise MappingError(f"unknown entity {prop.entity!r}", file=str(path),
                                   record=f"entity {spec.name}, property {prop.property}", field="entity")
    return Mapping(
        kind=str(_require(data, "kind", "top level", path)), version=str(_require(data, "version", "top level", path)),
        derived=_derived(data.get("derived"), path),
        person=PersonSpec(bsn=str(_require(person, "bsn", "person", path)),
                          gemeente=str(_require(person, "gemeente", "person", path)),
                          vnummer=person.get("vnummer")),
        entities=tuple(entities), path=path, sha256=hashlib.sha256(text).hexdigest(),
        not_published=_not_published(data.get("not_published"), path),
    )
