"""Execute a mapping on one person's source record: a nested dict in, pyoxigraph triples out.

The engine knows nothing about DUO or the GGM: everything source-specific lives in the mapping file. It
writes every term through ``inburgering.namespaces`` and never builds RDF from strings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from inburgering.errors import MappingError
from inburgering.mapping.spec import Condition, EntitySpec, Join, Mapping, PropertySpec
from inburgering.namespaces import RDF, XSD, concept_iri, gemeente_iri, inb, thing_iri

_TYPE = NamedNode(RDF + "type")
_DATE, _BOOLEAN, _INTEGER = NamedNode(XSD + "date"), NamedNode(XSD + "boolean"), NamedNode(XSD + "integer")
_DECIMAL = NamedNode(XSD + "decimal")
_KEY_FIELD = re.compile(r"\{([^{}]+)\}")
_TRUE = {"true", "1", "ja", "j", "yes", "y"}
_FALSE = {"false", "0", "nee", "n", "no"}


@dataclass
class MappedPerson:
    """One person's mapped facts: ordinary and special-category triples, kept apart for their graphs."""

    pseudonym: str
    gemeente: str
    triples: list[Triple] = field(default_factory=list)
    special: list[Triple] = field(default_factory=list)
    #: How many things of each type (``pip``, ``examenresultaat``…) the record yielded.
    counts: Counter[str] = field(default_factory=Counter)
    #: IRIs of the nodes minted for this person (a SHACL focus node is attributed to its person through these).
    nodes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Instance:
    item: Any
    node: NamedNode
    special: bool


@dataclass(frozen=True)
class _Context:
    mapping: Mapping
    root: MappingABC[str, Any]
    base: str
    pseudonym: str
    vnummer_pseudonym: str | None
    file: str
    record: str


@lru_cache(maxsize=1024)
def _term_node(local_name: str) -> NamedNode:
    """The vocabulary term ``inb:{local_name}`` as a node (checked against the ontology once)."""
    return NamedNode(inb(local_name))


@lru_cache(maxsize=4096)
def _steps(path: str) -> tuple[bool, tuple[str, ...]]:
    """A dotted path parsed once: whether it starts at the record's root, and its parts."""
    return path.startswith("$."), tuple(path.removeprefix("$.").split("."))


def resolve(item: Any, root: Any, path: str) -> Any:
    """The value at a dotted ``path`` in ``item`` (``$.``-prefixed paths start at the record's root).

    A list of exactly one element is stepped through (a GGM table with one row for the person).
    """
    from_root, parts = _steps(path)
    node = root if from_root else item
    for part in parts:
        if isinstance(node, list) and len(node) == 1:  # a one-row table: step into its row
            node = node[0]
        if type(node) is not dict and not isinstance(node, MappingABC):  # dict first: the ABC check is slow
            return None
        node = node.get(part)
    return node


def resolve_all(root: Any, path: str) -> list[Any]:
    """Every value at ``path``, stepping into lists on the way (``ontheffingen.GeheleOntheffing``).

    A ``*`` step takes every entry of an object keyed by an identifier; the item gets the key as ``_key``.
    """
    nodes = [root]
    for part in path.removeprefix("$.").split("."):
        nxt: list[Any] = []
        for node in nodes:
            for candidate in node if isinstance(node, list) else [node]:
                if not isinstance(candidate, MappingABC):
                    continue
                if part == "*":
                    nxt.extend({**v, "_key": k} if isinstance(v, MappingABC) else v for k, v in candidate.items())
                elif candidate.get(part) is not None:
                    nxt.append(candidate[part])
        nodes = nxt
    flat: list[Any] = []
    for node in nodes:
        flat.extend(node if isinstance(node, list) else [node])
    return flat


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _holds(ctx: _Context, item: Any, condition: Condition | None) -> bool:
    if condition is None:
        return True
    value = resolve(item, ctx.root, condition.field)
    if _empty(value):
        return False
    return condition.values is None or str(value) in condition.values


