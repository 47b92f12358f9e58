"""A store behind the SPARQL 1.1 Protocol and Graph Store Protocol: Oxigraph server, Virtuoso, Fuseki, GraphDB, ….

Results come back in pyoxigraph's model, as from the embedded store: SELECT/ASK as SPARQL XML results parsed with
``parse_query_results`` (XML because Virtuoso's JSON writes booleans as ``1``), CONSTRUCT/DESCRIBE as N-Triples
parsed with ``parse``. A restricted dataset (``default_graph``/``named_graphs``) is enforced even on a server that
mixes it with the query's own FROM clauses (see ``remote_dataset.py``). Every ``update`` is one HTTP request,
which the server applies as one transaction; Virtuoso does not do that for a request of several operations,
so those are refused there. See docs/remote-stores.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import IO, Any

from pyoxigraph import (
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from inburgering.errors import QueryError, QueryTimeout, StoreError
from inburgering.store.base import QueryResult
from inburgering.store.querylex import query_form
from inburgering.store.remote_dataset import (
    EMPTY_GRAPH,
    check_restricted,
    fix_xml_bnodes,
    retarget_outside_graphs,
    strip_dataset_clauses,
    top_level_operations,
)
from inburgering.store.remote_http import (
    SERVER_GRACE_S,
    Auth,
    Dialect,
    Endpoints,
    Http,
    default_endpoints,
    dialect_of,
    split_credentials,
)
from inburgering.store.remote_write import batches, in_graph

#: Graphs a Virtuoso server keeps for itself; never listed as ours.
VIRTUOSO_SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                          "http://www.w3.org/2002/07/owl#", "urn:activitystreams-owl:map", "urn:core:services:sparql")
#: Triples per INSERT DATA on Virtuoso ("SP030: SPARQL compiler … memory exhausted" at about 5,000).
VIRTUOSO_UPDATE_BATCH = 1_000
RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"


class RemoteTriples:
    """The triples of a CONSTRUCT/DESCRIBE answer; iterable and serializable like pyoxigraph's ``QueryTriples``."""

    def __init__(self, triples: list[Triple]) -> None:
        self.triples = triples

    def __iter__(self) -> Any:
        return iter(self.triples)

    def serialize(self, output: IO[bytes] | None = None, format: RdfFormat = RdfFormat.N_TRIPLES) -> bytes | None:
        return serialize(self.triples, output, format=format)


