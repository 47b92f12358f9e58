"""Nothing lost: which source fields a mapping reads, and the values in a record that it would leave out.

Paths are written as in mapping files, from the record's root: dotted, lists stepped into, ``*`` for any key of
an object keyed by an identifier (``examenresultaten.niveau``, ``inburgeringsaanbod.*.datumInburgeringsaanbod``).
A field is *accounted for* when some entity reads it or the mapping lists it under ``not_published`` with a
reason. A test holds the packaged DUO mapping to every field of DUO's schemas; at load time :class:`Guard` reports
each value that would still be lost (a field no entity reads, or an item whose entity's ``when`` does not hold).

>>> from inburgering.mapping import builtin_mapping
>>> from inburgering.sources.openapi import field_paths
>>> guard = Guard(builtin_mapping("duo"), field_paths("inburgeringstermijnHistorie"))
>>> guard.unpublished({"inburgeringstermijnHistorie": [{"einddatum": "2026-01-01"}]}, file="b.jsonl", record="line 1")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from inburgering.mapping.engine import resolve, resolve_all
from inburgering.mapping.spec import Condition, EntitySpec, Mapping, NotPublished
from inburgering.sources.records import Problem

_KEY_FIELD = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Reader:
    """One place in a mapping that reads a field: the entity, its items' path, and when it reads it."""

    entity: str
    #: The path of the entity's items ("" for the record itself).
    source: str
    #: The field, relative to the item, or from the record's root when ``absolute``.
    field: str
    absolute: bool = False
    when: Condition | None = None
    property_when: Condition | None = None

    @property
    def path(self) -> str:
        """The field's path from the record's root."""
        if self.absolute or not self.source:
            return self.field
        return f"{self.source}.{self.field}"

    @property
    def always(self) -> bool:
        """Reads every value of the field (not only under a condition or when another item exists)."""
        return not self.absolute and self.when is None and self.property_when is None


def _entity_fields(spec: EntitySpec) -> Iterator[tuple[str, Condition | None]]:
    for prop in spec.properties:
        for name in (prop.field, prop.birth, prop.at, prop.when.field if prop.when else None,
                     prop.join.child_field if prop.join else None):
            if name and name != "_key" and prop.const is None:
                yield name, prop.when
    for name in (spec.class_field, spec.special.field, spec.when.field if spec.when else None,
                 spec.parent.join.child_field if spec.parent and spec.parent.join else None, *spec.class_exists):
        if name:
            yield name, None
    for group in _KEY_FIELD.findall(spec.key or ""):
        for name in group.split("|"):
            if name not in ("n", "_key"):
                yield name, None


def readers(mapping: Mapping) -> dict[str, list[Reader]]:
    """Path → every place in ``mapping`` that reads it (the identifiers under ``person:`` included)."""
    out: dict[str, list[Reader]] = {}
    person = mapping.person
    for name in (person.bsn, person.gemeente, person.vnummer):
        if name:
            out.setdefault(name, []).append(Reader("person", "", name))
    for spec in mapping.entities:
        for name, when in _entity_fields(spec):
            reader = Reader(spec.name, spec.source or "", name.removeprefix("$."), name.startswith("$."),
                            spec.when, when)
            out.setdefault(reader.path, []).append(reader)
    return out


def property_fields(mapping: Mapping) -> list[tuple[str, str]]:
    """``(property, path)`` for every source field whose value a property of ``mapping`` publishes.

    Paths run from the record's root (a GGM path is ``table.column``; a ``derived`` record key becomes the column
    it is filled from). Constants, pseudonyms, ages and entity links carry no field of their own and are left out.
    The ontology test that every mapped field's term cites it reads this list.

    >>> from inburgering.mapping import builtin_mapping
    >>> ("urenTaallesEnKnm", "uren.TaallesEnKnmBredeIntake.uren") in property_fields(builtin_mapping("duo"))
    True
    """
    out: list[tuple[str, str]] = []
    for spec in mapping.entities:
        for prop in spec.properties:
            if not prop.field or prop.const is not None:
                continue
            path = prop.field[2:] if prop.field.startswith("$.") else \
                f"{spec.source.removeprefix('$.')}.{prop.field}" if spec.source else prop.field
            out.append((prop.property, mapping.derived.get(path, path)))
    return out


