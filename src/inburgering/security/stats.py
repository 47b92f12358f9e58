"""Public aggregates: counts from every published graph, published only after small-cell suppression.

Two tables count persons per municipality (by learning route, by target group); they cover every person once
(a column ``geen``/``onbekend`` takes the rest), so they share their per-municipality totals and are suppressed
together; each row is what that municipality knows of itself. Three national tables count decisions and exams:
each is the sum of the municipalities' own tables, each counted over that municipality's own graphs with the
cookbook's saved query (what an analyst with its token asking ``/api/queries/…`` counts), so the suppression
knows every municipality's part (``suppression.py``). The saved query counts an exam or a decision that DUO and
the municipality both publish once: the two sources mint two records (two IRIs) for it. The queries run with the
service's own rights; only the suppressed tables ever leave this module.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from pyoxigraph import QuerySolutions

from inburgering.errors import StoreError
from inburgering.namespaces import TOOI_GEMEENTE, VOCAB, public_graph
from inburgering.security.suppression import CountTable, PublishedTable, suppress
from inburgering.service.cookbook import CookbookError, bound_query, saved_query
from inburgering.store.base import Store
from inburgering.store.publication import instance_graph_pattern, public_graphs, published_graphs

PERSONS = "personen"
_PREFIX = f"PREFIX inb: <{VOCAB}>\n"
_PERSON_ROWS = _PREFIX + """SELECT ?person ?gemeente ?doelgroep ?route WHERE {
  ?person inb:pseudoniem ?pseudoniem ; inb:gemeente ?gemeente .
  OPTIONAL { ?person inb:doelgroep ?doelgroep }
  OPTIONAL { ?person inb:heeftPip ?pip . ?leerroute inb:afgesprokenIn ?pip ; inb:leerrouteType ?route }
}"""
#: The saved queries (``service/queries``) the national tables are counted with, per municipality; ``/stats``
#: links to them, so anyone with a token can ask the same for their own municipalities.
EXAMS_QUERY = "slagingspercentage-per-onderdeel-en-niveau"
DECISIONS_QUERY = "ontheffingen-en-vrijstellingen-per-reden"
#: The exam query's count columns and the result each counts.
_EXAM_COUNTS = (("geslaagd", "Geslaagd"), ("gezakt", "Gezakt"), ("geenResultaat", "Geen"))
_DECISION_COLS = ("Toekenning", "Afwijzing")


class StatsError(StoreError):
    """The store lacks what the aggregates are counted with (the model's concepts graph)."""


@dataclass(frozen=True)
class TableSpec:
    """What a table is about, for people: its title, and what its rows and columns are."""

    name: str
    title: str
    rows: str
    cols: str
    unit: str
    #: The saved query that asks the same per municipality (with a token): ``/api/queries/{query}``.
    query: str = ""


SPECS = {spec.name: spec for spec in (
    TableSpec("leerroute", "Inburgeraars per gemeente en leerroute", "gemeente", "leerroute", "personen",
              "personen-per-gemeente-doelgroep-leerroute"),
    TableSpec("doelgroep", "Inburgeraars per gemeente en doelgroep", "gemeente", "doelgroep", "personen",
              "personen-per-gemeente-doelgroep-leerroute"),
    TableSpec("examens", "Examenresultaten per onderdeel en resultaat", "examenonderdeel", "resultaat",
              "examens", EXAMS_QUERY),
    TableSpec("ontheffingen", "Ontheffingen per grond en oordeel", "ontheffingsgrond", "oordeel", "besluiten",
              DECISIONS_QUERY),
    TableSpec("vrijstellingen", "Vrijstellingen per reden en oordeel", "reden", "oordeel", "besluiten",
              DECISIONS_QUERY),
)}


@dataclass(frozen=True)
class StatsReport:
    """The published aggregates: suppressed tables, and the threshold they were suppressed with."""

    threshold: int
    tables: list[PublishedTable] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "note": (f"Aantallen van 1 tot {self.threshold} zijn onderdrukt (null), en zo veel andere dat geen "
                     "onderdrukt aantal uit totalen of andere tabellen terug te rekenen is, ook niet door een gemeente "
                     "die haar eigen aantallen kent. Tabellen met dezelfde "
                     "population delen hun rijtotalen."),
            "tables": [{**asdict(SPECS[t.name]), **t.as_json()} for t in self.tables],
        }


