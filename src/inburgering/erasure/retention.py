"""The retention rule: who may be forgotten because their civic-integration duty ended long enough ago.

A person is due when **every** current duty record of theirs, in every source (``inb:Inburgeringsplicht`` not
``inb:historisch true``), has an end date (``inb:einddatum``, inclusive, as DUO gives it) and the latest of them
lies more than ``years`` years before the reference date. A person with a duty still running in any source, or
with no current duty record at all (nothing says when it ended), is kept. Earlier duty episodes
(``historisch true``) do not count: they ended, and a later one followed.

>>> cutoff(date(2031, 9, 20), 5), cutoff(date(2028, 2, 29), 1)
(datetime.date(2026, 9, 20), datetime.date(2027, 2, 28))
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import NamedNode, QuerySolutions

from inburgering.errors import UsageError
from inburgering.loader.pseudonym import PSEUDONYM_HEX
from inburgering.namespaces import RDF, inb
from inburgering.store.base import Store
from inburgering.store.publication import GraphRecord


def cutoff(reference: date, years: int) -> date:
    """``years`` years before ``reference`` (29 February becomes the 28th in a common year)."""
    if years < 0:
        raise UsageError(f"--years must be 0 or more, not {years}")
    try:
        return reference.replace(year=reference.year - years)
    except ValueError:
        return reference.replace(year=reference.year - years, day=28)


@dataclass
class Due:
    """The outcome of the rule over the published data."""

    reference: date
    years: int
    cutoff: date
    #: Pseudonym → municipalities (``GM0363``) of the graphs that hold the person.
    persons: dict[str, set[str]] = field(default_factory=dict)
    #: Persons kept: a current duty without an end date, an end date on or after the cutoff, no duty record.
    kept_running: int = 0
    kept_recent: int = 0
    kept_unknown: int = 0

    def per_gemeente(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for codes in self.persons.values():
            for code in codes:
                counts[code] += 1
        return dict(sorted(counts.items()))


def _rows(store: Store, query: str, graphs: Sequence[str]) -> QuerySolutions:
    result = store.query(query, default_graph=[], named_graphs=list(graphs))
    assert isinstance(result, QuerySolutions)
    return result


def due(store: Store, *, base: str, published: Sequence[GraphRecord], reference: date, years: int) -> Due:
    """Apply the rule to the published instance graphs (special-category graphs hold no duty records)."""
    out = Due(reference, years, cutoff(reference, years))
    graphs = [r.graph for r in published if not r.special]
    if not graphs:
        return out
    gemeente_of = {r.graph: r.gemeente for r in published}
    person = re.compile(rf"^{re.escape(base.rstrip('/'))}/id/persoon/([0-9a-f]{{{PSEUDONYM_HEX}}})$")
    where: dict[str, set[str]] = defaultdict(set)
    query = f"SELECT DISTINCT ?g ?p WHERE {{ GRAPH ?g {{ ?p {NamedNode(RDF + 'type')} {NamedNode(inb('Inburgeraar'))} }} }}"
    for row in _rows(store, query, graphs):
        m = person.match(row["p"].value)
        if m is not None:
            where[m.group(1)].add(gemeente_of[row["g"].value])
    ends: dict[str, list[date | None]] = defaultdict(list)
    query = (f"SELECT ?p ?plicht ?eind WHERE {{ GRAPH ?g {{ ?p {NamedNode(inb('heeftInburgeringsplicht'))} ?plicht . "
             f"FILTER NOT EXISTS {{ ?plicht {NamedNode(inb('historisch'))} true }} "
             f"OPTIONAL {{ ?plicht {NamedNode(inb('einddatum'))} ?eind }} }} }}")
    for row in _rows(store, query, graphs):
        m = person.match(row["p"].value)
        if m is not None:
            ends[m.group(1)].append(_date(row["eind"].value) if row["eind"] is not None else None)
    for pseudonym, codes in where.items():
        recorded = ends.get(pseudonym)
        if not recorded:
            out.kept_unknown += 1
        elif any(end is None for end in recorded):
            out.kept_running += 1
        elif max(end for end in recorded if end is not None) >= out.cutoff:
            out.kept_recent += 1
        else:
            out.persons[pseudonym] = codes
    return out


def _date(value: str) -> date | None:
    """An ``xsd:date`` lexical form; ``None`` (treated as a running duty: the person is kept) when unreadable."""
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


__all__ = ["Due", "cutoff", "due"]
