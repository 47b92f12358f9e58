"""Derived facts: what analysts would otherwise compute with dates, computed once at load time.

From the mapped, non-special triples of one load (one municipality, one source) :func:`derive` computes per person
the PIP deadline, the days left in the civic-integration period, the exam components passed and still required,
the status of the learning route and the first exam, with the reference date (``inb:peildatum``) they hold on.
The loader publishes them in a graph beside the load's graph (:func:`derived_graph`), published and retired with
it. The rules are documented in the ontology terms and in docs/derived-facts.md; dates are computed in Python,
never with SPARQL date arithmetic. Time and memory grow linearly with the input.

>>> from datetime import date
>>> from pyoxigraph import Literal, NamedNode, Triple
>>> inb = "https://w3id.org/inburgering/def/"
>>> xsd_date = NamedNode("http://www.w3.org/2001/XMLSchema#date")
>>> p = NamedNode("https://data.example.org/id/persoon/4f2a")
>>> d = NamedNode("https://data.example.org/id/inburgeringsplicht/4f2a-actueel")
>>> source = [Triple(p, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(inb + "Inburgeraar")),
...           Triple(p, NamedNode(inb + "heeftInburgeringsplicht"), d),
...           Triple(d, NamedNode(inb + "datumKennisgeving"), Literal("2026-01-05", datatype=xsd_date))]
>>> facts = derive_facts(source, base="https://data.example.org", peildatum=date(2026, 3, 1))
>>> facts[0].uiterste_datum_pip, facts[0].status
(datetime.date(2026, 3, 16), 'GeenLeerroute')
>>> len(derive(source, base="https://data.example.org", peildatum=date(2026, 3, 1)))
4
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store, Triple

from inburgering import namespaces as ns
from inburgering.derive.index import index_triples
from inburgering.derive.rules import DerivedFacts, derive_person
from inburgering.errors import AccessError
from inburgering.namespaces import DERIVED_SUFFIX

__all__ = ["DERIVED_SUFFIX", "DerivedFacts", "derive", "derive_facts", "derived_graph", "fact_triples"]

XSD_DATE = NamedNode(ns.XSD + "date")
XSD_INTEGER = NamedNode(ns.XSD + "integer")


def derived_graph(source_graph: str) -> str:
    """The graph of the facts derived from ``source_graph`` (a load's graph of non-special facts).

    >>> derived_graph("https://data.example.org/graph/gm0363/duo/20261125T142501Z-3f9a1c")
    'https://data.example.org/graph/gm0363/duo/20261125T142501Z-3f9a1c/afgeleid'
    """
    if source_graph.endswith(ns.SPECIAL_SUFFIX):
        raise AccessError(f"no facts are derived from a graph of special-category facts: {source_graph}")
    return source_graph + DERIVED_SUFFIX


def _triples(source: Store | Iterable[Triple | Quad], graph: str | None) -> Iterable[Triple | Quad]:
    if not isinstance(source, Store):
        return source
    if graph is not None and graph.rstrip("/").endswith(ns.SPECIAL_SUFFIX):
        raise AccessError(f"no facts are derived from a graph of special-category facts: {graph}")
    return source.quads_for_pattern(None, None, None, NamedNode(graph) if graph else DefaultGraph())


def derive_facts(source: Store | Iterable[Triple | Quad], *, base: str, peildatum: date,
                 graph: str | None = None) -> list[DerivedFacts]:
    """The derived facts of every person in ``source`` (the persons under ``{base}/id/persoon/``), in input order.

    ``source`` is one load's non-special triples (or quads: their graph is ignored), or a store with ``graph`` the
    load's graph (default: the default graph). Raises ``AccessError`` when the input holds a special-category fact or ``graph`` is a ``…/bijzonder``
    graph.
    """
    index = index_triples(_triples(source, graph), person_prefix=ns.thing_iri(base, "persoon", ""))
    seen: set[str] = set()
    out = []
    for person in index.persons:
        if person not in seen:
            seen.add(person)
            out.append(derive_person(index, person, peildatum))
    return out


@cache
def _p(name: str) -> NamedNode:
    return NamedNode(ns.inb(name))


@cache
def _concept(scheme: str, notation: str) -> NamedNode:
    return NamedNode(ns.concept_iri(scheme, notation))


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD_DATE)


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def fact_triples(facts: DerivedFacts, *, peildatum: date) -> list[Triple]:
    """The triples of one person's derived facts, ``inb:peildatum`` first."""
    s = NamedNode(facts.person)
    out = [Triple(s, _p("peildatum"), _date(peildatum))]
    if facts.uiterste_datum_pip is not None:
        out.append(Triple(s, _p("uitersteDatumPip"), _date(facts.uiterste_datum_pip)))
    if facts.dagen_tot_einde_termijn is not None:
        out.append(Triple(s, _p("dagenTotEindeTermijn"), _integer(facts.dagen_tot_einde_termijn)))
    out += [Triple(s, _p("behaaldExamenonderdeel"), _concept("examenonderdeel", c)) for c in sorted(facts.behaald)]
    out.append(Triple(s, _p("aantalBehaaldeExamenonderdelen"), _integer(len(facts.behaald))))
    if facts.vereist is not None:
        out += [Triple(s, _p("vereistExamenonderdeel"), _concept("examenonderdeel", c)) for c in sorted(facts.vereist)]
        out.append(Triple(s, _p("aantalVereisteExamenonderdelen"), _integer(len(facts.vereist))))
    if facts.status is not None:
        out.append(Triple(s, _p("statusLeerroute"), _concept("leerroutestatus", facts.status)))
    if facts.datum_eerste_examen is not None:
        out.append(Triple(s, _p("datumEersteExamen"), _date(facts.datum_eerste_examen)))
    if facts.dagen_van_pip_tot_eerste_examen is not None:
        out.append(Triple(s, _p("dagenVanPipTotEersteExamen"), _integer(facts.dagen_van_pip_tot_eerste_examen)))
    return out


def derive(source: Store | Iterable[Triple | Quad], *, base: str, peildatum: date,
           graph: str | None = None) -> list[Triple]:
    """The triples of the facts derived from ``source`` on ``peildatum`` (see :func:`derive_facts`).

    For the loader: call it with one load's non-special triples of one municipality and one source, and write the
    result into ``derived_graph(load graph)``.
    """
    return [t for facts in derive_facts(source, base=base, peildatum=peildatum, graph=graph)
            for t in fact_triples(facts, peildatum=peildatum)]
