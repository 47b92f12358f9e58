"""SPARQL tokens as Oxigraph 0.5 reads them, in one linear pass: the query guard's view of a request text.

Oxigraph's parser (spargebra 0.4) is a PEG parser without a separate lexer. Where it and a plain reading of the
SPARQL 1.1 grammar part ways, this module follows the parser, because the parser is what runs the query:

- whitespace is space, tab, CR and LF only; a comment runs from ``#`` to the next CR or LF;
- ``\\u`` and ``\\U`` escapes are read in IRIs and strings only (never before parsing, unlike SPARQL 1.1 §19.2);
- ``<`` right after an operand inside an expression is the less-than operator, whatever follows it; anywhere
  else it starts an IRI when an IRIREF follows, else ``<<(`` or ``<<``;
- the local part of a prefixed name has at most one group of dots (``ex:a.b.c`` is ``ex:a.b`` ``.`` ``c``);
- keywords are matched without a word boundary, so ``trueSERVICE`` reads as ``true`` then ``SERVICE``: this
  module keeps such a run as one ``word`` and the guard (``querylex``) judges it.

Every pattern is possessive or atomic and every token is read once, so lexing is linear in the text; brackets
and tokens are counted as they come, so a text past its ``QueryLimits`` stops at the first bracket or token too
many.

>>> [(t.kind, t.text) for t in lex('ASK { ?s ex:p "x\\\\"y"@en } # done')]
[('word', 'ASK'), ('punct', '{'), ('var', '?s'), ('pname', 'ex:p'), ('string', '"x\\\\"y"'), ('langtag', '@en'), ('punct', '}')]
>>> [t.text for t in lex("FILTER(?a<?b)")]  # after an operand, < is the operator
['FILTER', '(', '?a', '<', '?b', ')']
>>> [t.text for t in lex("FILTER(?a = <?b>)")]  # elsewhere it starts an IRI
['FILTER', '(', '?a', '=', '<?b>', ')']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from inburgering.errors import QueryError

#: Character classes of the grammar, as spargebra spells them (PN_CHARS_BASE stops at U+FFFD).
BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
        "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd")
CHARS_U = BASE + "_"
CHARS = CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\"'\\]"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"

SKIP = re.compile(r"(?:[ \t\r\n]++|#[^\r\n]*+)*+")
_IRIREF = rf"<(?P<i>(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*+)>"
_LONG1 = rf"'''(?P<l1>(?:(?>''|')?+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+)'''"
_LONG2 = rf'"""(?P<l2>(?:(?>""|")?+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+)"""'
_SHORT1 = rf"'(?P<s1>(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+)'"
_SHORT2 = rf'"(?P<s2>(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+)"'
_PNAME = (rf"(?:[{BASE}][{CHARS}]*+(?:\.++[{CHARS}]++)*+)?+:"
          rf"(?P<local>(?:[{CHARS_U}:0-9]|{_PLX})(?:[{CHARS}:]|{_PLX})*+(?:\.++(?:[{CHARS}:]|{_PLX})++)?+)?+")
_NUMBER = (r"[0-9]++\.[0-9]*+[eE][+-]?+[0-9]++|\.[0-9]++[eE][+-]?+[0-9]++|[0-9]++[eE][+-]?+[0-9]++"
           r"|[0-9]*+\.[0-9]++|[0-9]++")
_PUNCT = r"(?P<punct><<\(|\)>>|<<|>>|\{\||\|\}|\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;*/|^+\-!=<>?~])"
#: The token patterns by the class of a token's first character; where two could start with one character the
#: alternatives come in the order Oxigraph tries them: a long string before a short one (a long string that never
#: closes is read as short ones), a number before ".", a variable before "?", a prefixed name before a word, an
#: IRI before "<". One match per token keeps the lexer's Python work per token small (a 100 kB text can hold
#: 100,000 tokens).
PATTERNS = {
    "<": re.compile(rf"(?P<iri>{_IRIREF})|{_PUNCT}"),
    "'": re.compile(rf"(?P<string>{_LONG1}|{_SHORT1})"),
    '"': re.compile(rf"(?P<string>{_LONG2}|{_SHORT2})"),
    "?": re.compile(rf"(?P<var>[?$](?P<name>[{CHARS_U}0-9][{CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+))"
                    rf"|{_PUNCT}"),
    "_": re.compile(rf"(?P<bnode>_:[{CHARS_U}0-9][{CHARS}]*+(?:\.++[{CHARS}]++)*+)"),
    "@": re.compile(r"(?P<langtag>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?+)"),
    "0": re.compile(rf"(?P<number>{_NUMBER})|{_PUNCT}"),
    "a": re.compile(rf"(?P<pname>{_PNAME})|(?P<word>[{BASE}][{CHARS}]*+)"),
    ".": re.compile(_PUNCT),
}
_NAME_START = re.compile(rf"[{BASE}:]")


def _first(char: str) -> str:
    """The key in ``PATTERNS`` for a token starting with ``char``."""
    if char in "<'\"?_@":
        return char
    if char == "$":
        return "?"
    if char in "0123456789.":
        return "0"
    return "a" if _NAME_START.match(char) else "."


_ESCAPE = re.compile(rf"{_UCHAR}|{_ECHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
OPENERS = {"{": "group", "{|": "group", "(": "list", "[": "list", "<<(": "list", "<<": "list"}
CLOSERS = {"}": "{", "|}": "{|", ")": "(", "]": "[", ")>>": "<<(", ">>": "<<"}
#: Words after which ``(`` is data (an RDF collection or VALUES row), not an expression.
_DATA_WORDS = frozenset({"A", "VALUES"})
_OPERAND_PUNCT = frozenset({")", "]", "}", ")>>", ">>"})
_VALUED = frozenset({"iri", "string", "pname", "var"})
_MODE_WORDS = frozenset({"SELECT", "BY", "HAVING"})
_SPACE = frozenset(" \t\r\n#")


class QuerySyntaxError(QueryError):
    """The text is not SPARQL the guard can read (the store would refuse it too); answered with a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(f"SPARQL syntax error: {message}")


class QueryLimitError(QueryError):
    """The text is larger or deeper than the limits allow; answered with a 400 before any parser runs."""


@dataclass(frozen=True)
class QueryLimits:
    """What the guard reads at most, checked as it goes, before any parser sees the text: brackets open at once
    (``depth``) and tokens in all (``tokens``). Oxigraph's parser takes time exponential in the nesting of some
    brackets and recursed once per bracket (a crash at a few thousand); and each token costs the guard a few
    microseconds of Python, so the token count bounds the guard's own time."""

    depth: int | None = None
    tokens: int | None = None


class Token(NamedTuple):
    """One token: ``value`` is the unescaped content of an IRI or string, the local part of a prefixed name."""

    kind: str  # iri, pname, string, langtag, var, bnode, number, word, punct
    text: str
    start: int
    end: int
    value: str = ""


def where(text: str, pos: int) -> str:
    """``line L, column C`` of offset ``pos`` (1-based, as people count)."""
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def unescape(body: str, *, strings: bool) -> str | None:
    """The text of an IRI or string body with its escapes applied; None when an escape names no character
    (a surrogate or beyond U+10FFFF: spargebra refuses those)."""
    if "\\" not in body:
        return body
    bad = False

    def one(match: re.Match[str]) -> str:
        nonlocal bad
        esc = match.group()
        if esc[1] in "uU":
            code = int(esc[2:], 16)  # noqa: FURB166 - the prefix is \\u or \\U, not 0x
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                bad = True
                return ""
            return chr(code)
        if not strings:
            bad = True
        return _ECHARS[esc[1]]

    out = _ESCAPE.sub(one, body)
    return None if bad else out


class _Frame:
    """An open bracket: its kind (group, expr, list, top) and, for groups, the clause being read."""

    __slots__ = ("kind", "mode", "opener")

    def __init__(self, kind: str, opener: str, mode: str = "triples") -> None:
        self.kind, self.opener, self.mode = kind, opener, mode


class _Lexer:
    def __init__(self, text: str, limits: QueryLimits) -> None:
        self.text = text
        self.max_depth = limits.depth
        self.max_tokens = limits.tokens if limits.tokens is not None else len(text) + 1
        self.out: list[Token] = []
        self.stack = [_Frame("top", "")]

    def fail(self, pos: int, message: str) -> QuerySyntaxError:
        return QuerySyntaxError(f"{message} at {where(self.text, pos)}")

    def prev(self, back: int = 1) -> Token | None:
        return self.out[-back] if len(self.out) >= back else None

    def operand_before(self) -> bool:
        """Whether the previous token ends an operand (then ``<`` in an expression is less-than)."""
        last = self.prev()
        if last is None:
            return False
        if last.kind in ("var", "iri", "pname", "string", "langtag", "number", "bnode"):
            return True
        if last.kind == "word":
            return last.text.upper() in ("TRUE", "FALSE")
        return last.text in _OPERAND_PUNCT

    def paren_kind(self) -> str:
        """Whether a ``(`` here opens an expression or data (a collection, a path group, a VALUES row)."""
        frame = self.stack[-1]
        last, before = self.prev(), self.prev(2)
        last_word = last.text.upper() if last is not None and last.kind == "word" else ""
        if frame.kind == "expr":
            return "expr"
        if frame.kind == "list" or last_word in _DATA_WORDS:
            return "list"
        if frame.kind == "top" or frame.mode in ("projection", "modifiers"):
            return "expr"
        if last_word:
            return "expr"  # FILTER, BIND, a function name
        if last is not None and last.kind in ("iri", "pname") and before is not None \
                and before.kind == "word" and before.text.upper() == "FILTER":
            return "expr"  # FILTER <function>( … )
        return "list"

    def push(self, token: Token) -> None:
        kind = OPENERS[token.text]
        if token.text == "(":
            kind = self.paren_kind()
        frame = self.stack[-1]
        if token.text == "{" and frame.mode == "projection":
            frame.mode = "body"
        if self.max_depth is not None and len(self.stack) > self.max_depth:
            raise QueryLimitError(f"the query nests brackets deeper than {self.max_depth} levels "
                                  f"at {where(self.text, token.start)}; flatten it")
        self.stack.append(_Frame(kind, token.text))

    def pop(self, token: Token) -> None:
        if len(self.stack) == 1 or self.stack[-1].opener != CLOSERS[token.text]:
            raise self.fail(token.start, f"'{token.text}' closes nothing that is open")
        self.stack.pop()

    def word(self, token: Token) -> None:
        upper = token.text.upper()
        frame = self.stack[-1]
        if upper == "SELECT":
            frame.mode = "projection"
        elif upper in ("BY", "HAVING"):
            frame.mode = "modifiers"

    def value(self, match: re.Match[str], kind: str) -> str:
        """The unescaped content of an IRI or string, the local part of a prefixed name, a variable's name."""
        if kind == "var":
            return match.group("name")
        if kind == "pname":
            return (match.group("local") or "").replace("\\", "")
        if kind == "iri":
            body = match.group("i")
        else:
            long, short = ("l1", "s1") if match.group()[0] == "'" else ("l2", "s2")
            body = match.group(long) if match.group(long) is not None else match.group(short)
        value = unescape(body, strings=kind == "string")
        if value is None:
            raise self.fail(match.start(kind), f"an escape that names no character in this {kind}")
        return value

    def run(self) -> list[Token]:
        """The loop: skip whitespace and comments, then one match of the pattern for the next character."""
        text, n, pos = self.text, len(self.text), 0
        append, stack, patterns, skip = self.out.append, self.stack, PATTERNS, SKIP.match
        classes: dict[str, str] = {}
        make = tuple.__new__  # Token(...) without NamedTuple's Python-level __new__: a third of the time
        while True:
            if pos < n and text[pos] in _SPACE:
                pos = skip(text, pos).end()  # type: ignore[union-attr]
            if pos >= n:
                break
            char = text[pos]
            key = classes.get(char) or classes.setdefault(char, _first(char))
            match = patterns[key].match(text, pos)
            if match is None:
                raise self.fail(pos, "a string that does not end on its line (or has a bad escape)"
                                if char in "'\"" else f"unexpected character {char!r}")
            kind = match.lastgroup or "punct"
            end = matched_end = match.end()
            if char == "<" and stack[-1].kind == "expr" and self.operand_before():
                kind, end = "punct", pos + (2 if text.startswith("<=", pos) else 1)  # less-than, always
            elif kind == "punct" and end - pos > 1 and text[end - 1] == ">" and char != "<" \
                    and stack[-1].opener != CLOSERS[text[pos:end]]:
                end = pos + 1  # >> or )>> that closes no << or <<(: one character only
            token: Token = make(Token, (kind, text[pos:end], pos, end,
                                        self.value(match, kind) if kind in _VALUED and end == matched_end else ""))
            if kind == "punct":
                if token.text in OPENERS:
                    self.push(token)
                elif token.text in CLOSERS:
                    self.pop(token)
            elif kind == "word" and token.text.upper() in _MODE_WORDS:
                self.word(token)
            append(token)
            pos = end
            if len(self.out) > self.max_tokens:
                raise QueryLimitError(f"the query has more than {self.max_tokens} tokens (names, literals, "
                                      f"punctuation) at {where(text, pos)}; split it")
        if len(stack) > 1:
            raise self.fail(n, f"'{stack[-1].opener}' is never closed; the text ends")
        return self.out


def lex(text: str, *, limits: QueryLimits | None = None) -> list[Token]:
    """The significant tokens of ``text`` (no whitespace, no comments); see the module docstring.

    Raises ``QuerySyntaxError`` for text no SPARQL parser reads (an unclosed string, a stray character,
    unbalanced brackets) and ``QueryLimitError`` at the first bracket or token past ``limits``.
    """
    return _Lexer(text, limits or QueryLimits()).run()


__all__ = ["QueryLimitError", "QueryLimits", "QuerySyntaxError", "Token", "lex", "unescape", "where"]
