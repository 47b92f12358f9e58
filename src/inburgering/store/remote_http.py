"""The wire of the remote store: queries through SPARQLWrapper, updates and Graph Store Protocol writes through httpx.

Which server is behind the URL (Oxigraph, Virtuoso, Fuseki, GraphDB, or any other) is read once from its
``Server`` header; it decides the default update and GSP endpoints and which quirks to work around.
"""

from __future__ import annotations

import http.client
import re
import time
import urllib.error
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

# Virtuoso answers a query with one ``X-SPARQL-default-graph`` header per default graph; over a store's published
# graphs that passes the 100 headers ``http.client`` (under SPARQLWrapper and urllib) accepts by default.
http.client._MAXHEADERS = max(http.client._MAXHEADERS, 100_000)  # type: ignore[attr-defined]
from SPARQLWrapper import BASIC, DIGEST, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException, Unauthorized

from inburgering.errors import QueryError, QueryTimeout, StoreError

#: Seconds the client waits beyond its time limit, so a server told to stop at that limit can say so.
SERVER_GRACE_S = 5.0
Dialect = Literal["oxigraph", "virtuoso", "fuseki", "graphdb", "generic"]
Auth = Literal["basic", "digest"]


@dataclass(frozen=True)
class Endpoints:
    """Where to send queries, updates and Graph Store Protocol requests (``gsp=None``: the store has none)."""

    query: str
    update: str
    gsp: str | None
    dialect: Dialect


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``http://user:pw@host/sparql`` → (``http://host/sparql``, user, pw); percent-escapes are decoded.

    >>> split_credentials("http://dba:dba@127.0.0.1:8890/sparql-auth")
    ('http://127.0.0.1:8890/sparql-auth', 'dba', 'dba')
    """
    parts = urlsplit(url)
    if parts.username is None:
        return url, None, None
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    password = unquote(parts.password) if parts.password is not None else None
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.username), password


def dialect_of(server_header: str) -> Dialect:
    """The store family from an HTTP ``Server`` header."""
    header = server_header.lower()
    for name in ("oxigraph", "virtuoso", "fuseki", "graphdb"):
        if name in header:
            return name
    return "generic"


def default_endpoints(query_url: str, dialect: Dialect) -> Endpoints:
    """The usual update and GSP endpoints of each store next to its query endpoint."""
    parts = urlsplit(query_url)
    root = urlunsplit(parts._replace(path="", query="", fragment=""))
    if dialect == "oxigraph":
        return Endpoints(query_url, re.sub(r"/query$", "/update", query_url), re.sub(r"/query$", "/store", query_url)
                         if query_url.endswith("/query") else root + "/store", dialect)
    if dialect == "virtuoso":
        gsp = "/sparql-graph-crud-auth" if parts.path.endswith("-auth") else "/sparql-graph-crud"
        return Endpoints(query_url, query_url, root + gsp, dialect)
    if dialect == "fuseki":
        service = re.sub(r"/(query|sparql)$", "", query_url)
        return Endpoints(query_url, service + "/update", service + "/data", dialect)
    if dialect == "graphdb":  # RDF4J REST: /repositories/{id} queries, …/statements updates and GSP (rdf-graphs)
        return Endpoints(query_url, query_url + "/statements", query_url + "/rdf-graphs/service", dialect)
    return Endpoints(query_url, query_url, None, dialect)


def _server_message(exc: SPARQLWrapperException) -> str:
    """The server's own words from a SPARQLWrapper error (it appends the response body to a generic text)."""
    text = str(exc)
    body = text.split("Response:", 1)[1].strip() if "Response:" in text else text
    if body.startswith(("b'", 'b"')):
        body = body[2:-1].encode().decode("unicode_escape", "replace")
    return _first_line(body)


def _first_line(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else "(empty answer)")[:300]


