"""The OWL 2 DL variant of the model: ``xsd:date`` mapped to ``xsd:dateTime``, nothing else changed.

``xsd:date`` is not in the OWL 2 datatype map (OWL 2 Structural Specification §4), so a standard OWL 2 DL reasoner
such as HermiT refuses an ontology or data that uses it, and OWL 2 DL forbids redefining an ``xsd:`` datatype. The
published ontology keeps ``xsd:date``: it is what DUO sends, what the SHACL rules and SPARQL queries compare and
what the data holds. For OWL 2 DL tools, this variant maps every ``xsd:date`` range to ``xsd:dateTime`` and every
date literal to the start of that day (``2023-01-05`` → ``2023-01-05T00:00:00``, no time zone, as the date has
none). No axiom of the model constrains a date's value, so nothing a DL reasoner can infer depends on the time of
day. ``inburgering model owl-dl`` writes it; docs/ontology-decisions.md §12 says why.

>>> from rdflib import Graph, Literal
>>> from rdflib.namespace import XSD
>>> g = Graph(); _ = g.add((XSD.date, XSD.date, Literal("2023-01-05", datatype=XSD.date)))
>>> sorted(str(o) for o in owl_dl_variant(g).objects())
['2023-01-05T00:00:00']
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from inburgering.errors import SourceError
from inburgering.model.vocab import BINDINGS

#: Datatypes outside the OWL 2 datatype map that the model uses, and what the variant uses instead.
DATATYPE_MAPPING = {XSD.date: XSD.dateTime}


def _term(term: object) -> object:
    if isinstance(term, URIRef) and term in DATATYPE_MAPPING:
        return DATATYPE_MAPPING[term]
    if isinstance(term, Literal) and term.datatype == XSD.date:
        return Literal(f"{term}T00:00:00", datatype=XSD.dateTime)
    return term


def owl_dl_variant(graph: Graph) -> Graph:
    """A copy of ``graph`` (ontology, concepts or instance data) with the mapped datatypes and date literals."""
    out = Graph(bind_namespaces="none")
    for prefix, namespace in BINDINGS.items():
        out.bind(prefix, namespace)
    for s, p, o in graph:
        out.add((s, p, _term(o)))  # type: ignore[arg-type]
    return out


def write_owl_dl(ontology_dir: Path, out: Path) -> Path:
    """Write the OWL 2 DL variant of every Turtle file in ``ontology_dir`` (ontology, alignments, concepts)."""
    graph = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        try:
            graph.parse(path, format="turtle")
        except (SyntaxError, ValueError, OSError) as exc:
            raise SourceError(f"cannot read Turtle: {exc}", file=str(path)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# OWL 2 DL variant of the inburgering model (xsd:date → xsd:dateTime); written by "
                   "`inburgering model owl-dl`.\n" + owl_dl_variant(graph).serialize(format="turtle"), encoding="utf-8")
    return out