def _code(term: object) -> str:
    """The readable code of a concept or municipality IRI: its last path segment (``GM0363`` for TOOI)."""
    value = getattr(term, "value", "")
    if value.startswith(TOOI_GEMEENTE):
        return value.removeprefix(TOOI_GEMEENTE).upper()
    return value.rsplit("/", 1)[-1] if value else ""


def _select(store: Store, query: str, graphs: list[str]) -> QuerySolutions:
    result = store.query(query, default_graph=graphs, named_graphs=[])
    assert isinstance(result, QuerySolutions)
    return result


def _two_way(name: str, pairs: Iterable[tuple[str, str]], *, population: str | None = None,
             rows: Iterable[str] = (), cols: Iterable[str] = ()) -> CountTable:
    """Rows are municipalities, each row what that municipality holds (``row_owners``)."""
    counts = Counter(pairs)
    rows, cols = list(rows), list(cols)
    row_keys = rows + sorted({r for r, _ in counts} - set(rows))
    col_keys = cols + sorted({c for _, c in counts} - set(cols))
    return CountTable(name, tuple(row_keys), tuple(col_keys),
                      tuple(tuple(counts[(r, c)] for c in col_keys) for r in row_keys), population,
                      row_owners=True)


def _national(name: str, per_gemeente: dict[str, Counter[tuple[str, str]]], cols: Iterable[str]) -> CountTable:
    """A national table as the sum of the municipalities' own tables, which it keeps as its ``parts``."""
    cols = list(cols)
    row_keys = sorted({r for counts in per_gemeente.values() for r, _ in counts})
    col_keys = cols + sorted({c for counts in per_gemeente.values() for _, c in counts} - set(cols))

    def matrix(counts: Counter[tuple[str, str]]) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(counts[(r, c)] for c in col_keys) for r in row_keys)

    total: Counter[tuple[str, str]] = sum(per_gemeente.values(), Counter())
    parts = tuple((gm, matrix(counts)) for gm, counts in sorted(per_gemeente.items()))
    return CountTable(name, tuple(row_keys), tuple(col_keys), matrix(total), parts=parts)


#: A person's values in some graphs: municipalities, target groups and learning routes (codes).
PersonValues = tuple[frozenset[str], frozenset[str], frozenset[str]]


def person_values(store: Store, graphs: list[str]) -> dict[str, PersonValues]:
    """Every person in ``graphs`` with the municipalities, target groups and routes the graphs give them."""
    found: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for row in _select(store, _PERSON_ROWS, graphs):
        gemeenten, doelgroepen, routes = found.setdefault(row["person"].value, (set(), set(), set()))
        gemeenten.add(_code(row["gemeente"]))
        doelgroepen.update(c for c in (_code(row["doelgroep"]),) if c)
        routes.update(c for c in (_code(row["route"]),) if c)
    # the same few sets over and over (one municipality, a handful of groups and routes): kept once each, so a
    # municipality's counts cost about a pointer triple per person while they are kept (``CountsMemo``)
    sets: dict[frozenset[str], frozenset[str]] = {}

    def once(values: set[str]) -> frozenset[str]:
        return sets.setdefault(frozenset(values), frozenset(values))

    return {p: (once(g), once(d), once(r)) for p, (g, d, r) in found.items()}


