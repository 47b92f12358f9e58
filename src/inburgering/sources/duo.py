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
from inburgering.sources.openapi import RESOURCES, resource_schema
from inburgering.sources.records import DuoLine, DuoRecord, DuoReject, Problem

#: The keys of a bundle line that are not DUO resources.
PERSON_KEYS = ("bsn", "gemeente")
GEMEENTE_CODE = re.compile(r"^GM\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_formats = FormatChecker(formats=())
#: DUO fields that identify a person and that no bundle key may carry: their values never reach a report either.
IDENTIFIERS = {"examennummer": "DUO's LBT examennummer (GET /personen/{bsn}/lbt/examennummer) identifies the "
                               "person's exam registration: not part of a bundle, never loaded (docs/sources.md)"}


def _is_date(value: object) -> bool:
    """A real calendar date in ``YYYY-MM-DD`` (``2023-02-30`` fails; so does ``20230101``)."""
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
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
        return f"does not match DUO's pattern {rule}"
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
    if not isinstance(gemeente, str) or not GEMEENTE_CODE.match(gemeente):
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


def parse_line(raw: bytes, *, file: str, line: int) -> DuoLine:
    """One bundle line (bytes, without or with its newline) as a record or a reject."""
    record = f"line {line}"
    try:
        obj = json.loads(raw.decode("utf-8-sig" if line == 1 else "utf-8"))
    except UnicodeDecodeError as exc:
        return DuoReject(file, line, None, (Problem(file, record, None, None, f"not UTF-8: {exc.reason}"),))
    except json.JSONDecodeError as exc:
        return DuoReject(file, line, None, (Problem(file, record, None, None, f"invalid JSON: {exc.msg} "
                                                    f"at column {exc.colno}"),))
    problems = check_line(obj, file=file, record=record)
    bsn = obj.get("bsn") if isinstance(obj, dict) else None
    bsn = bsn if isinstance(bsn, str) else None
    if problems:
        return DuoReject(file, line, bsn, tuple(problems))
    resources = {k: v for k, v in obj.items() if k not in PERSON_KEYS}
    return DuoRecord(file, line, obj["bsn"], obj["gemeente"], resources)


def read_duo_bundle(path: str | Path) -> Iterator[DuoLine]:
    """Yield one :class:`DuoRecord` or :class:`DuoReject` per non-blank line of the bundle at ``path``.

    Streams: memory does not grow with the file. Blank lines are skipped. Raises
    :class:`~inburgering.errors.SourceError` only when the file itself cannot be opened.
    """
    path = Path(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot open DUO bundle: {exc.strerror}", file=str(path)) from exc
    with f:
        for number, raw in enumerate(f, start=1):
            if raw.strip():
                yield parse_line(raw, file=str(path), line=number)
