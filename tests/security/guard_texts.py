"""Hypothesis strategies for SPARQL texts that try to get SERVICE, LOAD or an update past the query guard.

``queries()`` builds a query from parts (prologue, form, FROM clauses, a WHERE group of patterns, filters,
sub-groups, VALUES, sub-selects) and hides payloads (a SERVICE clause, ``LOAD``, an update keyword) in every
lexical context: comments ending at LF, CR or nowhere, the four string forms with escaped quotes, IRIs with
``\\u`` escapes, prefixed names with backslash escapes and dots, words glued to keywords, the inside of ``<…>``
right after an operand in an expression. ``mutated()`` then edits such a text at random places with the
characters that move token boundaries. ``updates()`` does the same for update requests.
"""

from __future__ import annotations

from hypothesis import strategies as st

BASE = "http://127.0.0.1:8/base/"
ENDPOINT = "http://127.0.0.1:8/sparql"

PREFIXES = {
    "ex": "http://ex.org/", "": ENDPOINT + "/", "l": ENDPOINT + "/", "h": "http://ex.org/h#",
    "true": "http://ex.org/t/", "FROM": "http://ex.org/f/", "s": "http://ex.org/s/",
}
SEPARATORS = ("", " ", "  ", "\n", "\r", "\r\n", "\t", " #c\n", " #c\r", "\f", "\u00a0")
SERVICE_WORDS = ("SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "service silent", "SERVICESILENT")
ENDPOINTS = (f"<{ENDPOINT}>", "<\\u0068ttp://127.0.0.1:8/sparql>", f"<{ENDPOINT[:-1]}\\u0074>", "l:x",
             "l:\\~x", "l:x.y", ":x", "<rel>", "?svc", "$svc", "l:x\\#y", "<//127.0.0.1:8/x>")
TERMS = ("?s", "?o", "$o", "ex:a", "ex:a.b", "ex:a\\.b", "h:x", "<http://ex.org/i>", "<i>", "_:b", "[]", "()",
         "1", "-2.5", ".5e3", '"x"', "'y'@en", '"1"^^ex:int', "true", "a", "(1 ?o)", "[ ex:p ?o ]",
         "<<( ex:a ex:b ex:c )>>", '"""z"""', "'''w'''")
UPDATES = ("LOAD <{e}>", "LOAD SILENT <{e}> INTO GRAPH <g>", "INSERT DATA {{ <a:a> <a:b> <a:c> }}",
           "DELETE WHERE {{ ?s ?p ?o }}", "CLEAR ALL", "DROP SILENT GRAPH <g>", "CREATE GRAPH <g>",
           "COPY <g> TO <h>", "MOVE DEFAULT TO <h>", "ADD <g> TO <h>", "WITH <g> DELETE {{ ?s ?p ?o }} WHERE {{}}",
           "INSERTDATA{{<a:a><a:b><a:c>}}", "LOAD<{e}>", "PREFIX l: <{e}/> LOADl:x")


@st.composite
def service_clause(draw: st.DrawFn) -> str:
    sep = st.sampled_from(SEPARATORS)
    group = draw(st.sampled_from(("{}", "{ ?s ?p ?o }", "{?s ?p ?o}", "{ SELECT * {} }")))
    return (draw(st.sampled_from(SERVICE_WORDS)) + draw(sep) + draw(st.sampled_from(ENDPOINTS)) + draw(sep)
            + group)


@st.composite
def payload(draw: st.DrawFn) -> str:
    """Something that must never run: a SERVICE clause, or (rarely) an update keyword."""
    return draw(st.one_of(service_clause(), service_clause(), st.sampled_from(("LOAD <x:y>", "INSERT", "DROP ALL"))))


@st.composite
def disguised(draw: st.DrawFn) -> str:
    """``payload()`` in one lexical context; the surrounding text may or may not close it."""
    p = draw(payload())
    nl = draw(st.sampled_from(("\n", "\r", "\r\n", "")))
    q = draw(st.sampled_from(('"', "'", '"""', "'''")))
    forms = (
        f"#{p}{nl}", f"#x{nl}{p}", f"?s ?p {q}{p}{q}", f"?s ?p {q}\\{q[0]} {p} {q}", f"?s ?p {q}a{q}{q[0]} {p}",
        f"?s ?p '''a''''{nl}{p}'", f'?s ?p """a""""{nl}{p}"', f"?s ?p <http://ex.org/{p}>",
        f"?s ?p <http://ex.org/\\u003E {p}", f"?s ?p ex:a\\.{p}", f"?s ?p ex:a.b.{p}", f"?s ?p true{p}",
        f"?s ?p 5{p}", f"?s a{p}", f"?s ?p ?o .{p}", f"BIND(1 AS ?a) FILTER(?a <'> && \"x') {p} #\")\n",
        f"FILTER(?a <?b){p}#>\n", f"?s ?p ex:{p}", f"?s ?p h:x\\#{p}", "?s ?p ex:SERVICE:x\\#y {}",
        f"FILTER(?a<?b&&?c>?d) {p}", f"VALUES ?svc {{ <{ENDPOINT}> }} {p}", f"{{ {p} }} UNION {{ }}",
        f"OPTIONAL {{ {p} }}", f"MINUS {{ ?s ?p ?o {p} }}", f"FILTER EXISTS {{ {p} }}",
        f"BIND(<{ENDPOINT}> AS ?svc) {p}", p,
    )
    return draw(st.sampled_from(forms))


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    term = st.sampled_from(TERMS)
    simple = st.one_of(
        st.builds(lambda s, p, o: f"{s} {p} {o} .", term, st.sampled_from(("?p", "ex:p", "a", "<p>", "ex:p/ex:q",
                                                                           "^ex:p", "ex:p*", "(ex:p|ex:q)+")),
                  term),
        st.sampled_from(("FILTER(?o < 5)", "FILTER(?o<?s)", "FILTER(STR(?o) = 'a')", "FILTER(?o IN (<a:b>, 1))",
                         "FILTER regex(?o, \"^a(b|c)\")", "BIND(CONCAT('a', \"b\") AS ?c)",
                         "FILTER(ex:f(?o) <ex:g>)", "VALUES ?o { 1 ex:a }", "VALUES (?a ?b) { (1 UNDEF) }",
                         "FILTER(<<( ex:a ex:b ?o )>> != ?s)", "BIND(?o*2<3 AS ?z)", "FILTER(?o<=<a:b>)")),
        disguised(),
    )
    if depth >= 2:
        return draw(simple)
    inner = st.lists(element(depth + 1), max_size=3).map(" ".join)
    nested = st.one_of(
        inner.map(lambda e: f"OPTIONAL {{ {e} }}"), inner.map(lambda e: f"{{ {e} }} UNION {{ }}"),
        inner.map(lambda e: f"MINUS {{ {e} }}"), inner.map(lambda e: f"GRAPH ?g {{ {e} }}"),
        inner.map(lambda e: f"{{ SELECT ?s (COUNT(*) AS ?n) {{ {e} }} GROUP BY ?s HAVING(COUNT(*)>0) }}"),
        inner.map(lambda e: f"FILTER NOT EXISTS {{ {e} }}"),
    )
    return draw(st.one_of(simple, simple, nested))


@st.composite
def queries(draw: st.DrawFn) -> str:
    sep = st.sampled_from((" ", " ", "\n", "\r", "\t", " #x\n"))
    prologue = "".join(f"PREFIX {name}: <{iri}>{draw(sep)}" for name, iri in PREFIXES.items()
                       if draw(st.booleans()))
    if draw(st.booleans()):
        prologue = f"BASE <{BASE}>{draw(sep)}" + prologue
    form = draw(st.sampled_from(("SELECT *", "SELECT ?s ?o", "SELECT DISTINCT ?s (COUNT(?o) AS ?c)", "ASK",
                                 "CONSTRUCT { ?s ?p ?o }", "DESCRIBE ?s", "select*", "ASK")))
    datasets = "".join(draw(st.lists(st.sampled_from(("FROM <g1>", "FROM ex:g2", "FROM NAMED <g3>",
                                                        "FROM NAMED ex:g\\.4", "FROMex:g5", f"FROM <{ENDPOINT}>")),
                                     max_size=2).map(lambda ds: " " + " ".join(ds) if ds else "")))
    body = " ".join(draw(st.lists(element(), min_size=1, max_size=4)))
    tail = draw(st.sampled_from(("", " LIMIT 5", " ORDER BY ?s", " GROUP BY ?s", " OFFSET 1 LIMIT 0")))
    if "COUNT" in form and "GROUP" not in tail:
        tail = " GROUP BY ?s" + tail
    return f"{prologue}{form}{datasets} WHERE{draw(sep)}{{ {body} }}{tail}"


@st.composite
def updates(draw: st.DrawFn) -> str:
    update = draw(st.sampled_from(UPDATES)).format(e=ENDPOINT)
    lead = draw(st.sampled_from(("", "# c\n", "# c\r", "PREFIX ex: <http://ex.org/>\n", "BASE <http://b/> ")))
    return lead + update + draw(st.sampled_from(("", " ;", " ; CLEAR DEFAULT", "\n# end")))


EDIT_CHARS = ("#", "\n", "\r", "'", '"', "\\", "<", ">", "{", "}", ":", ".", " ", "u", "?", "(", ")", "s", "E",
              "SERVICE ", "\\u0022", "'''", '"""', "\\u003E")


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """``base`` with a few random deletions and insertions of boundary-moving characters."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        at = draw(st.integers(0, len(text) - 1))
        if draw(st.booleans()):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + draw(st.sampled_from(EDIT_CHARS)) + text[at:]
    return text


__all__ = ["BASE", "ENDPOINT", "mutated", "queries", "updates"]