def _person_tables(people: dict[str, PersonValues]) -> list[CountTable]:
    """Route and target group per municipality: one value per person (the first of each, if a person has
    several; ``onbekend`` without a target group, ``geen`` without a route)."""
    chosen = {p: (min(g), min(d, default="onbekend"), min(r, default="geen")) for p, (g, d, r) in people.items()}
    gemeenten = {g for g, _, _ in chosen.values()}
    return [
        _two_way("leerroute", ((g, r) for g, _, r in chosen.values()), population=PERSONS, rows=sorted(gemeenten),
                 cols=("B", "O", "Z", "geen")),
        _two_way("doelgroep", ((g, d) for g, d, _ in chosen.values()), population=PERSONS,
                 rows=sorted(gemeenten)),
    ]


def person_tables(store: Store, graphs: list[str]) -> list[CountTable]:
    """Route and target group per municipality, counted in one query over ``graphs``."""
    return _person_tables(person_values(store, graphs))


def graphs_by_gemeente(graphs: Iterable[str], *, base: str) -> dict[str, list[str]]:
    """The instance graphs per municipality code (``GM0363``), from their IRIs."""
    pattern = instance_graph_pattern(base)
    out: dict[str, list[str]] = {}
    for graph in graphs:
        match = pattern.match(graph)
        out.setdefault(match.group(1).upper() if match else graph, []).append(graph)
    return out


@functools.lru_cache(maxsize=8)
def _saved_text(name: str, today: date) -> str:
    """The text of saved query ``name`` without parameters, read and bound once (``record_tables`` asks it for
    every municipality)."""
    saved = saved_query(name)
    if saved is None:
        raise CookbookError(f"saved query {name!r} is not in the cookbook (service/queries/{name}.rq)")
    return bound_query(saved, {}, today=today)[0]


def _saved(store: Store, name: str, graphs: list[str]) -> QuerySolutions:
    """Saved query ``name`` without parameters (all dates, every person in ``graphs``) over ``graphs``."""
    return _select(store, _saved_text(name, date.today()), graphs)


def exam_counts(store: Store, graphs: list[str]) -> Counter[tuple[str, str]]:
    """Exams per (component, result) in ``graphs``, as :data:`EXAMS_QUERY` counts them (its levels added up)."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in _saved(store, EXAMS_QUERY, graphs):
        for column, result in _EXAM_COUNTS:
            counts[(row["onderdeel"].value, result)] += int(row[column].value)
    return +counts  # a level's 0 for a result is no exam


def decision_counts(store: Store, graphs: list[str]) -> dict[str, Counter[tuple[str, str]]]:
    """Decisions per kind (``ontheffing``, ``vrijstelling``) and (reason, decision) in ``graphs``, as
    :data:`DECISIONS_QUERY` counts them."""
    counts: dict[str, Counter[tuple[str, str]]] = {"ontheffing": Counter(), "vrijstelling": Counter()}
    for row in _saved(store, DECISIONS_QUERY, graphs):
        counts[row["soort"].value][(row["redenCode"].value, row["oordeel"].value)] += int(row["aantal"].value)
    return counts


@dataclass(frozen=True)
class GemeenteCounts:
    """One municipality's share of the aggregates, counted over its own graphs (and the concepts graph)."""

    persons: dict[str, PersonValues]
    exams: Counter[tuple[str, str]]
    ontheffingen: Counter[tuple[str, str]]
    vrijstellingen: Counter[tuple[str, str]]


#: Counts kept from one computation to the next: (municipality, its graphs) → its counts. A published graph
#: never changes under its name (a load or an erasure publishes new graphs: ``store.publication``), so while a
#: municipality's graphs are the same its counts are too.
CountsMemo = dict[tuple[str, tuple[str, ...]], GemeenteCounts]


def gemeente_counts(store: Store, own: list[str], *, concepts: str) -> GemeenteCounts:
    """The counts of one municipality over its graphs ``own``."""
    dataset = [*own, concepts]
    decisions = decision_counts(store, dataset)
    return GemeenteCounts(person_values(store, own), exam_counts(store, dataset), decisions["ontheffing"],
                          decisions["vrijstelling"])


