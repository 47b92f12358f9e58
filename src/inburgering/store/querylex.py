"""What a SPARQL request is, read from its tokens: its form, its own dataset (FROM / FROM NAMED) and SERVICE use.

A small lexer rather than a full parser: it skips strings, comments and IRIs, so a keyword inside a literal does
not count, and it is fast enough to run on every request. The store's parser stays the judge of syntax; this
module only decides which dataset to fix and what to refuse before the store sees the query.

>>> info = inspect_query('PREFIX g: <http://ex.org/> SELECT * FROM g:a FROM NAMED <http://ex.org/b> { ?s ?p ?o }')
>>> info.form, info.default_graphs, info.named_graphs
('SELECT', ('http://ex.org/a',), ('http://ex.org/b',))
>>> inspect_query('SELECT * { ?s ?p "SERVICE" }').uses_service
False
>>> inspect_query('SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }').uses_service
True
>>> inspect_query('CLEAR ALL').form
'UPDATE'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})

TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<comment>\#[^\n]*)
      | (?P<string>\"\"\"(?:[^\\]|\\.)*?\"\"\"|'''(?:[^\\]|\\.)*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
      | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:[\w\-.:%\\\u00b7\u00c0-\uffff]*[\w\-:%\u00c0-\uffff])?)
      | (?P<word>[A-Za-z_][\w\-]*)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_ABSOLUTE = re.compile(r"^<[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class QueryInfo:
    """The facts about one request text that the endpoint acts on."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE or UNKNOWN
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    uses_service: bool = False
    #: Whether the text has an IRI reference without a scheme (it needs a base IRI).
    relative_iris: bool = False

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def tokens(text: str) -> list[tuple[str, str]]:
    """The significant tokens of ``text`` as ``(kind, text)``: no whitespace and no comments."""
    out: list[tuple[str, str]] = []
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            out.append((kind, match.group()))
    return out


class _Resolver:
    """Turns IRI references and prefixed names of the query into absolute IRIs (PREFIX and BASE as they come)."""

    def __init__(self) -> None:
        self.base = ""
        self.prefixes: dict[str, str] = {}

    def iri(self, kind: str, text: str) -> str | None:
        if kind == "iri":
            ref = text[1:-1]
            return urljoin(self.base, ref) if self.base else ref
        if kind == "pname":
            prefix, _, local = text.partition(":")
            ns = self.prefixes.get(prefix)
            return ns + local.replace("\\", "") if ns is not None else None
        return None


def inspect_query(text: str) -> QueryInfo:
    """Read the form, the query's own dataset and whether it uses SERVICE (see the module docstring)."""
    toks = tokens(text)
    resolver = _Resolver()
    form = "UNKNOWN"
    defaults: list[str] = []
    named: list[str] = []
    uses_service = False
    relative = any(kind == "iri" and not _ABSOLUTE.match(value) for kind, value in toks)
    i = 0
    while i < len(toks):
        kind, value = toks[i]
        upper = value.upper() if kind == "word" else ""
        if upper == "PREFIX" and i + 2 < len(toks) and toks[i + 1][0] == "pname":
            ns = resolver.iri(*toks[i + 2])
            resolver.prefixes[toks[i + 1][1].rstrip(":")] = ns or ""
            i += 3
            continue
        if upper == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
            resolver.base = resolver.iri(*toks[i + 1]) or ""
            i += 2
            continue
        if form == "UNKNOWN" and upper in QUERY_FORMS:
            form = upper
        elif form == "UNKNOWN" and upper in UPDATE_KEYWORDS:
            form = "UPDATE"
        elif upper == "SERVICE":
            uses_service = True
        elif upper == "FROM" and i + 1 < len(toks):
            is_named = toks[i + 1][0] == "word" and toks[i + 1][1].upper() == "NAMED"
            j = i + 2 if is_named else i + 1
            if j < len(toks):
                iri = resolver.iri(*toks[j])
                if iri:
                    (named if is_named else defaults).append(iri)
                i = j
        i += 1
    return QueryInfo(form, tuple(defaults), tuple(named), uses_service, relative)
