"""Cross-source conflicts: two sources (a DUO bundle, the municipality's GGM database, …) that disagree about one
person on the learning route, the PIP date, the municipality, or the duty's dates.

This is a store-level check, not a shape in the shapes graph: both engines validate a graph with the graph names
dropped, so no SHACL shape can see which source said what. Per fact, ONE SPARQL query reads what every published
source says about every person: the graph's source from the meta graph (``?g inb:bron "duo"``) joined with the
fact inside that graph; the sources are then compared per person here, on the person IRI (one pseudonym across
sources). The results are ``sh:Warning`` results of the project's report: the data of both sources is published
as it came, and neither is known to be the right one (``docs/analysts.md``).

Why not compare in SPARQL: a join of the two sources with a MINUS for "unless the other source says it too" took
0.2-0.7 s per fact on Oxigraph (3,000 persons per source), but 4-15 s on Virtuoso for a handful of persons (it ran
out of its memory pool under load); the one-sided query takes 3 ms there, and 0.3-0.4 s on Oxigraph for 3,000
persons in each of two sources on a busy machine. No FILTER NOT EXISTS anywhere (reference/perf-notes.md).

>>> [check.name for check in CHECKS]
['BronnenOneensLeerroute', 'BronnenOneensPipDatum', 'BronnenOneensGemeente', 'BronnenOneensBeginPlicht', \
'BronnenOneensEindeTermijn']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode, QuerySolutions

from inburgering.errors import UsageError
from inburgering.namespaces import SHAPES, VOCAB, gemeente_iri, meta_graph
from inburgering.store.base import Store
from inburgering.validation.report import WARNING, Claim, ValidationResult

#: Every conflict result names this component: the check is a SPARQL query, run on the store.
COMPONENT = "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"


@dataclass(frozen=True)
class ConflictCheck:
    """One fact two sources must agree on. ``pattern`` binds ``?person`` to ``?value`` inside one graph."""

    name: str
    path: str
    pattern: str
    about: dict[str, str]

    @property
    def iri(self) -> str:
        """The IRI that names the check in the report (``https://w3id.org/inburgering/shapes/BronnenOneens…``)."""
        return SHAPES + self.name


#: A duty is compared only in its current record: every duty record carries inb:historisch (docs/core-vocabulary.md);
#: a triple pattern, not an OPTIONAL and a FILTER, which made the duty checks three times slower.
_CURRENT_DUTY = "?person inb:heeftInburgeringsplicht ?plicht . ?plicht inb:historisch false . "

CHECKS: tuple[ConflictCheck, ...] = (
    ConflictCheck("BronnenOneensLeerroute", VOCAB + "leerrouteType",
                  "?person inb:heeftPip ?pip . ?route inb:afgesprokenIn ?pip ; inb:leerrouteType ?value .",
                  {"nl": "de leerroute", "en": "the learning route"}),
    ConflictCheck("BronnenOneensPipDatum", VOCAB + "dagtekening",
                  "?person inb:heeftPip ?pip . ?pip inb:dagtekening ?value .",
                  {"nl": "de datum van het PIP", "en": "the date of the PIP"}),
    ConflictCheck("BronnenOneensGemeente", VOCAB + "gemeente",
                  "?person a inb:Inburgeraar ; inb:gemeente ?value .",
                  {"nl": "de gemeente", "en": "the municipality"}),
    ConflictCheck("BronnenOneensBeginPlicht", VOCAB + "begindatum",
                  _CURRENT_DUTY + "?plicht inb:begindatum ?value .",
                  {"nl": "de begindatum van de inburgeringsplicht", "en": "the start of the civic-integration duty"}),
    ConflictCheck("BronnenOneensEindeTermijn", VOCAB + "einddatum",
                  _CURRENT_DUTY + "?plicht inb:heeftInburgeringstermijn ?termijn . "
                  "?termijn inb:einddatum ?value .",
                  {"nl": "het einde van de inburgeringstermijn", "en": "the end of the civic-integration term"}),
)


@dataclass(frozen=True)
class Conflict:
    """Two sources that say different things about one person: ``first`` and ``second`` in source-name order."""

    check: ConflictCheck
    person: str
    first: Claim
    second: Claim

    def message(self, lang: str) -> str:
        """The warning in ``lang`` (``nl`` or ``en``), naming both values, both sources and both graphs."""
        a, b = self.first, self.second
        if lang == "nl":
            return (f"De bronnen zijn het oneens over {self.check.about['nl']}: {a.source} zegt {_show(a.value)} "
                    f"(graaf {a.graph}), {b.source} zegt {_show(b.value)} (graaf {b.graph}).")
        return (f"The sources disagree about {self.check.about['en']}: {a.source} says {_show(a.value)} "
                f"(graph {a.graph}), {b.source} says {_show(b.value)} (graph {b.graph}).")

    def result(self) -> ValidationResult:
        """The conflict as a result of the project's validation report (severity ``sh:Warning``)."""
        return ValidationResult(focus_node=self.person, shape=self.check.iri, severity=WARNING, path=self.check.path,
                                messages={lang: self.message(lang) for lang in ("nl", "en")}, constraint=COMPONENT,
                                claims=(self.first, self.second))


def _show(value: str) -> str:
    """A value as a person reads it: a concept or municipality by its last segment (``B``, ``gm0363``)."""
    if value.startswith(("https://", "http://")):
        return value.rstrip("/").rsplit("/", 1)[-1]
    return value


def facts_query(check: ConflictCheck, *, base: str) -> str:
    """The SELECT of what every published source says about ``check``'s fact: one row per person, source, graph
    and value (``?person ?source ?graph ?gm ?value``).

    >>> q = facts_query(CHECKS[2], base="https://data.example.org")
    >>> "inb:bron ?source" in q and "GRAPH ?graph" in q
    True
    """
    meta = NamedNode(meta_graph(base))
    return (f"PREFIX inb: <{VOCAB}>\n"
            "SELECT DISTINCT ?person ?source ?graph ?gm ?value WHERE {\n"
            f"  GRAPH {meta} {{ ?graph a inb:InstanceGraph ; inb:published true ; inb:bron ?source ; "
            "inb:gemeente ?gm }\n"
            f"  GRAPH ?graph {{ {check.pattern} }}\n}}\n")


@dataclass
class _Said:
    """What one source says about one person: each value with the graphs (and their municipalities) that say it."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)


def _facts(store: Store, check: ConflictCheck, base: str) -> dict[str, dict[str, _Said]]:
    """person → source → what that source says, from :func:`facts_query`."""
    result = store.query(facts_query(check, base=base))
    assert isinstance(result, QuerySolutions)
    facts: dict[str, dict[str, _Said]] = {}
    for row in result:
        said = facts.setdefault(row["person"].value, {}).setdefault(row["source"].value, _Said())
        said.values.setdefault(row["value"].value, {})[row["graph"].value] = row["gm"].value
    return facts


def _pick(graphs: dict[str, str], gemeente: str | None) -> str | None:
    """The graph to name for a value: the first (by IRI) of ``gemeente``'s graphs, or of all when not given;
    ``None`` when the value is in none of ``gemeente``'s graphs."""
    return next((g for g in sorted(graphs) if gemeente is None or graphs[g] == gemeente), None)


def _compare(check: ConflictCheck, person: str, sources: dict[str, _Said], *, source: str | None,
             gemeente: str | None) -> list[Conflict]:
    """The conflicts between every two sources that say something about ``person``.

    A pair of values is a conflict when they differ and not both are also stated by the other source: a source
    that lists the same two PIPs as the other, in another order, is no conflict; one more PIP in one source is.
    """
    found = []
    names = sorted(sources)
    for i, name1 in enumerate(names):
        for name2 in names[i + 1:]:
            if source is not None and source not in (name1, name2):
                continue
            v1s, v2s = sources[name1].values, sources[name2].values
            for v1 in sorted(v1s):
                for v2 in sorted(v2s):
                    if v1 == v2 or (v1 in v2s and v2 in v1s):
                        continue
                    g1, g2 = _pick(v1s[v1], gemeente), _pick(v2s[v2], gemeente)
                    if g1 is None and g2 is None:
                        continue  # neither side in the selected municipality
                    found.append(Conflict(check, person, Claim(name1, g1 or _pick(v1s[v1], None) or "", v1),
                                          Claim(name2, g2 or _pick(v2s[v2], None) or "", v2)))
    return found


def _gemeente(code: str) -> str:
    try:
        return gemeente_iri(code.upper())
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def find_conflicts(store: Store, *, base: str, source: str | None = None, gemeente: str | None = None,
                   checks: Iterable[ConflictCheck] = CHECKS) -> list[Conflict]:
    """Every conflict between the sources published in ``store``, sorted by check, person, sources and values.

    ``source``: only conflicts with that source on one side; ``gemeente`` (``GM0363``): only those where one of
    the two graphs is that municipality's.
    """
    wanted = _gemeente(gemeente) if gemeente is not None else None
    found = []
    for check in checks:
        for person, sources in _facts(store, check, base).items():
            if len(sources) > 1:
                found += _compare(check, person, sources, source=source, gemeente=wanted)
    return sorted(found, key=lambda c: (c.check.name, c.person, c.first.source, c.second.source,
                                        c.first.value, c.second.value))


__all__ = ["CHECKS", "COMPONENT", "Conflict", "ConflictCheck", "facts_query", "find_conflicts"]
