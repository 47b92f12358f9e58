"""Cross-source conflicts: two sources (a DUO bundle, the municipality's GGM database, …) that disagree about one
person on the learning route, the PIP date, the municipality, or the duty's dates.

This is a store-level check, not a shape in the shapes graph: both engines validate a graph with the graph names
dropped, so no SHACL shape can see which source said what. Each check is one SPARQL query over the published
instance graphs that reads every graph's source from the meta graph (``?g inb:bron "duo"``) and joins the two
sources' statements about the same person IRI (one pseudonym across sources). The results are ``sh:Warning``
results of the project's report: the data of both sources is published as it came, and neither is known to be the
right one (see ``docs/analysts.md``).

On Oxigraph the "unless the other source says it too" part is a MINUS (a hash anti-join), never a
FILTER NOT EXISTS (``reference/perf-notes.md``).

>>> [check.name for check in CHECKS]
['BronnenOneensLeerroute', 'BronnenOneensPipDatum', 'BronnenOneensGemeente', 'BronnenOneensBeginPlicht', \
'BronnenOneensEindeTermijn']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode, QuerySolutions

from inburgering.errors import UsageError
from inburgering.namespaces import SHAPES, VOCAB, gemeente_iri, meta_graph
from inburgering.store.base import Store
from inburgering.validation.report import WARNING, Claim, ValidationResult

#: Every conflict result names this component: the check is a SPARQL query, run on the store.
COMPONENT = "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"


@dataclass(frozen=True)
class ConflictCheck:
    """One fact two sources must agree on. ``pattern`` binds ``?person`` to ``?value`` inside one graph; its
    other variables end in ``{n}`` (filled in per use, so the parts of the query share only what they should)."""

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
_CURRENT_DUTY = "?person inb:heeftInburgeringsplicht ?plicht{n} . ?plicht{n} inb:historisch false . "

CHECKS: tuple[ConflictCheck, ...] = (
    ConflictCheck("BronnenOneensLeerroute", VOCAB + "leerrouteType",
                  "?person inb:heeftPip ?pip{n} . ?route{n} inb:afgesprokenIn ?pip{n} ; inb:leerrouteType ?value .",
                  {"nl": "de leerroute", "en": "the learning route"}),
    ConflictCheck("BronnenOneensPipDatum", VOCAB + "dagtekening",
                  "?person inb:heeftPip ?pip{n} . ?pip{n} inb:dagtekening ?value .",
                  {"nl": "de datum van het PIP", "en": "the date of the PIP"}),
    ConflictCheck("BronnenOneensGemeente", VOCAB + "gemeente",
                  "?person a inb:Inburgeraar ; inb:gemeente ?value .",
                  {"nl": "de gemeente", "en": "the municipality"}),
    ConflictCheck("BronnenOneensBeginPlicht", VOCAB + "begindatum",
                  _CURRENT_DUTY + "?plicht{n} inb:begindatum ?value .",
                  {"nl": "de begindatum van de inburgeringsplicht", "en": "the start of the civic-integration duty"}),
    ConflictCheck("BronnenOneensEindeTermijn", VOCAB + "einddatum",
                  _CURRENT_DUTY + "?plicht{n} inb:heeftInburgeringstermijn ?termijn{n} . "
                  "?termijn{n} inb:einddatum ?value .",
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


def conflict_query(check: ConflictCheck, *, base: str, source: str | None = None,
                   gemeente: str | None = None) -> str:
    """The SELECT that finds ``check``'s conflicts among the published graphs under ``base``.

    A pair of values is a conflict when they differ and not both are also stated by the other source (so a source
    that lists the same two PIPs as the other, in another order, is no conflict). ``source``: only conflicts with
    that source on one side; ``gemeente`` (``GM0363``): only where one of the two graphs is that municipality's.

    >>> q = conflict_query(CHECKS[2], base="https://data.example.org", source="duo")
    >>> "MINUS" in q and 'FILTER (?source1 = "duo" || ?source2 = "duo")' in q and "NOT EXISTS" not in q
    True
    """
    meta = NamedNode(meta_graph(base))

    def side(n: str, source_var: str, value_var: str) -> str:
        """One source's statements, as a sub-SELECT: Oxigraph joins the two sides by hash on ``?person``
        (three to four times faster than the same patterns written inline, which it joins graph by graph)."""
        pattern = check.pattern.format(n=f"_{n}").replace("?value", f"?{value_var}")
        return (f"{{ SELECT ?person ?{source_var} ?{value_var} ?graph{n} ?gm{n} WHERE {{\n"
                f"      GRAPH {meta} {{ ?graph{n} a inb:InstanceGraph ; inb:published true ; "
                f"inb:bron ?{source_var} ; inb:gemeente ?gm{n} }}\n"
                f"      GRAPH ?graph{n} {{ {pattern} }} }} }}\n")

    filters = ["?source1 < ?source2", "?value1 != ?value2"]
    if source is not None:
        name = str(Literal(source))
        filters.append(f"(?source1 = {name} || ?source2 = {name})")
    if gemeente is not None:
        iri = str(NamedNode(_gemeente(gemeente)))
        filters.append(f"(?gm1 = {iri} || ?gm2 = {iri})")
    return (f"PREFIX inb: <{VOCAB}>\n"
            "SELECT DISTINCT ?person ?source1 ?graph1 ?value1 ?source2 ?graph2 ?value2 WHERE {\n  "
            + side("1", "source1", "value1") + "  " + side("2", "source2", "value2")
            + "".join(f"  FILTER ({f})\n" for f in filters)
            + "  MINUS {\n    " + side("3", "source2", "value1") + "    " + side("4", "source1", "value2") + "  }\n}\n")


def _gemeente(code: str) -> str:
    try:
        return gemeente_iri(code.upper())
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def find_conflicts(store: Store, *, base: str, source: str | None = None, gemeente: str | None = None,
                   checks: Iterable[ConflictCheck] = CHECKS) -> list[Conflict]:
    """Every conflict between the sources published in ``store``, sorted by check, person and sources."""
    found = []
    for check in checks:
        result = store.query(conflict_query(check, base=base, source=source, gemeente=gemeente))
        assert isinstance(result, QuerySolutions)
        for row in result:
            found.append(Conflict(
                check, row["person"].value,
                Claim(source=row["source1"].value, graph=row["graph1"].value, value=row["value1"].value),
                Claim(source=row["source2"].value, graph=row["graph2"].value, value=row["value2"].value)))
    return sorted(found, key=lambda c: (c.check.name, c.person, c.first.source, c.second.source,
                                        c.first.value, c.second.value))


__all__ = ["CHECKS", "COMPONENT", "Conflict", "ConflictCheck", "conflict_query", "find_conflicts"]
