"""The project's IRIs: one fixed vocabulary namespace, concept and scheme IRIs, and per-deployment instance IRIs.

Every IRI the code writes is made here (see ``docs/iri-policy.md``). Vocabulary terms are checked against the
ontology files, so a misspelt term fails loudly instead of writing a dangling IRI.

>>> inb("PIP")
'https://w3id.org/inburgering/def/PIP'
>>> concept_iri("leerroute", "B")
'https://w3id.org/inburgering/id/concept/leerroute/B'
>>> thing_iri("https://data.example.org/inburgering", "persoon", "4f2a9c")
'https://data.example.org/inburgering/id/persoon/4f2a9c'
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from inburgering.paths import ONTOLOGY_DIR

#: The vocabulary namespace: the same in every deployment, so data from all municipalities and DUO interoperate.
VOCAB = "https://w3id.org/inburgering/def/"
#: The ontology's own IRI (the document that holds the vocabulary).
ONTOLOGY_IRI = "https://w3id.org/inburgering/def"
CONCEPT = "https://w3id.org/inburgering/id/concept/"
SCHEME = "https://w3id.org/inburgering/id/scheme/"
#: Shapes and rule IRIs.
SHAPES = "https://w3id.org/inburgering/shapes/"
#: Where the JSON-LD contexts are published: ``{CONTEXTS}v1.jsonld`` (a published version never changes).
CONTEXTS = "https://w3id.org/inburgering/context/"
#: The GGM's own linked-data namespace (for alignments).
GGM = "https://lod.gemeentelijkgegevensmodel.nl/inburgering/"
#: TOOI: the Dutch government's identifiers for organisations; a municipality is tooi:gm0363.
TOOI_GEMEENTE = "https://identifier.overheid.nl/tooi/id/gemeente/"
#: The base for instance data when a deployment sets none (the demo's production base).
DEFAULT_BASE = "https://data.inburgering.example.nl"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"

PREFIXES: dict[str, str] = {
    "inb": VOCAB,
    "concept": CONCEPT,
    "scheme": SCHEME,
    "ggm": GGM,
    "tooi": TOOI_GEMEENTE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "sh": SH,
    "dct": DCT,
    "prov": PROV,
    "dcat": DCAT,
    "void": VOID,
}

_SEGMENT = re.compile(r"[^A-Za-z0-9_.~-]+")
#: fullmatch, and [0-9]: "$" also matches before a final newline, and \d also takes Arabic-Indic digits.
_GEMEENTE = re.compile(r"GM[0-9]{4}")


@lru_cache(maxsize=1)
def vocabulary_terms() -> frozenset[str]:
    """Local names of every term the ontology files define (subjects in the vocabulary namespace)."""
    from pyoxigraph import RdfFormat, parse

    terms: set[str] = set()
    for path in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        with path.open("rb") as f:
            for triple in parse(f, format=RdfFormat.TURTLE):
                subject = triple.subject
                value = getattr(subject, "value", "")
                if value.startswith(VOCAB):
                    terms.add(value[len(VOCAB):])
    return frozenset(terms)


def inb(local_name: str) -> str:
    """The IRI of a vocabulary term; raises ``KeyError`` for a term the ontology does not define."""
    terms = vocabulary_terms()
    if terms and local_name not in terms:
        raise KeyError(f"inb:{local_name} is not defined in the ontology ({ONTOLOGY_DIR})")
    return VOCAB + local_name


@lru_cache(maxsize=8192)
def segment(value: str) -> str:
    """An IRI path segment for a code or notation: spaces become hyphens, other unsafe characters go.

    >>> segment("B1-route haalbaar")
    'B1-route-haalbaar'
    """
    cleaned = _SEGMENT.sub("-", value.strip()).strip("-")
    if not cleaned:
        raise ValueError(f"cannot make an IRI segment from {value!r}")
    return cleaned


def scheme_iri(scheme: str) -> str:
    """The IRI of a concept scheme, e.g. ``scheme_iri('leerroute')``."""
    return SCHEME + segment(scheme)


def concept_iri(scheme: str, notation: str) -> str:
    """The IRI of a concept: ``…/id/concept/{scheme}/{notation}``."""
    return f"{CONCEPT}{segment(scheme)}/{segment(notation)}"


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _ref(ref: str) -> str:
    if _UNRESERVED.fullmatch(ref):  # the common case (pseudonym-key): nothing to escape, no need for quote()
        return ref
    return quote(ref, safe="-._~")


def thing_iri(base: str, type_: str, ref: str) -> str:
    """``{base}/id/{type}/{ref}``: the IRI of a thing (Dutch URI strategy). ``ref`` is never a personal identifier."""
    return f"{base.rstrip('/')}/id/{segment(type_)}/{_ref(ref)}"


def doc_iri(base: str, type_: str, ref: str) -> str:
    """``{base}/doc/{type}/{ref}``: the IRI of the page about the thing ``thing_iri`` names."""
    return f"{base.rstrip('/')}/doc/{segment(type_)}/{_ref(ref)}"


def gemeente_iri(code: str) -> str:
    """The TOOI IRI of a municipality given its ``GM0363`` code.

    >>> gemeente_iri("GM0363")
    'https://identifier.overheid.nl/tooi/id/gemeente/gm0363'
    """
    if not _GEMEENTE.fullmatch(code):
        raise ValueError(f"not a municipality code (expected GM followed by 4 digits): {code!r}")
    return TOOI_GEMEENTE + code.lower()


# Named graphs. Public graphs hold the model and metadata; every instance graph belongs to one municipality.
def public_graph(base: str, name: str) -> str:
    """``{base}/graph/{name}`` for the public graphs: ontology, concepts, shapes, dataset."""
    return f"{base.rstrip('/')}/graph/{segment(name)}"


def meta_graph(base: str) -> str:
    """The store's own bookkeeping: which instance graphs are published, the union members, the publication
    id. No reader is given it (it names every ``/bijzonder`` graph): loads are described in
    :func:`provenance_graph`."""
    return f"{base.rstrip('/')}/graph/meta"


def provenance_graph(base: str, gemeente: str | None = None) -> str:
    """Where loads and erasures are described (PROV-O, VoID): ``{base}/graph/provenance``, read by admins; with
    ``gemeente``, ``…/provenance/{gm0363}/bijzonder``: what is said about that municipality's ``/bijzonder``
    graphs (that one exists, its counts, which load made it), as protected as their content.

    >>> provenance_graph("https://data.example.org", "GM0363")
    'https://data.example.org/graph/provenance/gm0363/bijzonder'
    """
    graph = f"{base.rstrip('/')}/graph/provenance"
    if gemeente is None:
        return graph
    gemeente_iri(gemeente.upper())
    return f"{graph}/{gemeente.lower()}{SPECIAL_SUFFIX}"


def is_provenance_graph(base: str, iri: str) -> bool:
    """Whether ``iri`` is the provenance graph or a municipality's special one (:func:`provenance_graph`)."""
    graph = provenance_graph(base)
    return iri == graph or iri.startswith(graph + "/")


