"""The query guard's reading of SPARQL texts (``store/sparqllex.py``, ``querylex.py``, ``querytext.py``,
``iriref.py``): each terminal as Oxigraph reads it, the dataset clauses as Oxigraph reads them, and IRI resolution
as Oxigraph does it (the last two checked against pyoxigraph itself)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import NamedNode, Quad, Store

from inburgering.store.iriref import resolve
from inburgering.store.querylex import inspect_query
from inburgering.store.querytext import string_text
from inburgering.store.sparqllex import QueryLimitError, QueryLimits, QuerySyntaxError, lex


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in lex(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("?s # SERVICE\r?o", [("var", "?s"), ("var", "?o")]),  # a comment ends at CR
    ("?s # x\n?o", [("var", "?s"), ("var", "?o")]),
    ("'''a'''' '", [("string", "'''a'''"), ("string", "' '")]),
    ("'''a'", [("string", "''"), ("string", "'a'")]),  # a long string that never closes reads as short ones
    ('"a\\"b"', [("string", '"a\\"b"')]),
    ("ex:a.b.c", [("pname", "ex:a.b"), ("punct", "."), ("word", "c")]),  # one group of dots in a local name
    ("ex:a\\.b\\#c", [("pname", "ex:a\\.b\\#c")]),
    ("ex:%41b", [("pname", "ex:%41b")]),
    ("<http://x/\\u0041>", [("iri", "<http://x/\\u0041>")]),
    ("trueSERVICE<x:y>", [("word", "trueSERVICE"), ("iri", "<x:y>")]),
    ("?x?y", [("var", "?x"), ("var", "?y")]),
    ("a?x", [("word", "a"), ("var", "?x")]),
    ("1.5e3.5", [("number", "1.5e3"), ("number", ".5")]),
    ("FILTER(?a<?b&&?b>?c)", [("word", "FILTER"), ("punct", "("), ("var", "?a"), ("punct", "<"), ("var", "?b"),
                              ("punct", "&&"), ("var", "?b"), ("punct", ">"), ("var", "?c"), ("punct", ")")]),
    ("?s ?p <?b&&?c>", [("var", "?s"), ("var", "?p"), ("iri", "<?b&&?c>")]),  # no operand before it here
    ("<<( ?s ?p ?o )>>", [("punct", "<<("), ("var", "?s"), ("var", "?p"), ("var", "?o"), ("punct", ")>>")]),
    ('"x"@en--ltr', [("string", '"x"'), ("langtag", "@en--ltr")]),
])
def test_terminals_as_oxigraph_reads_them(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ('?s ?p "open', "does not end on its line"),
    ("'a\\qb'", "bad escape"),
    ('"\\uD800"', "names no character"),
    ("?s ` ?o", "unexpected character '`'"),
    ("{ ?s ?p ?o ]", "closes nothing"),
    ("{ ?s", "is never closed"),
    ("ex:a\u00a0ex:b", "unexpected character"),  # no-break space is not SPARQL whitespace
])
def test_text_no_parser_reads_is_a_syntax_error(text: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        lex(text)


def test_limits_stop_the_lexer_at_the_first_bracket_or_token_too_many() -> None:
    assert len(lex("(" * 32 + ")" * 32, limits=QueryLimits(depth=32))) == 64
    with pytest.raises(QueryLimitError, match="deeper than 32 levels at line 1, column 33"):
        lex("(" * 33 + "x" * 1_000_000, limits=QueryLimits(depth=32))
    assert len(lex("?a " * 100, limits=QueryLimits(tokens=100))) == 100
    with pytest.raises(QueryLimitError, match="more than 100 tokens .* at line 1, column 303"):
        lex("?a " * 101 + "'" * 1_000_000, limits=QueryLimits(tokens=100))  # stops there: never reads the rest


def test_keywords_and_prefixes_as_oxigraph_reads_them() -> None:
    assert inspect_query("PREFIX ex: <http://e/> LOADex:x").form == "UPDATE"  # LOAD glued to a declared prefix
    assert inspect_query("INSERTDATA{<a:a><a:b><a:c>}").form == "UPDATE"
    assert inspect_query("PREFIXex:<http://e/> selectDISTINCT* { ex:a ?p ?o }").form == "SELECT"
    info = inspect_query("PREFIX ex: <http://e/> SELECT * FROMNAMED<http://e/n> FROMex:d { }")
    assert (info.default_graphs, info.named_graphs) == (("http://e/d",), ("http://e/n",))
    with pytest.raises(QuerySyntaxError, match="prefix 'xx:' is not declared"):
        inspect_query("SELECT * { xx:a ?p ?o }")
    for text in ("ASK { ?s ?p truesErViCe<x:y> {} }", "PREFIX service: <x:> ASK { service:a ?p ?o }",
                 "PREFIX h: <http://e/#> PREFIX : <x:> ASK { ?s ?p h:service:x\\#y {} }"):
        assert inspect_query(text).uses_service, text  # readings Oxigraph could take as SERVICE
    assert not inspect_query("PREFIX h: <http://e/> ASK { ?s ?p h:service:x\\#y }").uses_service  # a valid IRI


def test_the_rewrite_keeps_adjacency_and_escapes() -> None:
    text = "BASE <http://b/x/> SELECT * { ?s <../p> 'it''s' ; <q>\"a\\\"b\"@nl FILTER(CONCAT('a',?s)) } # end"
    assert inspect_query(text, dialect="virtuoso").text == (
        "SELECT * { ?s <http://b/p> \"it\" \"s\" ; <http://b/x/q>\"a\\\"b\"@nl FILTER(CONCAT(\"a\",?s)) }")
    assert inspect_query("ASK { <rel> ?p ?o }", base_iri="http://svc/sparql").text == (
        "ASK { <\\u0068ttp://svc/rel> ?p ?o }")
    assert string_text("a'\"\\\n\r") == '"a\\\'\\"\\\\\\n\\r"'
    with pytest.raises(QuerySyntaxError, match="cannot read in an IRI"):
        inspect_query("ASK { <http://e/\\u0020x> ?p ?o }", dialect="virtuoso")


def test_engine_errors_point_into_the_clients_text() -> None:
    source = "PREFIX ex: <http://e/>\n# comment\nSELECT * {\n  ?s ?p ?o ?o }"
    info = inspect_query(source)
    column = info.text.rindex("?o") + 1  # where the store stops in the rewrite (1-based, as it reports)
    assert info.rewrite.locate(f"error at 1:{column}: expected one of ...", source) == (
        "error at line 4, column 12: expected one of ...")


SEGMENT = st.sampled_from(["a", "b", ".", "..", "", "g;x", "%41", "c=d"])
REFERENCES = st.one_of(
    st.lists(SEGMENT, max_size=4).map("/".join),
    st.lists(SEGMENT, max_size=3).map(lambda s: "/" + "/".join(s)),
    st.builds(lambda p, q, f: p + q + f, st.lists(SEGMENT, max_size=3).map("/".join),
              st.sampled_from(["", "?y", "?"]), st.sampled_from(["", "#s", "#"])),
    st.sampled_from(["//h2/z", "//h2", "?q", "#f", "http://o/p/../q", "urn:z", "x:y/../z"]),
)
BASES = st.sampled_from(["http://a/b/c/d;p?q", "http://a", "http://a/", "urn:ex:a/b", "file:///x/y", "http://a/b/"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(base=BASES, reference=REFERENCES)
def test_resolution_matches_oxigraph(base: str, reference: str) -> None:
    """What a BASE makes of a relative IRI, compared with pyoxigraph given the same BASE."""
    store = Store()
    try:
        expected = next(iter(store.query(f"SELECT ?x {{ BIND(<{reference}> AS ?x) }}", base_iri=base)))["x"].value
    except SyntaxError:
        return  # not an IRI reference Oxigraph takes: nothing to compare
    assert resolve(base, reference) == expected


FROMS = {
    "FROM <http://ex.org/g1>": ("d", "http://ex.org/g1"), "FROM ex:g2": ("d", "http://ex.org/g2"),
    "from\r<g3>": ("d", "http://ex.org/base/g3"), "FROM #c\n<\\u0068ttp://ex.org/g1>": ("d", "http://ex.org/g1"),
    "FROM NAMED <http://ex.org/g2>": ("n", "http://ex.org/g2"), "FROMNAMED ex:g\\.4": ("n", "http://ex.org/g.4"),
    "FROMex:g5": ("d", "http://ex.org/g5"), "FROM NAMED<g3>": ("n", "http://ex.org/base/g3"),
    "FROM <http://ex.org/none>": ("d", "http://ex.org/none"),
}
PROBE = ('SELECT ?g ?n WHERE { { ?x <urn:in> ?g BIND("d" AS ?n) } UNION { GRAPH ?h { ?x <urn:in> ?g } '
         'BIND("n" AS ?n) } }')


@settings(max_examples=120, deadline=None, derandomize=True)
@given(froms=st.lists(st.sampled_from(sorted(FROMS)), min_size=1, max_size=4))
def test_the_dataset_is_what_oxigraph_reads(froms: list[str]) -> None:
    """FROM / FROM NAMED in many spellings: the graphs the guard extracts are the graphs Oxigraph evaluates
    over (each probe graph holds a triple naming itself; the query lists the graphs it sees)."""
    store = Store()
    graphs = [v for _, v in FROMS.values()] + ["http://ex.org/other"]
    for graph in graphs:
        store.add(Quad(NamedNode("urn:x"), NamedNode("urn:in"), NamedNode(graph), NamedNode(graph)))
    text = "BASE <http://ex.org/base/> PREFIX ex: <http://ex.org/> " + PROBE.replace(" WHERE", " " + " ".join(froms)
                                                                                      + " WHERE")
    info = inspect_query(text)
    seen = {(row["n"].value, row["g"].value) for row in store.query(text)}  # type: ignore[union-attr]
    assert {("d", g) for g in info.default_graphs if g in graphs} | {("n", g) for g in info.named_graphs
                                                                      if g in graphs} == seen
    assert {FROMS[f] for f in froms if FROMS[f][1] in graphs} == seen
