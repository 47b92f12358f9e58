r"""The text the store is given for a client query: the guard's own tokens, written so no parser reads them
differently.

The guard (``querylex``) decides what a query is from its tokens; the store then parses this rewrite, never the
client's text, so whatever the guard saw is what runs. The rewrite keeps every token in order, one space where the
client's text had any gap between two tokens (and none where it had none, but between two strings), and drops
what cannot matter: comments, ``BASE``/``PREFIX`` declarations (every IRI and
prefixed name is written as the absolute IRI the guard resolved) and original escapes (strings are written
with standard escapes, on one line). For Oxigraph the first character of every IRI is written as a ``\u``
escape: an IRI then cannot also be read as the less-than operator followed by code, whatever the context (a
``\`` starts no token outside IRIs and strings). Virtuoso reads no escapes in IRIs and has a separate lexer, so
its IRIs are written plainly.

>>> from inburgering.store.sparqllex import lex
>>> toks = lex('ASK { <http://e/x> ?p "a\\nb" }')
>>> rewrite(toks, {2: "http://e/x"}, 0, dialect="oxigraph").text
'ASK { <\\u0068ttp://e/x> ?p "a\\nb" }'
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from inburgering.store.sparqllex import QuerySyntaxError, Token, where

#: Characters an IRIREF may hold unescaped (SPARQL grammar [139]).
_IRI_UNSAFE = re.compile(r"[<>\"{}|^`\\\x00-\x20]")
_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r"})
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


def _uchar(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def iri_text(iri: str, *, dialect: str) -> str:
    """``<iri>`` as this store's parser reads exactly one way (see the module docstring)."""
    if dialect == "virtuoso":
        if _IRI_UNSAFE.search(iri):
            raise QuerySyntaxError(f"the IRI <{iri}> holds characters this store cannot read in an IRI")
        return f"<{iri}>"
    if not iri:
        return "<>"
    rest = _IRI_UNSAFE.sub(lambda m: _uchar(m.group()), iri[1:])
    return f"<{_uchar(iri[0])}{rest}>"


def string_text(value: str) -> str:
    """A string literal on one line with standard escapes (``\\\\``, ``\\"``, ``\\'``, ``\\n``, ``\\r``)."""
    return '"' + value.translate(_STRING_ESCAPES) + '"'


@dataclass(frozen=True)
class Rewrite:
    """The rewritten text and, per token, where it starts in the rewrite and in the client's text."""

    text: str
    starts: tuple[int, ...] = ()
    sources: tuple[int, ...] = ()

    def locate(self, message: str, source: str) -> str:
        """``message`` (a store's syntax error about the rewrite) with its position given in ``source``.

        >>> Rewrite("ASK { ? }", (0, 4, 6, 8), (0, 4, 12, 14)).locate("error at 1:7: expected", "ASK\\n{ # x\\n  ? }")
        'error at line 3, column 3: expected'
        """
        match = _ERROR_AT.search(message)
        if match is None or not self.starts or match.group(1) != "1":
            return message
        index = max(0, bisect.bisect_right(self.starts, int(match.group(2)) - 1) - 1)
        return message[:match.start()] + "error at " + where(source, self.sources[index]) + message[match.end():]


def rewrite(tokens: Sequence[Token], iris: dict[int, str], body: int, *, dialect: str) -> Rewrite:
    """The tokens from ``body`` on (the prologue dropped), IRIs and prefixed names written as ``iris[i]``,
    strings re-escaped."""
    parts: list[str] = []
    starts: list[int] = []
    sources: list[int] = []
    offset, last_end, last_kind = 0, 0, ""
    for i in range(body, len(tokens)):
        token = tokens[i]
        if token.kind in ("iri", "pname"):
            part = iri_text(iris[i], dialect=dialect)
        elif token.kind == "string":
            part = string_text(token.value)
        else:
            part = token.text
        # A space where the client's text had a gap (Oxigraph reads some tokens only when adjacent: CONCAT( is a
        # call, CONCAT ( is not), and between two strings, which could otherwise meet as a triple quote.
        if parts and (token.start > last_end or (token.kind == "string" and last_kind == "string")):
            parts.append(" ")
            offset += 1
        starts.append(offset)
        sources.append(token.start)
        parts.append(part)
        offset += len(part)
        last_end, last_kind = token.end, token.kind
    return Rewrite("".join(parts), tuple(starts), tuple(sources))


__all__ = ["Rewrite", "iri_text", "rewrite", "string_text"]