def _error(ctx: _Context, message: str, field_: str | None) -> MappingError:
    return MappingError(message, file=ctx.file, record=ctx.record, field=field_)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _literal(ctx: _Context, kind: str, value: Any, where: str) -> Literal:
    try:
        if kind == "date":
            return Literal(_as_date(value).isoformat(), datatype=_DATE)
        if kind == "boolean":
            text = str(value).strip().lower()
            if text not in _TRUE | _FALSE:
                raise ValueError(f"not a yes/no value: {value!r}")
            return Literal("true" if text in _TRUE else "false", datatype=_BOOLEAN)
        if kind == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(f"not a whole number: {value!r}")
            return Literal(str(int(str(value).strip()) if not isinstance(value, float) else int(value)),
                           datatype=_INTEGER)
        if kind == "decimal":
            if isinstance(value, bool):
                raise ValueError(f"not a number: {value!r}")
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                raise ValueError(f"not a number: {value!r}") from None
            if not number.is_finite():
                raise ValueError(f"not a number: {value!r}")
            return Literal(format(number.normalize(), "f"), datatype=_DECIMAL)
    except ValueError as exc:
        raise _error(ctx, f"{exc} (expected {kind})", where) from exc
    return Literal(str(value))


def _age(ctx: _Context, item: Any, spec: PropertySpec) -> Literal | None:
    assert spec.birth and spec.at
    birth, at = resolve(item, ctx.root, spec.birth), resolve(item, ctx.root, spec.at)
    if _empty(birth) or _empty(at):
        return None
    try:
        b, a = _as_date(birth), _as_date(at)
    except ValueError as exc:
        raise _error(ctx, f"not a date: {exc}", spec.birth) from exc
    years = a.year - b.year - ((a.month, a.day) < (b.month, b.day))
    return Literal(str(years), datatype=_INTEGER)


def _joined(ctx: _Context, candidates: list[_Instance], item: Any, join: Join | None) -> list[_Instance]:
    if join is None:
        return candidates if len(candidates) <= 1 else []
    wanted = resolve(item, ctx.root, join.child_field)
    return [c for c in candidates if not _empty(wanted) and resolve(c.item, ctx.root, join.parent_field) == wanted]


def _term(ctx: _Context, spec: PropertySpec, item: Any, done: dict[str, list[_Instance]],
          extra: list[Triple]) -> NamedNode | Literal | None:
    """The RDF term for one property of one item, or ``None`` when the source does not know the value."""
    kind = spec.value_kind
    if kind == "pseudonym":
        return Literal(ctx.pseudonym)
    if kind == "vnummer-pseudonym":
        return Literal(ctx.vnummer_pseudonym) if ctx.vnummer_pseudonym else None
    if kind == "age":
        return _age(ctx, item, spec)
    if kind == "entity":
        assert spec.entity
        targets = _joined(ctx, done.get(spec.entity, []), item, spec.join)
        return targets[0].node if targets else None
    value = spec.const if spec.const is not None else resolve(item, ctx.root, spec.field or "")
    if spec.values is not None and not _empty(value):
        value = spec.values.get(str(value), value)
    if _empty(value):
        return None
    where = spec.field or spec.property
    if kind == "concept":
        assert spec.scheme
        try:
            return NamedNode(concept_iri(spec.scheme, str(value)))
        except ValueError as exc:
            raise _error(ctx, str(exc), where) from exc
    if kind == "gemeente":
        code = str(value).strip().upper()
        try:
            return NamedNode(gemeente_iri(f"GM{code}" if code.isdigit() else code))
        except ValueError as exc:
            raise _error(ctx, str(exc), where) from exc
    if kind == "instelling":
        node = NamedNode(thing_iri(ctx.base, "instelling", str(value)))
        extra += [Triple(node, _TYPE, _term_node("Instelling")),
                  Triple(node, _term_node("instellingsnummer"), Literal(str(value)))]
        return node
    return _literal(ctx, kind, value, where)


