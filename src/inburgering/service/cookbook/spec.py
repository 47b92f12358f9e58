"""Saved queries: ``service/queries/*.rq``, each a SPARQL query with its metadata in a grlc-style header.

The header is the file's leading ``#+`` comment lines, read together as YAML::

    #+ title: {nl: Personen per gemeente, en: Persons per municipality}
    #+ description: {nl: …, en: …}
    #+ params: [gemeente, peildatum]          # shared parameters (params.PARAMETERS), or mappings of their own
    #+ computed:                              # dates derived from a parameter in Python, never in SPARQL
    #+   eindeVenster: {from: peildatum, offset: P6M}
    #+ example: {peildatum: 2026-11-01}       # the values the file's own VALUES rows hold
    #+ combine: |                             # optional: the answer over many municipalities from each one's
    #+   SELECT … WHERE { VALUES (?a ?b) { $rows } } …   # answer (``service/partitioned.py``, ``Combine``)
    #+ by-gemeente: true                      # optional, with combine: see ``SavedQuery.by_gemeente``

The query binds each parameter ``p`` as the variable ``?_p`` in ``VALUES`` placeholders (``binding.py``).
Loading checks that every placeholder variable is a declared parameter or computed value, and that every
declared one is bound somewhere: a mistake in a file fails at start-up and in the tests, not in a request.

>>> titles = [q.title.nl for q in load_cookbook()]
>>> "Personen per gemeente, doelgroep en leerroute" in titles
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from inburgering.errors import InburgeringError
from inburgering.service.cookbook.binding import placeholders
from inburgering.service.cookbook.params import (
    PARAMETERS,
    TYPES,
    Computed,
    Parameter,
    ParameterError,
    Term,
    Text,
    Value,
    term_for,
)

QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"
#: Request parameters that are not query parameters (the answer's format).
RESERVED = frozenset({"format"})
#: Where a ``combine`` query's rows go.
ROWS = "$rows"
#: The filter of the ``gemeente`` parameter in a query declared ``by-gemeente``.
GEMEENTE_FILTER = "FILTER(!BOUND(?_gemeente) || ?gemeente = ?_gemeente)"


class CookbookError(InburgeringError):
    """A saved query's file is malformed (its name and what is wrong)."""


@dataclass(frozen=True)
class Combine:
    """``query`` runs over ``VALUES`` whose data block is ``$rows``: every municipality's rows, the variables in the
    order the saved query projects them. ``unique``: variables whose values a row of one municipality only may
    have (an average per municipality cannot be added up); if two municipalities give the same, it is not used."""

    query: str
    unique: tuple[str, ...] = ()


@dataclass(frozen=True)
class SavedQuery:
    """One saved query: its name (the file's stem), texts, parameters and SPARQL text."""

    name: str
    title: Text
    description: Text
    parameters: tuple[Parameter, ...]
    computed: tuple[Computed, ...]
    query: str
    example: Mapping[str, Value] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    #: How answers over single municipalities make the answer over several (``service/partitioned.py``).
    combine: Combine | None = None
    #: Every row of the answer comes from persons that pass the ``gemeente`` filter: the query requires
    #: ``?persoon inb:gemeente ?gemeente`` beside ``FILTER(!BOUND(?_gemeente) || ?gemeente = ?_gemeente)`` on the
    #: way to every row, uses ``?_gemeente`` nowhere else, and joins only those persons' records and the public
    #: graphs. With ``gemeente`` given, the service then asks only those municipalities' graphs where that is exact
    #: (``partitioned.narrow``). Checked on the generated data by ``tests/service/test_partitioned.py``.
    by_gemeente: bool = False

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def values(self, given: Mapping[str, Sequence[str]], *, today: date) -> dict[str, list[Value]]:
        """The parameters' values from a request's texts (``given``: name → texts), defaults filled in.

        Raises ``ParameterError`` for an unknown parameter, a repeated single one or a value of the wrong type.
        """
        unknown = sorted(set(given) - {p.name for p in self.parameters} - RESERVED)
        if unknown:
            known = ", ".join(p.name for p in self.parameters) or "none"
            raise ParameterError(f"unknown parameter {unknown[0]!r} (this query takes: {known})")
        out: dict[str, list[Value]] = {}
        for p in self.parameters:
            texts = [t for t in given.get(p.name, []) if t.strip()]
            if len(texts) > 1 and not p.multiple:
                raise ParameterError(f"{p.name}: give one value, not {len(texts)}")
            parsed = [p.parse(t) for t in texts]
            default = p.default_value(today)
            out[p.name] = parsed or ([default] if default is not None else [])
        return out

    def terms(self, values: Mapping[str, list[Value]]) -> dict[str, list[Term]]:
        """Placeholder variable (``_name``) → the RDF terms of ``values`` and of the computed values."""
        out: dict[str, list[Term]] = {}
        for p in self.parameters:
            out["_" + p.name] = [term_for(p, v) for v in values.get(p.name, [])]
        for c in self.computed:
            out["_" + c.name] = [term_for(c, v) for v in c.value(dict(values))]
        return out

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "title": self.title.as_dict(), "description": self.description.as_dict(),
                "parameters": [p.as_dict() for p in self.parameters], "tags": list(self.tags),
                "computed": [{"name": c.name, "from": c.source, "offset": c.offset, "number": c.as_number,
                              "description": c.description.as_dict()} for c in self.computed]}


