"""A person's dossier for a case worker: the person's facts read in the caller's scope, in a page model.

One SELECT (``describe.select``, so ``sparql.run_query`` cuts it to the caller's readable graphs) reads the
person and every resource of the trajectory: duty, term and its extensions, dispensations and exemptions,
PIP and learning route, offer, exams, MAP, PVT, learnability test, hours. It asks for each fact's graph, so a
fact from a ``/bijzonder`` graph is marked special. Such graphs are readable only with the special-categories
permission (``security/dataset.py``): without it they are not in the dataset and their facts never arrive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import Literal, NamedNode

from inburgering.namespaces import RDF, RDFS, SKOS, VOCAB
from inburgering.security.scope import AccessScope
from inburgering.service.deps import Runtime
from inburgering.service.describe import iri_term, select
from inburgering.store.publication import gemeente_code, is_special

#: What a person links to directly, and what the duty and the term link to.
PERSON_LINKS = ("heeftInburgeringsplicht", "heeftPip", "heeftExamenresultaat", "heeftMap", "heeftPvt",
                "heeftInburgeringsaanbod", "heeftLeerbaarheidstoetsResultaat", "heeftGevolgdeUren",
                "heeftDoelgroepperiode")
DUTY_LINKS = ("heeftInburgeringstermijn", "heeftOntheffing", "heeftVrijstelling")

_QUERY = """PREFIX inb: <%(vocab)s>
SELECT ?s ?p ?o ?g ?label WHERE {
  { BIND(%(r)s AS ?s) GRAPH ?g { ?s ?p ?o } }
  UNION { %(r)s ?link ?s . FILTER(?link IN (%(person_links)s)) GRAPH ?g { ?s ?p ?o } }
  UNION { %(r)s inb:heeftPip ?pip . ?s inb:afgesprokenIn ?pip . GRAPH ?g { ?s ?p ?o } }
  UNION { %(r)s inb:heeftInburgeringsplicht ?duty . ?duty ?link ?s . FILTER(?link IN (%(duty_links)s))
          GRAPH ?g { ?s ?p ?o } }
  UNION { %(r)s inb:heeftInburgeringsplicht/inb:heeftInburgeringstermijn/inb:heeftVerlenging ?s .
          GRAPH ?g { ?s ?p ?o } }
  OPTIONAL { ?o ?lp ?label . FILTER(?lp IN (<%(pref)s>, <%(label)s>)) }
}"""


def dossier_query(iri: str) -> str:
    """The SELECT that reads a person's dossier (``iri`` is checked by ``iri_term``)."""
    def terms(names: tuple[str, ...]) -> str:
        return ", ".join(f"inb:{n}" for n in names)

    return _QUERY % {"vocab": VOCAB, "r": iri_term(iri), "person_links": terms(PERSON_LINKS),
                     "duty_links": terms(DUTY_LINKS), "pref": SKOS + "prefLabel", "label": RDFS + "label"}


@dataclass
class Resource:
    """One resource of the dossier: its types and values per property (local names of ``inb:``), and whether
    it is a special-category fact (typed in a ``/bijzonder`` graph)."""

    iri: str
    types: set[str] = field(default_factory=set)
    values: dict[str, list[object]] = field(default_factory=lambda: defaultdict(list))
    special: bool = False

    def first(self, name: str) -> object | None:
        values = self.values.get(name)
        return values[0] if values else None

    def day(self, name: str) -> date | None:
        """A date value (``None`` when absent or not a valid date)."""
        value = self.first(name)
        if isinstance(value, Literal):
            try:
                return date.fromisoformat(value.value[:10])
            except ValueError:
                return None
        return None

    def links(self, name: str) -> list[str]:
        return sorted(v.value for v in self.values.get(name, []) if isinstance(v, NamedNode))


@dataclass
class Facts:
    """What the dossier query returned: resources by IRI and labels by IRI (Dutch first)."""

    person: str
    resources: dict[str, Resource]
    labels: dict[str, dict[str, str]]

    def get(self, iri: str | None) -> Resource | None:
        return self.resources.get(iri) if iri else None

    def linked(self, resource: Resource | None, name: str) -> list[Resource]:
        if resource is None:
            return []
        return [self.resources[i] for i in resource.links(name) if i in self.resources]

    def label(self, value: object) -> str:
        """A concept's or class's Dutch label, else its English one, else its last IRI segment or the text."""
        if isinstance(value, NamedNode):
            labels = self.labels.get(value.value, {})
            return labels.get("nl") or labels.get("en") or labels.get("") or value.value.rsplit("/", 1)[-1]
        return value.value if isinstance(value, Literal) else ""

    @property
    def gemeente(self) -> str:
        person = self.resources[self.person]
        value = person.first("gemeente")
        return gemeente_code(value.value) if isinstance(value, NamedNode) else ""


async def read_facts(runtime: Runtime, scope: AccessScope, iri: str) -> Facts | None:
    """The person's dossier facts in ``scope``; ``None`` when the person is not readable (or unknown)."""
    resources: dict[str, Resource] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    # GRAPH ?g only tells special facts apart (is_special): the unions in place of their members will do
    for row in await select(runtime, scope, dossier_query(iri), named_unions=True):
        subject, predicate, obj, graph = row["s"], row["p"], row["o"], row["g"]
        resource = resources.setdefault(subject.value, Resource(subject.value))
        if predicate.value == RDF + "type":
            resource.types.add(obj.value.removeprefix(VOCAB))
            # a thing is special when it is one (its type is stated in a /bijzonder graph), not when a
            # special thing merely links to it
            resource.special = resource.special or is_special(graph.value)
        elif predicate.value.startswith(VOCAB):
            values = resource.values[predicate.value.removeprefix(VOCAB)]
            if obj not in values:
                values.append(obj)
        label = row["label"]
        if isinstance(label, Literal) and isinstance(obj, NamedNode):
            labels[obj.value].setdefault(label.language or "", label.value)
    if iri not in resources:
        return None
    return Facts(iri, resources, labels)
