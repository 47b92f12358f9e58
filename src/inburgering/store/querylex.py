r"""What a SPARQL request is, read from its tokens: its form, its own dataset (FROM / FROM NAMED), SERVICE use,
and the text the store will be given.

The tokens come from ``sparqllex`` (Oxigraph's reading of the SPARQL terminals); this module reads the prologue
(``BASE``, ``PREFIX``), resolves every IRI and prefixed name, decides the form (query or update), collects the
dataset clauses and flags SERVICE. It does not parse the grammar: the store's parser stays the judge of syntax.
What makes that safe is the rewrite (``querytext``): the store parses the guard's own tokens, so a SERVICE the
guard did not see cannot run. Where Oxigraph could read a token two ways the guard takes the SERVICE reading:
every word or prefix holding ``service`` in any case (Oxigraph matches keywords without a word boundary, so
``trueSERVICE`` is ``true`` ``SERVICE``) counts as SERVICE.

>>> info = inspect_query('PREFIX g: <http://ex.org/> SELECT * FROM g:a FROM NAMED <http://ex.org/b> { ?s ?p ?o }')
>>> info.form, info.default_graphs, info.named_graphs
('SELECT', ('http://ex.org/a',), ('http://ex.org/b',))
>>> info.text
'SELECT * FROM <\\u0068ttp://ex.org/a> FROM NAMED <\\u0068ttp://ex.org/b> { ?s ?p ?o }'
>>> inspect_query('SELECT * { ?s ?p "SERVICE" }').uses_service
False
>>> inspect_query('SELECT * { ?s ?p ?o # a comment ends at CR\r SERVICE <http://evil/> {} }').uses_service
True
>>> inspect_query('CLEAR ALL').form
'UPDATE'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from inburgering.errors import QueryError
from inburgering.store.iriref import is_absolute, resolve
from inburgering.store.querytext import Rewrite, rewrite
from inburgering.store.sparqllex import QueryLimitError, QueryLimits, QuerySyntaxError, Token, lex, where

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
#: Keywords Oxigraph may read at the start of an undeclared prefix (``FROMex:g`` is ``FROM ex:g``).
KEYWORDS = frozenset({
    "BASE", "PREFIX", "VERSION", *QUERY_FORMS, *UPDATE_KEYWORDS, "DISTINCT", "REDUCED", "FROM", "NAMED", "WHERE",
    "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES", "UNDEF", "SILENT", "INTO", "TO",
    "DATA", "USING", "DEFAULT", "ALL", "GRAPH", "OPTIONAL", "SERVICE", "BIND", "MINUS", "UNION", "FILTER", "AS",
    "IN", "NOT", "EXISTS", "LATERAL", "TRUE", "FALSE", "a",
})
SERVICE = "SERVICE"
_OPEN = frozenset({"{", "{|", "(", "[", "<<(", "<<"})
_CLOSE = frozenset({"}", "|}", ")", "]", ")>>", ">>"})


def is_valid_iri(iri: str) -> bool:
    """Whether Oxigraph takes ``iri`` as an absolute IRI (its own check, the one its parser applies)."""
    try:
        NamedNode(iri)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class QueryInfo:
    """The facts about one request text that the endpoint acts on."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE or UNKNOWN
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    uses_service: bool = False
    #: Whether the text has an IRI reference without a scheme (it needs a base IRI).
    relative_iris: bool = False
    #: Store-specific pragmas (Virtuoso's ``DEFINE``): never passed on.
    pragmas: bool = False
    #: The text the store is given (``querytext``); empty for updates.
    rewrite: Rewrite = field(default_factory=lambda: Rewrite(""))

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)

    @property
    def text(self) -> str:
        return self.rewrite.text