class Http:
    """One store's connection settings; a pooled httpx client for writes, SPARQLWrapper for each query."""

    def __init__(self, *, user: str | None, password: str | None, auth: Auth | None, timeout_s: float,
                 write_timeout_s: float) -> None:
        self.user, self.password = user, password
        self.auth: Auth | None = auth
        self.timeout_s = timeout_s
        self.client = httpx.Client(timeout=httpx.Timeout(write_timeout_s, connect=10.0))

    def _httpx_auth(self) -> httpx.Auth | None:
        if self.user is None:
            return None
        if self.auth == "digest":
            return httpx.DigestAuth(self.user, self.password or "")
        return httpx.BasicAuth(self.user, self.password or "")

    def probe(self, url: str) -> str:
        """Ask ``ASK {}`` without credentials; return the ``Server`` header and pick the auth scheme from a 401."""
        try:
            response = self.client.get(url, params={"query": "ASK {}"}, timeout=self.timeout_s,
                                       headers={"Accept": "application/sparql-results+xml"})
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {exc}") from exc
        if response.status_code == 401 and self.auth is None:
            challenge = response.headers.get("www-authenticate", "").lower()
            self.auth = "digest" if challenge.startswith("digest") else "basic"
        return str(response.headers.get("server", ""))

    def query(self, url: str, query: str, *, form: str, params: list[tuple[str, str]],
              accept: str, grace_s: float = 0.0) -> tuple[bytes, dict[str, str]]:
        """POST a query (SPARQL 1.1 Protocol); returns the body and the response headers (lower-case names).

        The client waits ``timeout_s`` plus ``grace_s`` (for a server that was given the time limit itself, so
        it can answer that it stopped); a failure after the limit is a ``QueryTimeout``.
        """
        wrapper = SPARQLWrapper(url)
        wrapper.setMethod(POST)
        wrapper.setOnlyConneg(True)
        # Set directly: setTimeout() rounds down to whole seconds, and 0 there means "wait forever".
        wrapper.timeout = self.timeout_s + grace_s  # type: ignore[assignment]
        wrapper.setQuery(query)
        wrapper.queryType = form  # our lexer's reading, not SPARQLWrapper's first-keyword guess
        for name, value in params:
            wrapper.addParameter(name, value)
        wrapper.addCustomHttpHeader("Accept", accept)
        if self.user is not None:
            wrapper.setCredentials(self.user, self.password or "")
            wrapper.setHTTPAuth(DIGEST if self.auth == "digest" else BASIC)
        started = time.monotonic()
        try:
            response = wrapper.query().response
            body = response.read()
        except QueryBadFormed as exc:
            raise QueryError(f"SPARQL syntax error (the store refused the query): {_server_message(exc)}") from exc
        except Unauthorized as exc:
            raise StoreError(f"the store at {url} refused our credentials") from exc
        except SPARQLWrapperException as exc:
            # A server told to stop at our limit (Virtuoso's ``timeout``) may answer with a plain error then
            # (measured: "SR177: Misc Transaction Error" for an ORDER BY that ran out of time).
            self._raise_if_out_of_time(started, exc, stopped_by_server=True)
            raise StoreError(f"the store at {url} failed the query: {_server_message(exc)}") from exc
        except (urllib.error.URLError, OSError) as exc:  # includes time-outs and refused connections
            self._raise_if_out_of_time(started, exc, stopped_by_server=False)
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {exc}") from exc
        return body, {k.lower(): v for k, v in response.info().items()}

    def _raise_if_out_of_time(self, started: float, exc: Exception, *, stopped_by_server: bool) -> None:
        """A failure that came at or after the time limit is that limit, whatever the server called it."""
        limit = self.timeout_s
        if time.monotonic() - started < limit:
            return
        if stopped_by_server:
            raise QueryTimeout(f"the store stopped the query at the time limit of {limit:g} s") from exc
        raise QueryTimeout(f"no answer from the store within the time limit of {limit:g} s; the store "
                           "may still be evaluating the query (Oxigraph server cannot stop one)") from exc

    def post(self, url: str, *, params: dict[str, str] | None = None, data: dict[str, str] | None = None,
             content: bytes | None = None, content_type: str | None = None) -> None:
        """POST an update or GSP request; a non-2xx answer becomes a ``StoreError`` (``QueryError`` for 400)."""
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = self.client.post(url, params=params, data=data, content=content, headers=headers,
                                        auth=self._httpx_auth())  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the store at {url}: {exc}") from exc
        if response.status_code == 400:
            raise QueryError(f"SPARQL syntax error (the store refused the update): {_first_line(response.content)}")
        if response.status_code in (401, 403):
            raise StoreError(f"the store at {url} refused our credentials or the right to write "
                             f"(HTTP {response.status_code})")
        if response.status_code >= 300:
            raise StoreError(f"the store at {url} failed (HTTP {response.status_code}): "
                             f"{_first_line(response.content)}")

    def close(self) -> None:
        self.client.close()


__all__ = ["Auth", "Dialect", "Endpoints", "Http", "default_endpoints", "dialect_of", "split_credentials"]