def unaccounted(mapping: Mapping, fields: Iterable[str]) -> list[str]:
    """The ``fields`` that no entity reads and ``not_published`` does not list: values that would be lost."""
    read, listed = readers(mapping), {n.field for n in mapping.not_published}
    return [f for f in fields if f not in read and f not in listed]


def unknown(mapping: Mapping, fields: Iterable[str]) -> list[str]:
    """Paths the mapping reads or lists that are not among ``fields`` (a misspelt or outdated field)."""
    known = set(fields)
    person = {n for n in (mapping.person.bsn, mapping.person.gemeente, mapping.person.vnummer) if n}
    named = {*readers(mapping), *(n.field for n in mapping.not_published)}
    return sorted(n for n in named - person if n not in known)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _holds(item: Any, root: Any, condition: Condition | None) -> bool:
    if condition is None:
        return True
    value = resolve(item, root, condition.field)
    return not _empty(value) and (condition.values is None or str(value) in condition.values)


def _values(node: Any, parts: list[str], where: str, items: tuple[Any, ...]) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """(concrete path, value, the object at each step) for every value at ``parts`` below ``node``."""
    if isinstance(node, list):  # the element stands in for the list among the steps
        for i, element in enumerate(node):
            yield from _values(element, parts, f"{where}[{i}]", (*items[:-1], element))
        return
    if not parts:
        yield where, node, items
        return
    if not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    keys = list(node) if head == "*" else [head]
    for key in keys:
        if key in node:
            child = node[key]
            yield from _values(child, rest, f"{where}.{key}" if where else key, (*items, child))


@dataclass(frozen=True)
class _Watch:
    """A field that is not always read: the readers that may read a value, and the entries that excuse it."""

    path: str
    readers: tuple[Reader, ...]
    excused: tuple[NotPublished, ...]


class Guard:
    """Finds, in one record, the values of known fields that ``mapping`` would not publish."""

    def __init__(self, mapping: Mapping, fields: Iterable[str]) -> None:
        read = readers(mapping)
        self.file = mapping.path.name
        watches = []
        for path in fields:
            found = tuple(read.get(path, ()))
            listed = tuple(n for n in mapping.not_published if n.field == path)
            if any(r.always for r in found) or any(n.unless is None for n in listed):
                continue
            watches.append(_Watch(path, found, listed))
        self.watches = tuple(watches)
        self.roots = frozenset(w.path.split(".")[0] for w in self.watches)

    def _read(self, watch: _Watch, root: Any, items: tuple[Any, ...]) -> bool:
        for reader in watch.readers:
            if reader.absolute:
                for item in ([root] if not reader.source else resolve_all(root, reader.source)):
                    if _holds(item, root, reader.when) and _holds(item, root, reader.property_when):
                        return True
                continue
            depth = len(reader.source.split(".")) if reader.source else 0
            item = items[depth] if depth < len(items) else root
            if _holds(item, root, reader.when) and _holds(item, root, reader.property_when):
                return True
        parent = items[-2] if len(items) > 1 else root
        return any(n.unless and _empty(resolve(parent, root, n.unless)) for n in watch.excused)

    def _reason(self, watch: _Watch) -> str:
        if not watch.readers:
            return f"not published: the mapping ({self.file}) does not read this field and does not list it " \
                   "under not_published"
        names = ", ".join(sorted({r.entity for r in watch.readers}))
        return f"not published: the mapping ({self.file}) reads this field only in entity {names}, which this " \
               "record does not have or whose 'when' does not hold for this value"

    def unpublished(self, data: dict[str, Any], *, file: str, record: str) -> list[Problem]:
        """The values in ``data`` (one record) that would not be published, as problems naming their field."""
        problems: list[Problem] = []
        if not self.roots.intersection(data):
            return problems
        for watch in self.watches:
            for where, value, items in _values(data, watch.path.split("."), "", (data,)):
                if not _empty(value) and not self._read(watch, data, items):
                    problems.append(Problem(file, record, where, value, self._reason(watch)))
        return problems



def duo_guard(mapping: Mapping) -> Guard:
    """The guard of a DUO mapping over every field of DUO's schemas (``inburgering.sources.openapi``)."""
    from inburgering.sources.openapi import RESOURCES, field_paths

    return Guard(mapping, [f for key in RESOURCES for f in field_paths(key)])
