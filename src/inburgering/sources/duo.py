"""Reader for DUO bundles: JSON Lines, one person per line, each key a DUO resource body (docs/sources.md).

>>> import json, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "b.jsonl"
>>> _ = path.write_text(json.dumps({"bsn": "999990019", "gemeente": "GM0363",
...     "map": {"datumEindgesprekMap": "2023-02-30"}}) + "\\n", encoding="utf-8")
>>> [p.reason for p in next(read_duo_bundle(path)).problems]
['not a valid date (YYYY-MM-DD)']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError

from inburgering.errors import SourceError
from inburgering.sources.bsn import bsn_problem
from inburgering.sources.openapi import RESOURCES, duo_pattern, resource_schema
from inburgering.sources.records import DuoLine, DuoRecord, DuoReject, Problem

#: The keys of a bundle line that are not DUO resources.
PERSON_KEYS = ("bsn", "gemeente")
GEMEENTE_CODE = re.compile(r"GM[0-9]{4}")  # fullmatch: ``$`` also matches before a final newline
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fullmatch; ``\d`` would take Arabic-Indic digits too
#: DUO's bodies nest at most 4 levels below the line (``vrijstellingen[0].TijdelijkeVrijstelling.reden``); a
#: deeper line is refused before anything walks it recursively (the schema check, the rejects file).
MAX_DEPTH = 12
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels (DUO's bodies nest 4 levels at most)"
#: A ``\uD800``-``\uDFFF`` escape: the line may hold a lone surrogate, which no RDF literal can carry.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_BOM = b"\xef\xbb\xbf"

_formats = FormatChecker(formats=())
#: DUO fields that identify a person and that no bundle key may carry: their values never reach a report either.
IDENTIFIERS = {"examennummer": "DUO's LBT examennummer (GET /personen/{bsn}/lbt/examennummer) identifies the "
                               "person's exam registration: not part of a bundle, never loaded (docs/sources.md)"}


def _is_date(value: object) -> bool:
    """A real calendar date in ``YYYY-MM-DD`` (``2023-02-30`` fails; so does ``20230101``)."""
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    date.fromisoformat(value)
    return True


_formats.checks("date", raises=ValueError)(_is_date)


def _valid_date(value: object) -> bool:
    try:
        return _is_date(value)
    except ValueError:
        return False


@cache
def fast_check(key: str) -> Any:
    """A compiled validator (fastjsonschema) for one bundle key: raises at the first error, ~30x faster.

    Good bodies only pass this one; a body it refuses is checked again by :func:`validator` for every problem.
    """
    return fastjsonschema.compile(resource_schema(key), formats={"date": _valid_date})


@cache
def validator(key: str) -> Draft7Validator:
    """The compiled validator for one bundle key (``KeyError`` for a key that is not a DUO resource)."""
    return Draft7Validator(resource_schema(key), format_checker=_formats)


def _path(key: str, parts: Any) -> str:
    out = key
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _reason(error: SchemaError) -> str:
    kind, rule = error.validator, error.validator_value
    if kind == "format":
        return "not a valid date (YYYY-MM-DD)" if rule == "date" else f"not a valid {rule}"
    if kind == "enum":
        return "not one of " + ", ".join(str(v) for v in rule)
    if kind == "pattern":
        return f"does not match DUO's pattern {duo_pattern(rule)} (the whole value, ASCII digits)"
    if kind == "type":
        return f"expected {rule}"
    if kind == "required":
        return "required field missing"
    if kind in ("minimum", "maximum"):
        return f"{kind} is {rule}"
    if kind in ("minLength", "maxLength"):
        return f"length must be {'at least' if kind == 'minLength' else 'at most'} {rule}"
    return str(error.message)


def schema_problems(key: str, body: Any, *, file: str, record: str) -> list[Problem]:
    """Every way ``body`` violates the schema of bundle key ``key``, as problems naming the field."""
    try:
        fast_check(key)(body)
        return []
    except fastjsonschema.JsonSchemaException:
        pass  # report every problem, with the detailed validator
    problems: list[Problem] = []
    for error in validator(key).iter_errors(body):
        where = list(error.absolute_path)
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    problems.append(Problem(file, record, _path(key, [*where, name]), None, "required field missing"))
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            for name in error.instance:
                if name in IDENTIFIERS:
                    problems.append(Problem(file, record, _path(key, [*where, name]), None, IDENTIFIERS[name]))
                elif name not in known:
                    problems.append(Problem(file, record, _path(key, [*where, name]), error.instance[name],
                                            "unknown field"))
        elif "propertyNames" in error.schema_path:  # a bad key, e.g. an instellingsnummer that is too short
            problems.append(Problem(file, record, _path(key, [*where, error.instance]), error.instance,
                                    f"key: {_reason(error)}"))
        else:
            problems.append(Problem(file, record, _path(key, where), error.instance, _reason(error)))
    return problems


def check_line(obj: Any, *, file: str, record: str) -> list[Problem]:
    """The problems of one parsed bundle line (person keys, unknown resources, schema violations)."""
    if not isinstance(obj, dict):
        return [Problem(file, record, None, None, "expected a JSON object (one person per line)")]
    problems: list[Problem] = []
    reason = bsn_problem(obj.get("bsn"))
    if reason:
        problems.append(Problem(file, record, "bsn", obj.get("bsn"), reason))
    gemeente = obj.get("gemeente")
    if not isinstance(gemeente, str) or not GEMEENTE_CODE.fullmatch(gemeente):
        problems.append(Problem(file, record, "gemeente", gemeente, "expected GM followed by 4 digits"))
    for key, body in obj.items():
        if key in PERSON_KEYS:
            continue
        if key not in RESOURCES:
            reason = IDENTIFIERS.get(key, "unknown resource (see docs/sources.md)")
            problems.append(Problem(file, record, key, None, reason))
            continue
        problems.extend(schema_problems(key, body, file=file, record=record))
    return problems


class _LineError(ValueError):
    """A line that is not one JSON value we can use, with the field it concerns (``None``: the whole line)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object, refusing a key given twice: which of two BSNs or dates would be the person's is anyone's guess."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _LineError(f"the key {twice!r} appears twice in one object", twice)
    return obj


