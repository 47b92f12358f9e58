"""Turtle prefixes for a set of triples: the project's namespaces plus one per concept scheme and per thing type.

pyoxigraph's Turtle writer escapes ``/`` inside a prefixed name (``concept:niveau\\/A2``) when a prefix ends
before the last slash (reference/perf-notes.md), so concept and instance IRIs get a prefix that ends at their
last slash (``niveau:A2``, ``persoon:4f2a…``).

>>> from pyoxigraph import NamedNode, Triple
>>> t = Triple(NamedNode("https://d.nl/id/persoon/ab"), NamedNode("http://x/p"),
...            NamedNode("https://w3id.org/inburgering/id/concept/niveau/A2"))
>>> p = prefixes_for([t], base="https://d.nl")
>>> p["niveau"], p["persoon"]
('https://w3id.org/inburgering/id/concept/niveau/', 'https://d.nl/id/persoon/')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyoxigraph import NamedNode, Triple

from inburgering.namespaces import CONCEPT, PREFIXES

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def prefixes_for(triples: Iterable[Triple], *, base: str) -> dict[str, str]:
    """``PREFIXES`` plus a prefix for every ``…/id/concept/{scheme}/`` and ``{base}/id/{type}/`` namespace used."""
    out = dict(PREFIXES)
    out.pop("concept", None)
    roots = (CONCEPT, base.rstrip("/") + "/id/")
    taken = set(out.values())
    iris = set()
    for triple in triples:  # each distinct IRI once (a page repeats its subjects), in a fixed order
        for term in (triple.subject, triple.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
    for iri in sorted(iris):
        for root in roots:
            if iri.startswith(root):
                name, slash, _ = iri[len(root):].partition("/")
                ns = root + name + slash
                if slash and ns not in taken and _NAME.match(name) and name not in out:
                    out[name] = ns
                    taken.add(ns)
    return out
