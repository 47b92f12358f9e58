"""Answer with RDF (or any text) the web way: serialized by media type, IRIs rewritten, ``ETag``, ``Vary``, 304.

>>> etag_of(b"x")
'"2d711642b726b044"'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import Response
from pyoxigraph import RdfFormat, Triple

from inburgering.namespaces import DEFAULT_BASE
from inburgering.service.execute import serialize_rdf
from inburgering.service.rewrite import Rewriter


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags or "*" in tags


def serialize_triples(triples: Iterable[Triple], media_type: str, *, rewriter: Rewriter | None = None,
                      main: str | None = None) -> bytes:
    """Triples as ``media_type`` (see ``serialize_rdf``), rewritten when running locally."""
    fmt = RdfFormat.from_media_type(media_type) or RdfFormat.TURTLE
    body = serialize_rdf(triples, fmt, base=rewriter.base if rewriter is not None else DEFAULT_BASE, main=main)
    if rewriter is not None and rewriter.active:
        body = rewriter.text_to_local(body.decode("utf-8")).encode("utf-8")
    return body


def text_response(body: bytes, media_type: str, *, request: Request, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """A 200 (or 304 when the client has this version) with ``ETag`` and ``Vary: Accept``."""
    etag = etag_of(body)
    all_headers = {"ETag": etag, "Vary": "Accept", **(headers or {})}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=all_headers)
    charset = "; charset=utf-8" if media_type.startswith("text/") else ""
    return Response(body, status_code=status, media_type=media_type + charset, headers=all_headers)


def rdf_response(triples: Iterable[Triple], media_type: str, *, request: Request, rewriter: Rewriter,
                 headers: dict[str, str] | None = None) -> Response:
    return text_response(serialize_triples(triples, media_type, rewriter=rewriter), media_type,
                         request=request, headers=headers)