def _not_json(name: str) -> Any:
    raise _LineError(f"invalid JSON: {name} is not a JSON number")


def _tree_problem(obj: Any, surrogates: bool) -> _LineError | None:
    """Too deep, or (when ``surrogates``) a key or string holding a lone surrogate; without recursion."""
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return _LineError(_TOO_DEEP, path or None)
        if isinstance(node, dict):
            for key, value in node.items():
                where = f"{path}.{key}" if path else key
                if surrogates and _LONE_SURROGATE.search(key):
                    shown = where.encode("utf-8", "backslashreplace").decode("utf-8")
                    return _LineError("not valid Unicode: a lone surrogate in a key", shown)
                stack.append((value, where, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]", depth + 1) for i, value in enumerate(node))
        elif surrogates and isinstance(node, str) and _LONE_SURROGATE.search(node):
            return _LineError("not valid Unicode: a lone surrogate (\\ud800-\\udfff without its pair)", path or None)
    return None


def _decode(raw: bytes) -> Any:
    """The JSON value of one line (a leading BOM ignored); raises ``_LineError`` for anything we cannot use."""
    try:
        text = raw.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineError(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    try:
        obj = json.loads(text, object_pairs_hook=_pairs, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise _LineError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise _LineError(_TOO_DEEP) from None
    except _LineError:
        raise
    except ValueError as exc:  # a number too long for Python's int conversion (over 4,300 digits)
        raise _LineError(f"invalid JSON: {exc}".split(";")[0]) from None
    problem = _tree_problem(obj, surrogates=_SURROGATE_ESCAPE.search(raw) is not None)
    if problem is not None:
        raise problem
    return obj


def parse_line(raw: bytes, *, file: str, line: int) -> DuoLine:
    """One bundle line (bytes, without or with its newline) as a record or a reject."""
    record = f"line {line}"
    try:
        obj = _decode(raw)
    except _LineError as exc:
        return DuoReject(file, line, None, (Problem(file, record, exc.field, None, exc.reason),))
    problems = check_line(obj, file=file, record=record)
    bsn = obj.get("bsn") if isinstance(obj, dict) else None
    bsn = bsn if isinstance(bsn, str) else None
    if problems:
        return DuoReject(file, line, bsn, tuple(problems))
    resources = {k: v for k, v in obj.items() if k not in PERSON_KEYS}
    return DuoRecord(file, line, obj["bsn"], obj["gemeente"], resources)


def is_blank(raw: bytes) -> bool:
    """A line the reader skips: only white space, or a byte-order mark and white space."""
    return not raw.removeprefix(_BOM).strip()


def read_duo_bundle(path: str | Path) -> Iterator[DuoLine]:
    """Yield one :class:`DuoRecord` or :class:`DuoReject` per non-blank line of the bundle at ``path``.

    Streams: memory does not grow with the file. Blank lines are skipped; a byte-order mark at the start of any
    line is ignored (bundles joined with ``cat``). Raises
    :class:`~inburgering.errors.SourceError` only when the file itself cannot be opened.
    """
    path = Path(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot open DUO bundle: {exc.strerror}", file=str(path)) from exc
    with f:
        for number, raw in enumerate(f, start=1):
            if not is_blank(raw):
                yield parse_line(raw, file=str(path), line=number)
