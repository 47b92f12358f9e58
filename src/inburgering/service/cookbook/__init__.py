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
from datetime import date
from functools import lru_cache

from inburgering.service.cookbook.binding import BindingError, bind
from inburgering.service.cookbook.params import ParameterError, Value
from inburgering.service.cookbook.spec import Combine, CookbookError, SavedQuery, load_cookbook, saved_query


def bound_query(saved: SavedQuery, given: Mapping[str, Sequence[str]], *,
                today: date) -> tuple[str, dict[str, list[Value]]]:
    """``saved``'s text with the request's parameters (``given``: name → texts) bound, and the values used."""
    values = saved.values(given, today=today)
    return bind(saved.query, saved.terms(values)), values


@lru_cache(maxsize=1)
def _combines() -> dict[str, Combine]:
    return {q.query.strip(): q.combine for q in load_cookbook() if q.combine is not None}


def saved_combine(text: str) -> Combine | None:
    """The ``combine`` of the saved query whose file ``text`` is, as it stands (its example values): a client that
    sends a saved query's text to ``/sparql`` gets the same path as ``/api/queries``. Any other text: ``None``."""
    return _combines().get(text.strip())


__all__ = ["BindingError", "Combine", "CookbookError", "ParameterError", "SavedQuery", "bound_query", "load_cookbook",
           "saved_combine", "saved_query"]
