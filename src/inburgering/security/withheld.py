"""What a caller's scope leaves out of its answers, so an answer can say so (``Inburgering-Withheld``).

A caller without a token reads no instance data at all: its answers say ``instance-data``, with no counts (the
counts themselves would be protected data). A token reads its municipalities' published graphs; without the
special-categories permission their ``/bijzonder`` graphs (medical dispensation grounds, health, justice,
addiction) are not in its dataset, and its answers say how many facts (triples) and records (typed resources,
per class) those graphs hold: the numbers an analyst needs to know that, say, a count of dispensations is low
by five. Nothing about other municipalities is ever counted.

>>> Withheld(instance_data=True).header()
'instance-data'
>>> Withheld(graphs=2, facts=87, records={"https://w3id.org/inburgering/def/Ontheffing": 5}).header()
'special-categories; graphs=2; facts=87; records=5'
>>> Withheld().header()
'none'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import QuerySolutions

from inburgering.namespaces import VOCAB
from inburgering.security.scope import AccessScope
from inburgering.store.base import Store
from inburgering.store.publication import is_special, published_graphs

HEADER = "Inburgering-Withheld"
RECORDS_HEADER = "Inburgering-Withheld-Records"
_COUNTS = "SELECT (COUNT(*) AS ?facts) WHERE { ?s ?p ?o }"
_TYPES = "SELECT ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type"
_RECORDS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type }"


@dataclass(frozen=True)
class Withheld:
    """What a scope cannot see: all instance data, or its municipalities' special-category graphs (counted)."""

    instance_data: bool = False
    graphs: int = 0
    facts: int = 0
    #: Class IRI → number of resources of that class in the withheld graphs.
    records: dict[str, int] = field(default_factory=dict)
    total_records: int = 0

    def header(self) -> str:
        """The ``Inburgering-Withheld`` header value."""
        if self.instance_data:
            return "instance-data"
        if not self.graphs:
            return "none"
        return (f"special-categories; graphs={self.graphs}; facts={self.facts}; "
                f"records={self.total_records or sum(self.records.values())}")

    def records_header(self) -> str | None:
        """``Ontheffing=5, GeheleOntheffing=3`` (vocabulary classes by local name), or None."""
        if not self.records:
            return None
        return ", ".join(f"{_short(c)}={n}" for c, n in sorted(self.records.items(), key=lambda i: (-i[1], i[0])))

    def as_json(self) -> dict[str, object]:
        return {"instance_data": self.instance_data, "graphs": self.graphs, "facts": self.facts,
                "records": self.total_records, "per_class": {_short(c): n for c, n in sorted(self.records.items())}}


def _short(iri: str) -> str:
    return iri.removeprefix(VOCAB)


def _count(store: Store, query: str, graphs: list[str]) -> QuerySolutions:
    result = store.query(query, default_graph=graphs, named_graphs=[])
    assert isinstance(result, QuerySolutions)
    return result


def withheld(store: Store, scope: AccessScope, *, base: str) -> Withheld:
    """What ``scope`` cannot see of the data it would otherwise read (see the module docstring).

    Runs with the service's own rights, but counts only graphs of the scope's own municipalities."""
    if not scope.may_read_instance_data:
        return Withheld(instance_data=True)
    if scope.special_categories:
        return Withheld()
    graphs = [g for g in published_graphs(store, base=base, gemeenten=sorted(scope.gemeenten), special=True)
              if is_special(g)]
    if not graphs:
        return Withheld()
    facts = int(next(iter(_count(store, _COUNTS, graphs)))["facts"].value)
    records = {row["type"].value: int(row["n"].value) for row in _count(store, _TYPES, graphs)}
    total = int(next(iter(_count(store, _RECORDS, graphs)))["n"].value)
    return Withheld(graphs=len(graphs), facts=facts, records=records, total_records=total)


__all__ = ["HEADER", "RECORDS_HEADER", "Withheld", "withheld"]