def _text(raw: Any, what: str, name: str) -> Text:
    if isinstance(raw, Mapping) and isinstance(raw.get("nl"), str) and isinstance(raw.get("en"), str):
        return Text(raw["nl"].strip(), raw["en"].strip())
    raise CookbookError(f"{name}.rq: {what} needs a Dutch and an English text ({{nl: …, en: …}})")


def _parameter(raw: Any, name: str) -> Parameter:
    if isinstance(raw, str):
        if raw not in PARAMETERS:
            raise CookbookError(f"{name}.rq: {raw!r} is not a shared parameter ({', '.join(PARAMETERS)})")
        return PARAMETERS[raw]
    if not isinstance(raw, Mapping) or raw.get("type") not in TYPES or not isinstance(raw.get("name"), str):
        raise CookbookError(f"{name}.rq: a parameter needs a name and a type ({', '.join(TYPES)}): {raw!r}")
    return Parameter(raw["name"], raw["type"], _text(raw.get("description"), f"parameter {raw['name']}", name),
                     default=raw.get("default"), multiple=bool(raw.get("multiple", False)),
                     minimum=raw.get("minimum"), maximum=raw.get("maximum"))


def _computed(key: str, raw: Any, name: str, dates: set[str]) -> Computed:
    if not isinstance(raw, Mapping) or raw.get("from") not in dates:
        raise CookbookError(f"{name}.rq: computed value {key!r} needs 'from' naming a date parameter")
    computed = Computed(key, raw["from"], str(raw.get("offset", "P0D")), raw.get("as") == "yyyymmdd",
                        _text(raw.get("description", {"nl": "", "en": ""}), f"computed {key}", name))
    computed.value({computed.source: [date(2000, 1, 31)]})  # a malformed offset fails here
    return computed


def _combine(raw: Any, name: str) -> Combine | None:
    if raw is None:
        return None
    raw = {"query": raw} if isinstance(raw, str) else raw
    query, unique = (raw.get("query"), raw.get("unique", [])) if isinstance(raw, Mapping) else (None, None)
    if not isinstance(query, str) or query.count(ROWS) != 1 or not isinstance(unique, list):
        raise CookbookError(f"{name}.rq: combine must be a query holding {ROWS} once, or a mapping of such a "
                            "query and a list 'unique'")
    return Combine(query, tuple(str(v) for v in unique))


def parse_saved_query(name: str, text: str) -> SavedQuery:
    """The saved query ``name`` from its file's ``text``; raises ``CookbookError`` naming what is wrong."""
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:]
                       for line in text.splitlines() if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as exc:
        raise CookbookError(f"{name}.rq: the #+ header is not YAML: {exc}") from None
    if not isinstance(meta, Mapping):
        raise CookbookError(f"{name}.rq: the #+ header must be a mapping")
    parameters = tuple(_parameter(p, name) for p in meta.get("params") or [])
    dates = {p.name for p in parameters if p.type == "date"}
    computed = tuple(_computed(k, v, name, dates) for k, v in (meta.get("computed") or {}).items())
    combine = _combine(meta.get("combine"), name)
    by_gemeente = meta.get("by-gemeente", False)
    if by_gemeente not in (True, False):
        raise CookbookError(f"{name}.rq: by-gemeente must be true or false")
    if by_gemeente and (combine is None or not any(p.name == "gemeente" for p in parameters)
                        or text.count(GEMEENTE_FILTER) != 1 or text.count("?_gemeente") != 3):
        raise CookbookError(f"{name}.rq: by-gemeente needs combine, the parameter gemeente, and ?_gemeente in one "
                            f"VALUES and in {GEMEENTE_FILTER} only")
    saved = SavedQuery(name, _text(meta.get("title"), "title", name), _text(meta.get("description"),
                       "description", name), parameters, computed, text, dict(meta.get("example") or {}),
                       tuple(meta.get("tags") or ()), combine, by_gemeente)
    declared = {"_" + p.name for p in parameters} | {"_" + c.name for c in computed}
    used = {v for ph in placeholders(text) for v in ph.variables}
    sources = {"_" + c.source for c in computed}  # a parameter may serve only to compute others
    if used - declared or declared - used - sources:
        raise CookbookError(f"{name}.rq: placeholders bind {sorted(used)}, the header declares {sorted(declared)}")
    return saved


@lru_cache(maxsize=4)
def load_cookbook(folder: Path = QUERIES_DIR) -> tuple[SavedQuery, ...]:
    """Every ``*.rq`` in ``folder``, sorted by name."""
    return tuple(parse_saved_query(path.stem, path.read_text(encoding="utf-8"))
                 for path in sorted(folder.glob("*.rq")))


def saved_query(name: str, folder: Path = QUERIES_DIR) -> SavedQuery | None:
    return next((q for q in load_cookbook(folder) if q.name == name), None)


__all__ = ["Combine", "CookbookError", "ParameterError", "SavedQuery", "load_cookbook", "parse_saved_query", "saved_query"]
