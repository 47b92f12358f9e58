"""Content negotiation: choose a media type from an ``Accept`` header (q-values, wildcards) or a file extension.

>>> choose("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
'application/sparql-results+xml'
>>> choose("*/*", RDF_TYPES)
'text/turtle'
>>> choose("image/png", RDF_TYPES) is None
True
"""

from __future__ import annotations

from pyoxigraph import QueryResultsFormat, RdfFormat

#: SELECT / ASK results; the first is the default.
RESULT_TYPES: dict[str, QueryResultsFormat] = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
    "application/json": QueryResultsFormat.JSON,
    "application/xml": QueryResultsFormat.XML,
    "text/xml": QueryResultsFormat.XML,
}
#: CONSTRUCT / DESCRIBE results and resource descriptions; the first is the default.
RDF_TYPES: dict[str, RdfFormat] = {
    "text/turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
    "application/x-turtle": RdfFormat.TURTLE,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/json": RdfFormat.JSON_LD,
    "application/xml": RdfFormat.RDF_XML,
}
#: ``/doc/…`` extension overrides.
EXTENSIONS: dict[str, str] = {
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "html": "text/html",
}
HTML = "text/html"


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``[(media range, q)]`` in order of preference (higher q first; ties keep the header's order)."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    ranges.sort(key=lambda r: (-r[1], _specificity(r[0]), r[2]))
    return [(media, q) for media, q, _ in ranges]


def _specificity(media: str) -> int:
    return 2 if media == "*/*" else 1 if media.endswith("/*") else 0


def _matches(media_range: str, offered: str) -> bool:
    if media_range in ("*/*", offered):
        return True
    return media_range.endswith("/*") and offered.startswith(media_range[:-1])


def choose(header: str | None, offered: dict[str, object] | list[str]) -> str | None:
    """The offered media type the client prefers most, or ``None`` when it accepts none of them (406)."""
    names = list(offered)
    for media_range, q in parse_accept(header):
        if q <= 0:
            continue
        for name in names:
            if _matches(media_range, name) and not _refused(header, name):
                return name
    return None


def _refused(header: str | None, name: str) -> bool:
    """Whether the header names this exact type with ``q=0``."""
    return any(media == name and q <= 0 for media, q in parse_accept(header))


#: ``format=`` in a query string (``/sparql``, ``/api/queries/…``), which wins over ``Accept``: for SELECT and ASK
#: results, and for CONSTRUCT and DESCRIBE graphs.
RESULT_FORMATS: dict[str, str] = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
                                  "csv": "text/csv", "tsv": "text/tab-separated-values"}
RDF_FORMATS: dict[str, str] = {"json": "application/ld+json", "jsonld": "application/ld+json",
                               "xml": "application/rdf+xml", "ttl": "text/turtle", "turtle": "text/turtle",
                               "nt": "application/n-triples"}


def media_for_format(value: str, formats: dict[str, str]) -> str:
    """The media type ``format=value`` asks for; ``ValueError`` naming the choices when it is none of them.

    >>> media_for_format("CSV", RESULT_FORMATS)
    'text/csv'
    >>> media_for_format("csv", RDF_FORMATS)
    Traceback (most recent call last):
    ValueError: format=csv is not available here; choose one of json, jsonld, xml, ttl, turtle, nt
    """
    media = formats.get(value.strip().lower())
    if media is None:
        raise ValueError(f"format={value[:20]} is not available here; choose one of {', '.join(formats)}")
    return media