class RemoteStore:
    """A remote SPARQL 1.1 store; ``url`` is its query endpoint (credentials may sit in the URL).

    ``update_url`` and ``gsp_url`` default to the usual places for the server found behind ``url``; a store
    without a Graph Store Protocol endpoint (``gsp_url=""``) gets bulk loads as SPARQL ``INSERT DATA`` batches.
    """

    def __init__(self, url: str, *, update_url: str | None = None, gsp_url: str | None = None,
                 user: str | None = None, password: str | None = None, auth: Auth | None = None,
                 timeout_s: float = 120.0, write_timeout_s: float = 600.0, dialect: Dialect | None = None,
                 batch_size: int = 20_000) -> None:
        self.url, url_user, url_password = split_credentials(url)
        self._http = Http(user=user or url_user, password=password or url_password, auth=auth,
                          timeout_s=timeout_s, write_timeout_s=write_timeout_s)
        self._wanted = (update_url, gsp_url, dialect)
        self._endpoints: Endpoints | None = None
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> RemoteStore:
        """The store ``settings.store`` names, with the ``store_*`` credentials and endpoints of ``settings``."""
        return cls(settings.store, update_url=settings.store_update_url, gsp_url=settings.store_gsp_url,
                   user=settings.store_user, password=settings.store_password, **options)

    def with_timeout(self, timeout_s: float) -> RemoteStore:
        """The same store with another query time limit (the service's limit for client queries); it shares
        this one's endpoints and credentials, and has its own connection pool."""
        http = self._http
        other = RemoteStore(self.url, user=http.user, password=http.password, auth=http.auth,
                            timeout_s=timeout_s, write_timeout_s=http.client.timeout.read or 600.0,
                            batch_size=self.batch_size)
        other._wanted = self._wanted
        other._endpoints = self._endpoints
        return other

    @property
    def endpoints(self) -> Endpoints:
        """The query, update and GSP endpoints (asks the server who it is on first use)."""
        if self._endpoints is None:
            update_url, gsp_url, dialect = self._wanted
            server = self._http.probe(self.url)
            found = default_endpoints(self.url, dialect or dialect_of(server))
            gsp = found.gsp if gsp_url is None else (gsp_url or None)
            self._endpoints = Endpoints(self.url, update_url or found.update, gsp, found.dialect)
        return self._endpoints

    @property
    def dialect(self) -> Dialect:
        return self.endpoints.dialect

    # --- reading ---------------------------------------------------------------------------------------------
    def query(self, query: str, *, default_graph: Sequence[str] | None = None,
              named_graphs: Sequence[str] | None = None, union_default_graph: bool = False) -> QueryResult:
        body, content_type, graph_form = self.query_raw(query, default_graph=default_graph,
                                                        named_graphs=named_graphs,
                                                        union_default_graph=union_default_graph)
        try:
            if graph_form:
                fmt = RdfFormat.from_media_type(content_type) or RdfFormat.N_TRIPLES
                return RemoteTriples([q.triple for q in parse(body, format=fmt)])  # type: ignore[return-value]
            fmt_r = QueryResultsFormat.from_media_type(content_type) or QueryResultsFormat.XML
            return parse_query_results(fix_xml_bnodes(body) if fmt_r == QueryResultsFormat.XML else body,
                                       format=fmt_r)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"cannot read the answer of the store at {self.url}: {exc}") from exc

    def query_raw(self, query: str, *, default_graph: Sequence[str] | None = None,
                  named_graphs: Sequence[str] | None = None, union_default_graph: bool = False,
                  accept: str | None = None) -> tuple[bytes, str, bool]:
        """The server's answer as it came: (body, media type, whether it is a graph), for a pass-through."""
        endpoints = self.endpoints
        form = query_form(query)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        text, params = self._dataset(query, default_graph, named_graphs, union_default_graph)
        grace = 0.0
        if endpoints.dialect == "virtuoso":  # Virtuoso stops at this limit and answers partially: we raise then
            params.append(("timeout", str(max(1, int(self._http.timeout_s * 1000)))))
            grace = SERVER_GRACE_S
        accept = accept or (N_TRIPLES if graph_form else RESULTS_XML)
        body, headers = self._http.query(endpoints.query, text, form=form if form != "UNKNOWN" else "SELECT",
                                         params=params, accept=accept, grace_s=grace)
        self._check_complete(headers)
        return body, headers.get("content-type", "").split(";")[0].strip(), graph_form

    def _dataset(self, query: str, default_graph: Sequence[str] | None, named_graphs: Sequence[str] | None,
                 union: bool) -> tuple[str, list[tuple[str, str]]]:
        """The query text and protocol parameters that give the embedded store's dataset semantics."""
        virtuoso = self.dialect == "virtuoso"
        if default_graph is None and named_graphs is None:
            if union:
                if self.dialect == "oxigraph":
                    return query, [("union-default-graph", "")]
                return query, [] if virtuoso else [("default-graph-uri", g.value) for g in self.named_graphs()]
            # Unrestricted: the server's own dataset. (On Virtuoso the default graph is then the union of all
            # graphs; a default-graph-uri alone would not help: Virtuoso then answers GRAPH <g> patterns wrongly.)
            return query, []
        check_restricted(query)
        text = strip_dataset_clauses(query)
        if default_graph is not None:
            defaults = list(default_graph)
        else:
            defaults = [g.value for g in self.named_graphs()] if union else []
        named = list(named_graphs) if named_graphs is not None else [g.value for g in self.named_graphs()]
        params = [("default-graph-uri", g) for g in defaults or [EMPTY_GRAPH]]
        if virtuoso:
            # Virtuoso reads an absent named-graph-uri as "all graphs" and drops GRAPH <g> patterns for graphs
            # outside the list; a graph that never exists, in the list, fixes both.
            text = retarget_outside_graphs(text, set(named))
            named = [*named, EMPTY_GRAPH]
        # With default-graph-uri given, an absent named-graph-uri means "no named graphs" (the spec).
        params += [("named-graph-uri", g) for g in named]
        return text, params

    def _check_complete(self, headers: dict[str, str]) -> None:
        """Virtuoso cuts results at ResultSetMaxRows and returns partial "anytime" results on time-outs."""
        if "x-sql-state" in headers:
            raise QueryTimeout(f"the store stopped the query at its time limit and returned a partial result "
                               f"({headers.get('x-sql-message', '')})")
        if "x-sparql-maxrows" in headers:
            raise QueryError(f"the store cut the result at {headers['x-sparql-maxrows']} rows "
                             "(Virtuoso ResultSetMaxRows); add a LIMIT or raise that setting")

    def named_graphs(self) -> list[NamedNode]:
        # GROUP BY, not DISTINCT: Virtuoso 7.2 answers the DISTINCT form by a slow scan (measured 6.7 s
        # against 4 ms on 14,000 quads, and the service asks this for every query).
        query = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }" if self.dialect == "oxigraph"
                 else "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        result = self.query(query)
        assert isinstance(result, QuerySolutions)
        graphs = [row["g"] for row in result if isinstance(row["g"], NamedNode)]
        if self.dialect == "virtuoso":
            graphs = [g for g in graphs if not g.value.startswith(VIRTUOSO_SYSTEM_GRAPHS)
                      and g.value != EMPTY_GRAPH]
        return graphs

    # --- writing ---------------------------------------------------------------------------------------------
    def update(self, update: str) -> None:
        endpoints = self.endpoints
        if endpoints.dialect == "virtuoso" and top_level_operations(update) > 1:
            raise StoreError("Virtuoso applies the operations of one update request one by one, not all or "
                             "nothing: send one operation (e.g. one DELETE/INSERT) per update")
        self._http.post(endpoints.update, data={"update": update})

    def load(self, data: bytes | IO[bytes], *, format: RdfFormat, graph: str | None = None) -> None:
        try:
            self.extend(in_graph(parse(data, format=format), graph))
        except SyntaxError as exc:
            raise StoreError(f"cannot load into {graph or 'the store'}: {exc}") from exc

    def extend(self, quads: Iterable[Quad]) -> None:
        gsp = self.endpoints.gsp
        size = self.batch_size
        if not gsp and self.dialect == "virtuoso":  # its SPARQL parser runs out of memory at ~5,000 triples
            size = min(size, VIRTUOSO_UPDATE_BATCH)
        for batch in batches(quads, size=size):
            if gsp:
                where = {"graph": batch.graph} if batch.graph is not None else {"default": ""}
                self._http.post(gsp, params=where, content=batch.n_triples(), content_type=N_TRIPLES)
            else:
                self._http.post(self.endpoints.update, data={"update": batch.insert_update()})

    def drop_graph(self, graph: str) -> None:
        if self.dialect == "virtuoso":  # Virtuoso's DROP only removes graphs made with CREATE GRAPH
            self.update(f"CLEAR SILENT GRAPH {NamedNode(graph)}")
        self.update(f"DROP SILENT GRAPH {NamedNode(graph)}")

    def flush(self) -> None:
        """Nothing to do: the server has made each request durable before it answered."""

    def close(self) -> None:
        self._http.close()


__all__ = ["RemoteStore", "RemoteTriples"]
