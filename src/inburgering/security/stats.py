"""Public aggregates: counts from every published graph, published only after small-cell suppression.

Two tables count persons per municipality (by learning route, by target group); they cover every person once
(a column ``geen``/``onbekend`` takes the rest), so they share their per-municipality totals and are suppressed
together. Three national tables count decisions and exams, with the cookbook's saved queries (``service/queries``:
an exam or decision that DUO and the municipality both publish counts once), so ``/stats`` and
``/api/queries/…`` count alike. The queries run with the service's own rights; only the suppressed tables ever
leave this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from pyoxigraph import QuerySolutions

from inburgering.namespaces import DEFAULT_BASE, TOOI_GEMEENTE, VOCAB, public_graph
from inburgering.security.suppression import CountTable, PublishedTable, suppress
from inburgering.store.base import Store
from inburgering.store.publication import published_graphs

PERSONS = "personen"
_PREFIX = f"PREFIX inb: <{VOCAB}>\n"
_PERSON_ROWS = _PREFIX + """SELECT ?person ?gemeente ?doelgroep ?route WHERE {
  ?person inb:pseudoniem ?pseudoniem ; inb:gemeente ?gemeente .
  OPTIONAL { ?person inb:doelgroep ?doelgroep }
  OPTIONAL { ?person inb:heeftPip ?pip . ?leerroute inb:afgesprokenIn ?pip ; inb:leerrouteType ?route }
}"""
#: The saved queries (``service/queries``) the national tables are counted with.
EXAMS_QUERY = "slagingspercentage-per-onderdeel-en-niveau"
DECISIONS_QUERY = "ontheffingen-en-vrijstellingen-per-reden"


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
                     "onderdrukt aantal uit totalen of andere tabellen terug te rekenen is. Tabellen met dezelfde "
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


def _two_way(name: str, pairs: Iterable[tuple[str, str]] | Counter[tuple[str, str]], *,
             population: str | None = None, rows: Iterable[str] = (), cols: Iterable[str] = ()) -> CountTable:
    counts = pairs if isinstance(pairs, Counter) else Counter(pairs)
    rows, cols = list(rows), list(cols)
    row_keys = rows + sorted({r for r, _ in counts} - set(rows))
    col_keys = cols + sorted({c for _, c in counts} - set(cols))
    return CountTable(name, tuple(row_keys), tuple(col_keys),
                      tuple(tuple(counts[(r, c)] for c in col_keys) for r in row_keys), population)


def person_tables(store: Store, graphs: list[str]) -> list[CountTable]:
    """Route and target group per municipality: one value per person (the first, if a person has several)."""
    people: dict[str, tuple[str, str, str]] = {}
    for row in _select(store, _PERSON_ROWS, graphs):
        person = str(row["person"])
        values = (_code(row["gemeente"]), _code(row["doelgroep"]) or "onbekend", _code(row["route"]) or "geen")
        people[person] = min(people.get(person, values), values)
    gemeenten = {g for g, _, _ in people.values()}
    return [
        _two_way("leerroute", ((g, r) for g, _, r in people.values()), population=PERSONS, rows=sorted(gemeenten),
                 cols=("B", "O", "Z", "geen")),
        _two_way("doelgroep", ((g, d) for g, d, _ in people.values()), population=PERSONS,
                 rows=sorted(gemeenten)),
    ]


def _saved(store: Store, name: str, graphs: list[str]) -> QuerySolutions:
    """A saved query of the cookbook, nationally (no parameters), over ``graphs``."""
    # imported here: the cookbook is the service's, and imports nothing of security
    from inburgering.service.cookbook import bound_query, saved_query

    saved = saved_query(name)
    assert saved is not None, name
    text, _ = bound_query(saved, {}, today=date.today())
    result = store.query(text, default_graph=graphs, named_graphs=graphs)
    assert isinstance(result, QuerySolutions)
    return result


def record_tables(store: Store, graphs: list[str], *, base: str = DEFAULT_BASE) -> list[CountTable]:
    """National counts of exams and of decisions on dispensation (ontheffing) and exemption (vrijstelling); the
    concepts graph gives the codes."""
    graphs = [*graphs, public_graph(base, "concepts")]
    exams: Counter[tuple[str, str]] = Counter()
    for row in _saved(store, EXAMS_QUERY, graphs):
        for column, result in (("geslaagd", "Geslaagd"), ("gezakt", "Gezakt"), ("geenResultaat", "Geen")):
            exams[(row["onderdeel"].value, result)] += int(row[column].value)
    decisions: dict[str, Counter[tuple[str, str]]] = {"ontheffing": Counter(), "vrijstelling": Counter()}
    for row in _saved(store, DECISIONS_QUERY, graphs):
        soort = row["soort"].value
        decisions[soort][(row["redenCode"].value, row["oordeel"].value)] += int(row["aantal"].value)
    exams = Counter({k: n for k, n in exams.items() if n})  # a sum of 0 is no cell (no such exam at all)
    return [_two_way("examens", exams, cols=("Geslaagd", "Gezakt", "Geen")),
            _two_way("ontheffingen", decisions["ontheffing"], cols=("Toekenning", "Afwijzing")),
            _two_way("vrijstellingen", decisions["vrijstelling"], cols=("Toekenning", "Afwijzing"))]


def compute_stats(store: Store, *, base: str, threshold: int) -> StatsReport:
    """The public aggregates of everything published now (special-category graphs included, then suppressed)."""
    graphs = published_graphs(store, base=base, special=True)
    if not graphs:
        return StatsReport(threshold)
    tables = person_tables(store, graphs) + record_tables(store, graphs, base=base)
    return StatsReport(threshold, suppress(tables, threshold=threshold))


def graphs_version(store: Store, *, base: str) -> tuple[str, ...]:
    """What the aggregates depend on: recompute them when this changes (a new load was published)."""
    return tuple(published_graphs(store, base=base, special=True))


__all__ = ["SPECS", "StatsReport", "compute_stats", "graphs_version"]
