"""The Store protocol, the same on every backend: embedded Oxigraph, an Oxigraph server and Virtuoso.

Each test runs once per backend of ``INBURGERING_TEST_BACKENDS`` (the ``store`` fixture in tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    parse,
)

from inburgering.errors import QueryError, StoreError
from inburgering.store.base import Store

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
G1, G2, G3 = EX + "g1", EX + "g2", EX + "g3"

LITERALS = [
    Literal("plain"),
    Literal("met accent: é ü ĳ — and a tab\tand\nnewline \"quoted\" \\ back"),
    Literal("nl", language="nl"),
    Literal("42", datatype=NamedNode(XSD + "integer")),
    Literal("true", datatype=NamedNode(XSD + "boolean")),
    Literal("2023-02-28", datatype=NamedNode(XSD + "date")),
    Literal("7,50"),
]


def _select(store: Store, query: str, **kwargs: object) -> list[dict[str, object]]:
    result = store.query(query, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names} for row in result]


def _fill_three_graphs(store: Store) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{G1}> {{ <{EX}a> <{EX}p> 1 }} GRAPH <{G2}> {{ <{EX}b> <{EX}p> 2 }} "
                 f"GRAPH <{G3}> {{ <{EX}c> <{EX}p> 3 }} }}")


def test_literals_come_back_exactly_as_written(store: Store) -> None:
    store.extend(Quad(NamedNode(EX + "s"), NamedNode(EX + f"p{i}"), lit, NamedNode(G1))
                 for i, lit in enumerate(LITERALS))
    rows = _select(store, f"SELECT ?p ?o WHERE {{ GRAPH <{G1}> {{ <{EX}s> ?p ?o }} }}")
    found = {row["p"].value: row["o"] for row in rows}  # type: ignore[attr-defined]
    assert found == {EX + f"p{i}": lit for i, lit in enumerate(LITERALS)}


def test_select_ask_and_construct_use_the_pyoxigraph_model(store: Store) -> None:
    _fill_three_graphs(store)
    rows = _select(store, f"SELECT ?s ?o WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert rows == [{"s": NamedNode(EX + "a"), "o": Literal("1", datatype=NamedNode(XSD + "integer"))}]
    ask = store.query(f"ASK {{ GRAPH <{G2}> {{ <{EX}b> ?p 2 }} }}")
    assert isinstance(ask, QueryBoolean) and bool(ask) is True
    assert bool(store.query(f"ASK {{ GRAPH <{G2}> {{ <{EX}a> ?p ?o }} }}")) is False
    triples = list(store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G3}> {{ ?s ?p ?o }} }}"))  # type: ignore
    assert [(t.subject, t.object) for t in triples] == [(NamedNode(EX + "c"),
                                                         Literal("3", datatype=NamedNode(XSD + "integer")))]


def test_load_keeps_blank_nodes_one_node_across_batches(store: Store) -> None:
    if hasattr(store, "batch_size"):
        store.batch_size = 3  # type: ignore[attr-defined] # force several requests on a remote store
    turtle = "\n".join(f"<{EX}s{i}> <{EX}p> {i} ." for i in range(10))
    turtle += f"\n<{EX}s0> <{EX}list> ( 1 2 3 ) .\n<{EX}s1> <{EX}shape> [ <{EX}path> <{EX}p> ; <{EX}min> 1 ] ."
    store.load(turtle.encode(), format=RdfFormat.TURTLE, graph=G1)
    count = _select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    assert int(count[0]["n"].value) == 10 + 1 + 6 + 3  # type: ignore[attr-defined]
    shape = _select(store, f"SELECT ?min WHERE {{ GRAPH <{G1}> {{ <{EX}s1> <{EX}shape> ?b . ?b <{EX}path> <{EX}p> ;"
                           f" <{EX}min> ?min }} }}")
    assert len(shape) == 1 and isinstance(shape[0]["min"], Literal)
    items = _select(store, f"SELECT ?x WHERE {{ GRAPH <{G1}> {{ <{EX}s0> <{EX}list>/<http://www.w3.org/1999/02/"
                           "22-rdf-syntax-ns#rest>*/<http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?x } }")
    assert sorted(int(r["x"].value) for r in items) == [1, 2, 3]  # type: ignore[attr-defined]


def test_quad_formats_keep_their_graphs_and_drop_graph_removes_one(store: Store) -> None:
    trig = f"<{G1}> {{ <{EX}a> <{EX}p> 1 }} <{G2}> {{ <{EX}b> <{EX}p> _:x . _:x <{EX}q> 2 }}"
    store.load(trig.encode(), format=RdfFormat.TRIG)
    assert sorted(g.value for g in store.named_graphs()) == [G1, G2]
    store.drop_graph(G1)
    store.drop_graph(EX + "never-there")
    assert [g.value for g in store.named_graphs()] == [G2]
    assert bool(store.query(f"ASK {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")) is False
    store.flush()


def test_a_bad_query_or_update_is_a_query_error_in_one_line(store: Store) -> None:
    for call in (lambda: store.query("SELECT * WHERE { ?s ?p "), lambda: store.update("INSERT DATA { <a:b> }")):
        try:
            call()
        except QueryError as exc:
            assert "syntax" in str(exc).lower() or "error" in str(exc).lower()
        except StoreError as exc:  # some servers answer a syntax error with a 500
            raise AssertionError(f"a syntax error should be a QueryError, got {exc!r}") from exc
        else:
            raise AssertionError("a malformed request was accepted")


def test_dataset_restriction_default_and_named_graphs(store: Store) -> None:
    _fill_three_graphs(store)
    both = {"default_graph": [G1], "named_graphs": [G2]}
    assert [r["s"] for r in _select(store, "SELECT ?s WHERE { ?s ?p ?o }", **both)] == [NamedNode(EX + "a")]
    rows = _select(store, "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }", **both)
    assert rows == [{"g": NamedNode(G2), "s": NamedNode(EX + "b")}]
    assert _select(store, f"SELECT ?s WHERE {{ GRAPH <{G3}> {{ ?s ?p ?o }} }}", **both) == []
    # Virtuoso on its own answers these two with true and 1 (it drops a GRAPH pattern outside the dataset)
    assert bool(store.query(f"PREFIX ex: <{EX}> ASK {{ GRAPH ex:g3 {{ ?s ?p ?o }} }}", **both)) is False
    count = _select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G3}> {{ ?s ?p ?o }} }}", **both)
    assert int(count[0]["n"].value) == 0  # type: ignore[attr-defined]
    assert bool(store.query(f"ASK {{ GRAPH <{G2}> {{ <{EX}b> ?p ?o }} }}", **both)) is True
    union = _select(store, "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", default_graph=[G1, G3], named_graphs=[])
    assert [r["s"] for r in union] == [NamedNode(EX + "a"), NamedNode(EX + "c")]
    assert _select(store, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=[G1], named_graphs=[]) == []
    assert _select(store, "SELECT ?s WHERE { ?s ?p ?o }", default_graph=[], named_graphs=[]) == []


def test_the_protocol_dataset_overrides_from_and_from_named(store: Store) -> None:
    """As the SPARQL 1.1 Protocol says; Virtuoso would otherwise add the FROM graphs to the restriction."""
    _fill_three_graphs(store)
    query = f"SELECT ?s FROM <{G3}> WHERE {{ ?s ?p ?o }}"
    assert [r["s"] for r in _select(store, query, default_graph=[G1], named_graphs=[])] == [NamedNode(EX + "a")]
    named = f"SELECT ?g FROM NAMED <{G3}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert [r["g"] for r in _select(store, named, default_graph=[], named_graphs=[G2])] == [NamedNode(G2)]
    unrestricted = _select(store, query)
    assert [r["s"] for r in unrestricted] == [NamedNode(EX + "c")]


def test_named_graphs_lists_only_ours(store: Store) -> None:
    assert store.named_graphs() == []
    store.extend([Quad(NamedNode(EX + "s"), NamedNode(EX + "p"), BlankNode(), NamedNode(G1))])
    assert store.named_graphs() == [NamedNode(G1)]


def test_construct_results_serialize_like_query_triples(store: Store) -> None:
    _fill_three_graphs(store)
    result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G1}> {{ ?s ?p ?o }} }}")
    body = result.serialize(format=RdfFormat.N_TRIPLES)  # type: ignore[union-attr]
    assert [t.subject for t in parse(body, format=RdfFormat.N_TRIPLES)] == [NamedNode(EX + "a")]


def test_a_read_only_embedded_store_closes_cleanly(tmp_path: Path) -> None:
    from inburgering.store import EmbeddedStore

    writer = EmbeddedStore(tmp_path / "store")
    writer.update("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }")
    writer.close()
    reader = EmbeddedStore(tmp_path / "store", read_only=True)
    assert bool(reader.query("ASK { GRAPH <urn:g> { <urn:s> <urn:p> 1 } }"))
    reader.close()