def _node(ctx: _Context, spec: EntitySpec, item: Any, n: int) -> NamedNode:
    if spec.key is None:
        return NamedNode(thing_iri(ctx.base, spec.type, ctx.pseudonym))

    def fill(match: re.Match[str]) -> str:
        names = match.group(1).split("|")  # "{a|b}": the first field that has a value
        for name in names:
            value = n if name == "n" else resolve(item, ctx.root, name)
            if not _empty(value):
                return str(value)
        raise _error(ctx, f"no value for the key of {spec.name}", names[0])

    return NamedNode(thing_iri(ctx.base, spec.type, f"{ctx.pseudonym}-{_KEY_FIELD.sub(fill, spec.key)}"))


def _items(ctx: _Context, spec: EntitySpec) -> list[Any]:
    if spec.source is None:
        return [ctx.root]
    if spec.many:
        return resolve_all(ctx.root, spec.source)
    value = resolve(ctx.root, ctx.root, spec.source)
    return [] if _empty(value) else [value]


def _is_special(ctx: _Context, spec: EntitySpec, item: Any) -> bool:
    if spec.special.always:
        return True
    if spec.special.field:
        return str(resolve(item, ctx.root, spec.special.field)) in spec.special.values
    return False


def _map_entity(ctx: _Context, spec: EntitySpec, done: dict[str, list[_Instance]], out: MappedPerson) -> None:
    instances: list[_Instance] = []
    on_parent = spec.when is not None and spec.when.field.startswith("^.")
    for n, row in enumerate(_items(ctx, spec), start=1):
        if not on_parent and not _holds(ctx, row, spec.when):
            continue
        parents = _joined(ctx, done.get(spec.parent.entity, []), row, spec.parent.join) if spec.parent else []
        if spec.parent and not parents:
            raise _error(ctx, f"a {spec.name} without its {spec.parent.entity}", spec.source)
        # "^.field" paths read the parent's item (a sub-goal's scheme follows its point of attention).
        item = {**row, "^": parents[0].item} if spec.uses_parent and isinstance(row, MappingABC) else row
        if on_parent and not _holds(ctx, item, spec.when):
            continue
        node = _node(ctx, spec, item, n)
        special = _is_special(ctx, spec, item)
        triples: list[Triple] = [Triple(node, _TYPE, _term_node(c)) for c in spec.classes]
        if spec.class_field:
            chosen = spec.class_values.get(str(resolve(item, ctx.root, spec.class_field)))
            if chosen:
                triples.append(Triple(node, _TYPE, _term_node(chosen)))
        for path, cls in spec.class_exists.items():
            if not _empty(resolve(item, ctx.root, path)):
                triples.append(Triple(node, _TYPE, _term_node(cls)))
        if spec.parent and spec.parent.property:
            link, parent = _term_node(spec.parent.property), parents[0].node
            triples.append(Triple(node, link, parent) if spec.parent.inverse else Triple(parent, link, node))
        extra: list[Triple] = []
        for prop in spec.properties:
            if not _holds(ctx, item, prop.when):
                continue
            term = _term(ctx, prop, item, done, extra)
            if term is not None:
                target = out.special if prop.special and not special else triples
                target.append(Triple(node, _term_node(prop.property), term))
        (out.special if special else out.triples).extend(triples)
        out.triples.extend(extra)
        if node.value not in out.nodes:  # the same thing seen twice (current and history) is one node
            out.counts[spec.type] += 1
            out.nodes.add(node.value)
        instances.append(_Instance(row, node, special))
    done[spec.name] = instances


def map_person(mapping: Mapping, record: MappingABC[str, Any], *, base: str, pseudonym: str,
               vnummer_pseudonym: str | None = None, file: str = "", locator: str = "") -> MappedPerson:
    """Map one person's record; raises ``MappingError`` naming ``file``, ``locator`` and the field.

    ``pseudonym`` stands in for the BSN, which the engine never reads.
    """
    ctx = _Context(mapping, record, base, pseudonym, vnummer_pseudonym, file, locator)
    code = str(resolve(record, record, mapping.person.gemeente) or "").strip().upper()
    try:
        gemeente_iri(code)
    except ValueError as exc:
        raise _error(ctx, str(exc), mapping.person.gemeente) from exc
    out = MappedPerson(pseudonym=pseudonym, gemeente=code)
    done: dict[str, list[_Instance]] = {}
    for spec in mapping.entities:
        _map_entity(ctx, spec, done, out)
    return out