def _concepts(store: Store, base: str, *, needed: bool) -> str:
    concepts = public_graph(base, "concepts")
    if needed and concepts not in public_graphs(store, base=base):
        # without it the saved queries find no codes and every exam and decision would silently go uncounted
        raise StatsError(f"the concepts graph <{concepts}> is not in the store: publish the model "
                         "(inburgering model publish) before the statistics can count exams and decisions")
    return concepts


def counts_by_gemeente(store: Store, graphs: Iterable[str], *, base: str, memo: CountsMemo | None = None
                       ) -> dict[str, GemeenteCounts]:
    """Every municipality's counts over its own graphs among ``graphs``: taken from ``memo`` where its graphs
    are the same, counted otherwise; ``memo`` then holds exactly the municipalities counted now."""
    by_gemeente = graphs_by_gemeente(graphs, base=base)
    concepts = _concepts(store, base, needed=bool(by_gemeente))
    known = memo if memo is not None else {}
    fresh: CountsMemo = {}
    for gm, own in sorted(by_gemeente.items()):
        key = (gm, tuple(sorted(own)))
        fresh[key] = known.get(key) or gemeente_counts(store, own, concepts=concepts)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return {gm: counts for (gm, _), counts in fresh.items()}


def _record_tables(counts: dict[str, GemeenteCounts]) -> list[CountTable]:
    return [_national("examens", {gm: c.exams for gm, c in counts.items()}, [r for _, r in _EXAM_COUNTS]),
            _national("ontheffingen", {gm: c.ontheffingen for gm, c in counts.items()}, _DECISION_COLS),
            _national("vrijstellingen", {gm: c.vrijstellingen for gm, c in counts.items()}, _DECISION_COLS)]


def record_tables(store: Store, graphs: list[str], *, base: str) -> list[CountTable]:
    """National counts of exams and of decisions on dispensation (ontheffing) and exemption (vrijstelling): per
    municipality over its own graphs (and the concepts graph, which gives the codes), then added up."""
    return _record_tables(counts_by_gemeente(store, graphs, base=base))


def compute_stats(store: Store, *, base: str, threshold: int, coalitions: Iterable[Iterable[str]] = (),
                  memo: CountsMemo | None = None) -> StatsReport:
    """The public aggregates of everything published now (special-category graphs included, then suppressed
    against the public, every municipality and the ``coalitions`` of municipalities that pool their tables).

    Counted per municipality over its own graphs and added up (``count_tables``): with ``memo``, a publication that
    changed one municipality counts that one again, not the country (at 130,000 persons the whole count takes
    minutes). ``person_tables`` and ``record_tables`` count the same in one go; the tests hold them equal."""
    graphs = published_graphs(store, base=base, special=True)
    if not graphs:
        return StatsReport(threshold)
    tables = count_tables(counts_by_gemeente(store, graphs, base=base, memo=memo))
    return StatsReport(threshold, suppress(tables, threshold=threshold, coalitions=coalitions))


def count_tables(counts: dict[str, GemeenteCounts]) -> list[CountTable]:
    """The tables before suppression, from every municipality's counts: a person in the graphs of several
    municipalities gets the values of all of them, as one query over every graph gives."""
    people: dict[str, PersonValues] = {}
    for c in counts.values():
        for person, (g, d, r) in c.persons.items():
            before = people.get(person)
            people[person] = (g, d, r) if before is None else (before[0] | g, before[1] | d, before[2] | r)
    return _person_tables(people) + _record_tables(counts)


def graphs_version(store: Store, *, base: str) -> tuple[str, ...]:
    """What the aggregates depend on: recompute them when this changes (a new load was published)."""
    return tuple(published_graphs(store, base=base, special=True))


__all__ = ["DECISIONS_QUERY", "EXAMS_QUERY", "SPECS", "CountsMemo", "GemeenteCounts", "StatsError", "StatsReport",
           "compute_stats", "count_tables", "counts_by_gemeente", "decision_counts", "exam_counts", "gemeente_counts",
           "graphs_by_gemeente", "graphs_version", "person_tables", "person_values", "record_tables"]
