"""Run the vendored official profiles (DCAT-AP 3.0.1, DCAT-AP-NL 3.0, NL-SBB) with pySHACL.

Each profile is the set of files its publisher names for validation (PROVENANCE.md). The data graph is what is
checked plus what the official validators load beside it: the EU code lists (so ``skos:inScheme`` of a theme or
file type can be seen) and the class and property hierarchy of the vocabularies (DCAT, DCTERMS, FOAF, vCard, SKOS),
so that ``sh:class foaf:Agent`` accepts a ``foaf:Organization``. Only results whose focus node is a subject of
the checked graph count: the code lists are the EU's, not ours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

HERE = Path(__file__).parent

#: Profile name → its shapes files (relative to this folder).
PROFILES: dict[str, tuple[str, ...]] = {
    "DCAT-AP 3.0.1": tuple(f"dcat-ap-3.0.1/{name}.ttl" for name in (
        "shapes", "range", "mdr-vocabularies.shape", "deprecateduris", "shapes_recommended")),
    "DCAT-AP-NL 3.0": tuple(f"dcat-ap-nl-3.0/dcat-ap-nl-SHACL{suffix}.ttl" for suffix in (
        "", "-klassebereik", "-klassebereik-codelijsten", "-aanbevolen")),
    "NL-SBB": ("nl-sbb/skos-ap-nl.ttl",),
}
CODE_LISTS = ("eu-authority/data-theme-skos-ap-act.ttl", "eu-authority/filetypes-skos-ap-act.ttl",
              "eu-authority/extract-language-access-right.ttl")
VOCABULARIES = ("vocab/dcat3.ttl", "vocab/dcterms.ttl", "vocab/foaf.ttl", "vocab/vcard.ttl", "vocab/skos.ttl")


@dataclass(frozen=True)
class Result:
    """One top-level validation result: severity (``Violation``, ``Warning``, ``Info``), the focus node's
    types (local names, sorted), the path, the source shape's constraint and the message."""

    severity: str
    focus: str
    focus_types: tuple[str, ...]
    path: str
    constraint: str
    message: str


@cache
def _parse(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.parse(HERE / name, format="turtle")
    return g


@cache
def _hierarchy() -> Graph:
    """Only the subclass and subproperty statements of the vocabularies: their own instance data (the DCAT
    editors as foaf:Person, ...) would otherwise be validated too."""
    out = Graph()
    for triple in _parse(*VOCABULARIES).triples((None, None, None)):
        if triple[1] in (RDFS.subClassOf, RDFS.subPropertyOf) and not isinstance(triple[2], BNode):
            out.add(triple)
    return out


def _local(term: object) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def validate_profile(profile: str, data: Graph) -> list[Result]:
    """The results of ``profile`` on ``data``, with the vocabulary hierarchy beside it and, for the DCAT
    profiles, the code lists."""
    mixed = Graph()
    beside = (_hierarchy(),) if profile == "NL-SBB" else (_parse(*CODE_LISTS), _hierarchy())
    for source in (data, *beside):
        for triple in source:
            mixed.add(triple)
    _, report, _ = validate(mixed, shacl_graph=_parse(*PROFILES[profile]), inference="none", advanced=True,
                            allow_warnings=True, allow_infos=True)
    own = set(data.subjects())
    results = []
    for r in report.objects(None, SH.result):
        focus = report.value(r, SH.focusNode)
        if focus not in own:
            continue
        types = tuple(sorted(_local(c) for c in data.objects(focus, RDF.type)))
        results.append(Result(
            severity=_local(report.value(r, SH.resultSeverity)), focus=str(focus), focus_types=types,
            path=_local(report.value(r, SH.resultPath) or ""),
            constraint=_local(report.value(r, SH.sourceConstraintComponent)),
            message=str(report.value(r, SH.resultMessage) or "")))
    return results


def count(results: list[Result], severity: str) -> int:
    return sum(1 for r in results if r.severity == severity)


def summary(results: list[Result], severity: str) -> Counter[tuple[str, str, str]]:
    """Results of one severity per (focus type, path, constraint), for comparing with an explained list."""
    return Counter((",".join(r.focus_types), r.path, r.constraint) for r in results if r.severity == severity)


def in_scheme(scheme: str) -> set[URIRef]:
    """The concepts the vendored code lists place in ``scheme``."""
    return {s for s in _parse(*CODE_LISTS).subjects(URIRef("http://www.w3.org/2004/02/skos/core#inScheme"),
                                                   URIRef(scheme)) if isinstance(s, URIRef)}