def provenance_graph_of(base: str, *iris: str) -> str:
    """The provenance graph for a statement whose subject and object are ``iris``: the municipality's special
    one (:func:`provenance_graph`) when one of them is a ``/bijzonder`` instance graph, else the general one.

    >>> provenance_graph_of("https://d.org", "https://d.org/id/load/L1", "https://d.org/graph/gm0014/duo/L1/bijzonder")
    'https://d.org/graph/provenance/gm0014/bijzonder'
    """
    prefix = instance_graph_prefix(base)
    for iri in iris:
        if iri.startswith(prefix) and iri.endswith(SPECIAL_SUFFIX):
            return provenance_graph(base, "gm" + iri[len(prefix):].split("/", 1)[0])
    return provenance_graph(base)


#: Ends the IRI of an instance graph of special-category facts (health, justice).
SPECIAL_SUFFIX = "/bijzonder"
#: Ends the IRI of the graph of facts derived from a load's graph (``inburgering.derive``).
DERIVED_SUFFIX = "/afgeleid"


#: Source names (``load --source``): the kind of source by default (``duo``, ``ggm``).
_SOURCE = re.compile(r"[a-z][a-z0-9-]{0,31}")


def check_source(name: str) -> str:
    """A source name as it goes into graph IRIs and the meta graph (``inb:bron``): lower-case letters, digits
    and hyphens, starting with a letter, at most 32.

    >>> check_source("duo")
    'duo'
    """
    if not _SOURCE.fullmatch(name):
        raise ValueError(f"not a source name (lower-case letters, digits and '-', starting with a letter, "
                         f"at most 32): {name!r}")
    return name


def instance_graph(base: str, gemeente: str, source: str, load_id: str, *, special: bool = False) -> str:
    """``{base}/graph/{gm0363}/{source}/{load_id}``: one load of one source (``duo``, ``ggm``) of one
    municipality; ``special=True`` gives the graph of its health and justice facts (``…/bijzonder``).

    >>> instance_graph("https://data.example.org", "GM0363", "duo", "L1", special=True)
    'https://data.example.org/graph/gm0363/duo/L1/bijzonder'
    """
    gemeente_iri(gemeente.upper())
    graph = f"{base.rstrip('/')}/graph/{gemeente.lower()}/{check_source(source)}/{segment(load_id)}"
    return graph + SPECIAL_SUFFIX if special else graph


def instance_graph_prefix(base: str) -> str:
    """``{base}/graph/gm``: every instance graph's IRI starts with it, published or not."""
    return f"{base.rstrip('/')}/graph/gm"