class _Reader:
    """The prologue (BASE, PREFIX), undeclared-prefix splits, IRIs, form, dataset, SERVICE: a few passes."""

    def __init__(self, source: str, toks: list[Token], base_iri: str | None,
                 map_iri: Callable[[str], str] | None) -> None:
        self.source = source
        self.map_iri = map_iri or (lambda iri: iri)
        self.relative = any(t.kind == "iri" and not is_absolute(t.value) for t in toks)
        self.base = base_iri if self.relative and base_iri else None
        self.prefixes: dict[str, str] = {}
        self.body = 0  # the tokens before it are the prologue (BASE, PREFIX, VERSION)
        self.toks = self._prologue(toks)

    def resolve(self, token: Token) -> str:
        if token.kind == "iri":
            return resolve(self.base, token.value) if self.base else token.value
        prefix = token.text.partition(":")[0]
        return self.prefixes[prefix] + token.value

    def _prologue(self, toks: list[Token]) -> list[Token]:
        i = 0
        while i + 1 < len(toks):
            word, nxt = toks[i].text.upper(), toks[i + 1]
            if toks[i].kind == "word" and word == "BASE" and nxt.kind == "iri":
                self.base = self.resolve(nxt)
                step = 2
            elif toks[i].kind == "word" and word == "VERSION" and nxt.kind == "string":
                step = 2
            elif toks[i].kind == "word" and word == "PREFIX" and nxt.kind == "pname" and not nxt.value \
                    and nxt.text.endswith(":") and i + 2 < len(toks) and toks[i + 2].kind == "iri":
                self.prefixes[nxt.text[:-1]] = self.resolve(toks[i + 2])
                step = 3
            elif toks[i].kind == "pname" and word.startswith("PREFIX") and word.endswith(":") \
                    and not toks[i].value and nxt.kind == "iri":  # PREFIXex:<…> is PREFIX ex: <…>
                self.prefixes[toks[i].text[6:-1]] = self.resolve(nxt)
                step = 2
            else:
                break
            i += step
        self.body = i
        return toks[:i] + self._split(toks[i:])

    def _split(self, toks: list[Token]) -> list[Token]:
        """Prefixed names with an undeclared prefix: Oxigraph reads ``FROMex:g`` as ``FROM`` ``ex:g`` when ``ex:``
        is declared (the guard does the same); any other undeclared prefix is an error."""
        out: list[Token] = []
        for t in toks:
            if t.kind != "pname" or (prefix := t.text.partition(":")[0]) in self.prefixes:
                out.append(t)
                continue
            cut = [len(k) for k in KEYWORDS if (prefix.startswith(k) if k == "a" else prefix.upper().startswith(k))
                   and prefix[len(k):] in self.prefixes]
            if len(cut) != 1:
                raise QuerySyntaxError(f"the prefix '{prefix}:' is not declared (PREFIX {prefix}: <…>) at "
                                       f"{where(self.source, t.start)}")
            out.append(Token("word", t.text[:cut[0]], t.start, t.start + cut[0]))
            out.append(Token("pname", t.text[cut[0]:], t.start + cut[0], t.end, t.value))
        return out

    def form(self) -> str:
        first = self.toks[self.body].text.upper() if self.body < len(self.toks) else ""
        if not first or self.toks[self.body].kind != "word":
            return "UNKNOWN"
        for keyword in (*QUERY_FORMS, *sorted(UPDATE_KEYWORDS)):
            if first.startswith(keyword):
                return keyword if keyword in QUERY_FORMS else "UPDATE"
        return "UNKNOWN"

    def scan(self, iris: dict[int, str]) -> tuple[list[str], list[str], bool, bool]:
        """One pass over the body: the ``FROM`` / ``FROM NAMED`` graphs outside any bracket (``FROMNAMED<g>``
        reads as Oxigraph reads it), SERVICE in any spelling Oxigraph could read as the keyword (see the module
        docstring; also in the local part of a prefixed name whose IRI is not valid, since Oxigraph then reads
        that part as code) and Virtuoso pragmas (``DEFINE``)."""
        defaults: list[str] = []
        named: list[str] = []
        service = pragmas = False
        depth = 0
        toks = self.toks
        for i in range(self.body, len(toks)):
            t = toks[i]
            if t.kind == "punct":
                depth += t.text in _OPEN
                depth -= t.text in _CLOSE
            elif t.kind == "word":
                word = t.text.upper()
                service = service or SERVICE in word
                pragmas = pragmas or word.startswith("DEFINE")
                if not depth and word.startswith("FROM"):
                    rest, j = word[4:], i + 1
                    if rest == "" and j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "NAMED":
                        rest, j = "NAMED", j + 1
                    if rest in ("", "NAMED") and j in iris:
                        (named if rest else defaults).append(iris[j])
            elif t.kind == "pname" and not service:
                prefix, _, local = t.text.upper().partition(":")
                service = SERVICE in prefix or (SERVICE in local and not is_valid_iri(self.resolve(t)))
        return defaults, named, service, pragmas


def inspect_query(text: str, *, base_iri: str | None = None, limits: QueryLimits | None = None,
                  dialect: str = "oxigraph", map_iri: Callable[[str], str] | None = None) -> QueryInfo:
    """Read a request text (see the module docstring).

    ``base_iri`` resolves relative IRIs when the text has no ``BASE`` of its own; ``map_iri`` maps every
    resolved IRI (the service's local addresses to production IRIs); ``dialect`` is the store's
    (``oxigraph`` or ``virtuoso``, for the rewrite). Raises ``QuerySyntaxError`` and ``QueryLimitError``.
    """
    reader = _Reader(text, lex(text, limits=limits), base_iri, map_iri)
    toks = reader.toks
    iris = {i: reader.map_iri(reader.resolve(toks[i])) for i in range(reader.body, len(toks))
            if toks[i].kind in ("iri", "pname")}
    form = reader.form()
    defaults, named, uses_service, pragmas = reader.scan(iris)
    text_for_store = Rewrite("") if form == "UPDATE" else rewrite(toks, iris, reader.body, dialect=dialect)
    return QueryInfo(form, tuple(defaults), tuple(named), uses_service, reader.relative, pragmas, text_for_store)


def query_form(text: str) -> str:
    """The form of a text the service wrote itself (``UNKNOWN`` when the guard cannot read it)."""
    try:
        reader = _Reader(text, lex(text), None, None)
    except QueryError:
        return "UNKNOWN"
    return reader.form()


__all__ = ["QUERY_FORMS", "UPDATE_KEYWORDS", "QueryInfo", "QueryLimitError", "QueryLimits", "QuerySyntaxError",
           "inspect_query",
           "query_form"]
