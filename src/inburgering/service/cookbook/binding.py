"""Parameters into a saved query: its ``VALUES`` placeholders get rows of RDF terms, nothing else changes.

A saved query marks where its parameters are bound with ``VALUES`` clauses over variables whose names start
with ``_`` (``VALUES (?_gemeente ?_peildatum) { (UNDEF "2026-11-01"^^xsd:date) }``): the file runs as it is,
with its example values, and :func:`bind` replaces each such clause's data block with the request's values.
The clause is found with the query guard's own lexer (``store/sparqllex.py``), so a ``VALUES`` in a string or
comment is never touched; the rows are written from pyoxigraph terms (``params.term_for``), never from the
caller's text. A parameter without a value is ``UNDEF``: the variable stays unbound, and the query reads that as
"no restriction" (``FILTER(!BOUND(?_van) || …)``, or a triple pattern that binds it).

>>> from pyoxigraph import Literal
>>> bind("SELECT * { VALUES ?_n { UNDEF } }", {"_n": [Literal("1"), Literal("2")]})
'SELECT * { VALUES ?_n { "1" "2" } }'
>>> bind("SELECT * { VALUES (?_a ?_b) { (UNDEF UNDEF) } }", {"_a": [Literal("x")]})
'SELECT * { VALUES (?_a ?_b) { ("x" UNDEF) } }'
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyoxigraph import Literal, NamedNode

from inburgering.errors import InburgeringError
from inburgering.store.sparqllex import Token, lex

#: At most this many rows in one placeholder (the product of the parameters' value counts).
MAX_ROWS = 200


class BindingError(InburgeringError):
    """A saved query's placeholders are malformed, or a request asks for too many combinations."""


@dataclass(frozen=True)
class Placeholder:
    """One ``VALUES`` clause over parameter variables: its variables and the span of its data block."""

    variables: tuple[str, ...]
    start: int
    end: int
    #: ``VALUES ?_x { … }`` (one variable, no brackets around rows) or ``VALUES (?_x ?_y) { (…) }``.
    single: bool


def _block_end(tokens: Sequence[Token], i: int) -> int:
    """Index of the ``}`` closing the block that opens at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "{":
            depth += 1
        elif tokens[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    raise BindingError("a VALUES block is not closed")


def placeholders(text: str) -> list[Placeholder]:
    """The parameter placeholders of ``text``, in order."""
    tokens = lex(text)
    found = []
    for i, token in enumerate(tokens):
        if token.kind != "word" or token.text.upper() != "VALUES" or i + 1 >= len(tokens):
            continue
        single = tokens[i + 1].kind == "var"
        j = i + 1 if single else i + 2
        names = []
        while j < len(tokens) and tokens[j].kind == "var":
            names.append(tokens[j].value)
            j += 1
        if not names or not all(n.startswith("_") for n in names):
            if any(n.startswith("_") for n in names):
                raise BindingError(f"a VALUES clause mixes parameters and other variables: {names}")
            continue
        if not single:
            j += 1  # the ")" after the variables
        if j >= len(tokens) or tokens[j].text != "{":
            raise BindingError(f"a VALUES clause over {names} has no data block")
        found.append(Placeholder(tuple(names), tokens[j].start, tokens[_block_end(tokens, j)].end, single))
    return found


def rows_text(placeholder: Placeholder, values: Mapping[str, Sequence[NamedNode | Literal]]) -> str:
    """The data block for ``placeholder``: one row per combination of the variables' values (UNDEF: none)."""
    columns = [[str(term) for term in values.get(name, [])] or ["UNDEF"] for name in placeholder.variables]
    count = 1
    for column in columns:
        count *= len(column)
    if count > MAX_ROWS:
        raise BindingError(f"the parameters give {count} combinations; at most {MAX_ROWS} are allowed")
    rows = list(itertools.product(*columns))
    if placeholder.single:
        return "{ " + " ".join(row[0] for row in rows) + " }"
    return "{ " + " ".join("(" + " ".join(row) + ")" for row in rows) + " }"


def bind(text: str, values: Mapping[str, Sequence[NamedNode | Literal]]) -> str:
    """``text`` with every placeholder's data block replaced by ``values`` (variable name without ``?`` → terms)."""
    out, position = [], 0
    for placeholder in placeholders(text):
        out.append(text[position:placeholder.start])
        out.append(rows_text(placeholder, values))
        position = placeholder.end
    out.append(text[position:])
    return "".join(out)
