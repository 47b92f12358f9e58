"""The cookbook: saved, parameterised monitoring queries (``service/queries/*.rq``), served at ``/api/queries``.

``spec`` reads a query file and its header, ``params`` turns a request's texts into typed values and RDF terms,
``binding`` writes those terms into the query's ``VALUES`` placeholders. Running a bound query is the service's
business (``routers/queries.py``): it goes through the same guard, dataset restriction and engine as ``/sparql``.

>>> from datetime import date
>>> saved = saved_query("pip-binnen-tien-weken")
>>> text, values = bound_query(saved, {"peildatum": ["2026-11-01"], "gemeente": ["GM0363"]}, today=date.today())
>>> '"2026-08-23"^^<http://www.w3.org/2001/XMLSchema#date>' in text  # ten weeks before, computed in Python
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store

from inburgering.service.cookbook.binding import BindingError, Placeholder, bind, placeholders
from inburgering.service.cookbook.params import ParameterError, Term, Value
from inburgering.service.cookbook.spec import Combine, CookbookError, SavedQuery, load_cookbook, saved_query
from inburgering.store.sparqllex import QuerySyntaxError


def bound_query(saved: SavedQuery, given: Mapping[str, Sequence[str]], *,
                today: date) -> tuple[str, dict[str, list[Value]]]:
    """``saved``'s text with the request's parameters (``given``: name → texts) bound, and the values used."""
    values = saved.values(given, today=today)
    return bind(saved.query, saved.terms(values)), values


#: What a request's values may add to a saved query's text: ``binding.MAX_ROWS`` rows of a few terms.
LONGEST_ROWS = 64_000


@dataclass(frozen=True)
class Bound:
    """A query text that is a saved query's, with its placeholders' terms as the text holds them (placeholder
    variable → terms; none for ``UNDEF``). ``file``: the file's text as it stands (its example values)."""

    saved: SavedQuery
    terms: Mapping[str, tuple[Term, ...]]
    file: bool = False

    def without(self, variable: str) -> str:
        """The saved query with these terms, but none for ``variable``."""
        return bind(self.saved.query, {**self.terms, variable: ()})


def _skeleton(text: str) -> tuple[str, list[Placeholder]]:
    """``text`` with every placeholder's data block taken out, and the placeholders."""
    found = placeholders(text)
    pieces, position = [], 0
    for placeholder in found:
        pieces.append(text[position:placeholder.start])
        position = placeholder.end
    pieces.append(text[position:])
    return "\0".join(pieces).strip(), found


@lru_cache(maxsize=1)
def _by_text() -> tuple[dict[str, SavedQuery], dict[str, SavedQuery]]:
    """The saved queries by their file's text and by their skeleton."""
    queries = load_cookbook()
    return {q.query.strip(): q for q in queries}, {_skeleton(q.query)[0]: q for q in queries}


def _block_terms(prologue: str, placeholder: Placeholder, block: str) -> list[tuple[Term | None, ...]] | None:
    """The rows of a ``VALUES`` data block (``None`` for ``UNDEF``), read by Oxigraph with the saved query's
    prefixes on an empty store; ``None`` when it is not a data block."""
    variables = " ".join("?" + name for name in placeholder.variables)
    head = f"VALUES ?{placeholder.variables[0]}" if placeholder.single else f"VALUES ({variables})"
    try:
        result = Store().query(f"{prologue}\nSELECT {variables} WHERE {{ {head} {block} }}")
    except SyntaxError:
        return None
    assert isinstance(result, QuerySolutions)
    terms = []
    for row in result:
        values = tuple(row[name] for name in placeholder.variables)
        if not all(v is None or isinstance(v, (NamedNode, Literal)) for v in values):
            return None
        terms.append(values)
    return terms


def saved_binding(text: str) -> Bound | None:
    """The saved query ``text`` is, as it stands or with its placeholders bound as ``/api/queries`` binds them (one
    row per combination of the variables' values, terms written in full: what ``/api/queries/{name}.rq`` gives,
    which the query page loads into its editor), with the terms it holds; any other text: ``None``. A client that
    sends such a text to ``/sparql`` gets the same path as ``/api/queries``."""
    exact, skeletons = _by_text()
    file = exact.get(text.strip())
    if file is None and len(text) > max(map(len, exact)) + LONGEST_ROWS:  # not lexed: no saved query is that long
        return None
    try:
        skeleton, found = _skeleton(text)
    except (BindingError, QuerySyntaxError):
        return None
    saved = file or skeletons.get(skeleton)
    if saved is None:
        return None
    prologue = "\n".join(line for line in saved.query.splitlines() if line.upper().startswith("PREFIX "))
    columns: dict[str, list[Term]] = {}
    for placeholder in found:
        rows = _block_terms(prologue, placeholder, text[placeholder.start:placeholder.end])
        if rows is None:
            return None
        for i, name in enumerate(placeholder.variables):
            column = columns.setdefault(name, [])
            for row in rows:
                term = row[i]
                if term is not None and term not in column:
                    column.append(term)
    bound = Bound(saved, {name: tuple(terms) for name, terms in columns.items()}, file=file is not None)
    if bound.file:  # its example values, written as the file writes them (prefixed names): not bind()'s text
        return bound
    try:
        same = bind(saved.query, bound.terms).strip() == text.strip()
    except BindingError:
        return None
    return bound if same else None


__all__ = ["BindingError", "Bound", "Combine", "CookbookError", "ParameterError", "SavedQuery", "bound_query",
           "load_cookbook", "saved_binding", "saved_query"]
