"""One pass over a load's mapped triples: the facts the derivation rules read, indexed by subject.

The pass keeps only the predicates the rules need (and the few ``rdf:type`` classes they look at), so memory and
time grow with the size of the input and nothing else. It refuses special-category facts (health, justice,
addiction): derived facts are published where a token without that permission can read them, so they must never
be computed from such facts. What counts as special is read from the mappings (``special:`` in
``mapping/mappings/*.yaml``), the same place that decides which triples the loader puts in ``…/bijzonder``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from inburgering import namespaces as ns
from inburgering.errors import AccessError
from inburgering.mapping import builtin_mapping

#: A node (IRI, or ``_:id`` for a blank node) or a literal: nodes are kept as strings, whose hash Python caches.
Value = str | Literal

#: The predicates the rules read, by local name.
READ = ("heeftInburgeringsplicht", "historisch", "indicatorInburgeringsplicht", "begindatum", "einddatum",
        "datumKennisgeving", "datumVestiging", "heeftInburgeringstermijn", "startdatum", "heeftVerlenging",
        "heeftOntheffing", "heeftVrijstelling", "oordeel", "examenonderdeel", "niveau", "ontheffingVoor",
        "vrijstellingVoor", "heeftPip", "dagtekening", "dagtekeningInitielePip", "leerrouteType",
        "datumAfrondingZroute", "heeftExamenresultaat", "resultaat", "examendatum")
#: The classes the rules read, by local name (a person, the kind of an exemption or dispensation, of a route).
CLASSES = ("Inburgeraar", "Asielstatushouder", "GezinsmigrantEnOverigeMigrant", "GeheleOntheffing", "GedeeltelijkeOntheffing", "GeheleVrijstelling",
           "TijdelijkeVrijstelling", "GedeeltelijkeVrijstelling", "B1Route", "Onderwijsroute", "ZRoute")
#: A person is typed with one of these (the loader writes the first and one of the others).
PERSONS = frozenset(CLASSES[:3])
RDF_TYPE = NamedNode(ns.RDF + "type")
AFGESPROKEN_IN = NamedNode(ns.inb("afgesprokenIn"))
XSD_DATE = NamedNode(ns.XSD + "date")
_NO_VALUES: list[Value] = []


@dataclass
class Index:
    """The facts of one load the rules read: per node, per predicate's local name, its objects."""

    facts: dict[str, dict[str, list[Value]]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    #: PIP → the learning routes agreed in it (``?route inb:afgesprokenIn ?pip``, read the other way).
    routes: dict[str, list[str]] = field(default_factory=dict)
    #: The persons' IRIs, in the order they were met.
    persons: list[str] = field(default_factory=list)

    def objects(self, subject: str, name: str) -> list[Value]:
        """The objects of ``subject``'s ``inb:{name}`` (empty when none)."""
        by_name = self.facts.get(subject)
        return by_name.get(name, _NO_VALUES) if by_name else _NO_VALUES

    def nodes(self, subject: str, name: str) -> list[str]:
        """The objects of ``inb:{name}`` that are nodes."""
        return [o for o in self.objects(subject, name) if type(o) is str]

    def dates(self, subject: str, name: str) -> list[date]:
        """The ``xsd:date`` values of ``inb:{name}``; a malformed one is left out (the shapes report it)."""
        out = []
        for o in self.objects(subject, name):
            if isinstance(o, Literal) and o.datatype == XSD_DATE:
                try:
                    out.append(date.fromisoformat(o.value[:10]))
                except ValueError:
                    continue
        return out

    def date(self, subject: str, name: str) -> date | None:
        """The earliest ``xsd:date`` value of ``inb:{name}`` (functional properties have one), or ``None``."""
        found = self.dates(subject, name)
        return min(found) if found else None

    def boolean(self, subject: str, name: str) -> bool | None:
        """The ``xsd:boolean`` value of ``inb:{name}``, or ``None``."""
        for o in self.objects(subject, name):
            if isinstance(o, Literal):
                return o.value in ("true", "1")
        return None

    def has_type(self, subject: str, name: str) -> bool:
        return name in self.types.get(subject, ())


def _key(node: NamedNode | BlankNode | Literal | Triple) -> Value:
    """A node as its string (``_:id`` for a blank node); a literal as it is."""
    kind = type(node)
    if kind is NamedNode:
        return node.value  # type: ignore[union-attr]
    if kind is BlankNode:
        return "_:" + node.value  # type: ignore[union-attr]
    if kind is Literal:
        return node  # type: ignore[return-value]
    return str(node)  # an RDF-star triple term: never read by the rules


@cache
def _predicates() -> dict[NamedNode, str]:
    return {NamedNode(ns.inb(name)): name for name in READ}


@cache
def _classes() -> dict[NamedNode, str]:
    return {NamedNode(ns.inb(name)): name for name in CLASSES}


@cache
def special_markers() -> dict[NamedNode, frozenset[NamedNode] | None]:
    """Predicate → the objects that make a triple special-category (``None``: every object), from the mappings.

    >>> markers = special_markers()
    >>> NamedNode(ns.concept_iri("ontheffingsgrond", "MED")) in markers[NamedNode(ns.inb("ontheffingsgrond"))]
    True
    """
    markers: dict[NamedNode, set[NamedNode] | None] = {}
    for kind in ("duo", "ggm"):
        for entity in builtin_mapping(kind).entities:
            for prop in entity.properties:
                predicate = NamedNode(ns.inb(prop.property))
                if prop.special:
                    markers[predicate] = None
                elif entity.special.field and prop.field == entity.special.field and prop.scheme:
                    known = markers.setdefault(predicate, set())
                    if known is not None:
                        known.update(NamedNode(ns.concept_iri(prop.scheme, v)) for v in entity.special.values)
    return {p: frozenset(o) if o is not None else None for p, o in markers.items()}


def index_triples(triples: Iterable[Triple | Quad], *, person_prefix: str) -> Index:
    """Index ``triples`` (one pass); persons are the subjects typed ``inb:Inburgeraar`` (or a subclass) under
    ``person_prefix``, in the order met, possibly more than once.

    Raises ``AccessError`` on a special-category fact.
    """
    predicates, classes, special = _predicates(), _classes(), special_markers()
    index = Index()
    facts, types, routes, persons = index.facts, index.types, index.routes, index.persons
    for s, p, o, *_ in triples:  # unpacking is the cheapest way to reach the terms (a quad's graph: ignored)
        name = predicates.get(p)
        if name is not None:
            subject = _key(s)
            assert isinstance(subject, str)
            by_name = facts.get(subject)
            if by_name is None:
                by_name = facts[subject] = {}
            found = by_name.get(name)
            if found is None:
                by_name[name] = [_key(o)]
            else:
                found.append(_key(o))
        elif p == RDF_TYPE:
            kind = classes.get(o)
            if kind is not None:
                subject = _key(s)
                assert isinstance(subject, str)
                types.setdefault(subject, set()).add(kind)
                if kind in PERSONS and subject.startswith(person_prefix):
                    persons.append(subject)
        elif p == AFGESPROKEN_IN:
            route, pip = _key(s), _key(o)
            if isinstance(route, str) and isinstance(pip, str):
                routes.setdefault(pip, []).append(route)
        elif p in special:
            objects = special[p]
            if objects is None or o in objects:
                raise AccessError(f"special-category fact ({p.value} {o}): derived facts are computed from the "
                                  "non-special facts of a load only")
    return index
