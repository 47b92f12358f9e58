"""Typed, checked values for GGM columns: what a database driver or a CSV cell gives, as the loader wants it.

>>> from inburgering.sources.ggm_model import ggm_model
>>> pip = ggm_model().tables["pip"].columns
>>> coerce(pip["dagtekening_pip"], "2023-02-30")
(None, 'not a valid date (YYYY-MM-DD)')
>>> coerce(pip["dagtekening_pip"], "2023-02-28")
('2023-02-28', None)
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from inburgering.sources.bsn import bsn_problem
from inburgering.sources.ggm_model import Column

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "t", "1", "ja", "j", "yes", "y"}
_FALSE = {"false", "f", "0", "nee", "n", "no"}
#: Columns holding a BSN: checked with the elfproef.
BSN_COLUMNS = {("natuurlijk_persoon", "bsn")}

Checked = tuple[Any, str | None]


def _integer(raw: Any) -> Checked:
    if isinstance(raw, bool):
        return None, "expected an integer"
    if isinstance(raw, int):
        return raw, None
    if isinstance(raw, float) and raw.is_integer():
        return int(raw), None
    if isinstance(raw, str) and _INT.match(raw.strip()):
        return int(raw), None
    return None, "expected an integer"


def _real(raw: Any) -> Checked:
    try:
        number = float(raw) if isinstance(raw, (int, float)) else float(str(raw).replace(",", "."))
    except OverflowError:  # an integer beyond 1.8e308
        number = math.inf
    except ValueError:
        return None, "expected a number"
    return (number, None) if math.isfinite(number) else (None, "expected a finite number (not NaN or infinity)")


def _date(raw: Any) -> Checked:
    if isinstance(raw, datetime):
        return raw.date().isoformat(), None
    if isinstance(raw, date):
        return raw.isoformat(), None
    if isinstance(raw, str) and _DATE.match(raw):
        try:
            return date.fromisoformat(raw).isoformat(), None
        except ValueError:
            pass
    return None, "not a valid date (YYYY-MM-DD)"


def _boolean(raw: Any) -> Checked:
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw), None
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, "expected true or false"


def _text(column: Column, raw: Any) -> Checked:
    value = raw if isinstance(raw, str) else str(raw)
    if column.enum is not None and value not in column.enum:
        return None, "not one of " + ", ".join(column.enum)
    if column.pattern is not None and not re.search(column.pattern, value):
        return None, f"does not match {column.pattern}"
    return value, None


def coerce(column: Column, raw: Any, *, table: str = "") -> Checked:
    """``(value, None)`` for a good ``raw`` value, ``(None, reason)`` otherwise. NULL and ``""`` are ``None``."""
    if raw is None or (isinstance(raw, str) and raw == ""):
        return None, ("required field missing" if column.required else None)
    if isinstance(raw, (bytes, bytearray, memoryview)):  # a BLOB, or TEXT that is not UTF-8 (sources/ggm.py)
        return None, f"binary data or text that is not UTF-8 (expected {column.type})"
    if column.type == "integer":
        return _integer(raw)
    if column.type == "date":
        return _date(raw)
    if column.type == "boolean":
        return _boolean(raw)
    if column.type == "real":
        return _real(raw)
    if (table, column.name) in BSN_COLUMNS:
        reason = bsn_problem(raw if isinstance(raw, str) else str(raw))
        return (None, reason) if reason else (raw, None)
    return _text(column, raw)
