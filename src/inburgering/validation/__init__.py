"""Validation with SHACL: the project's shapes and law rules, run by pySHACL (``validate``), and a report.

The names below are imported when first used, so that the fast engine (``validation.fast``), which the loader
runs, does not import pySHACL and rdflib (about 0.2 s of every ``inburgering load``).

>>> from rdflib import Graph
>>> from inburgering.validation import validate
>>> report = validate(Graph(), reference_date="2025-01-01")
>>> report.conforms, report.results
(True, [])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inburgering.validation.engine import CONTEXT, REFERENTIEDATUM, validate
    from inburgering.validation.report import ValidationReport, ValidationResult
    from inburgering.validation.shapes import load_ontology, load_shapes

_HOMES = {"CONTEXT": "engine", "REFERENTIEDATUM": "engine", "validate": "engine", "ValidationReport": "report",
          "ValidationResult": "report", "load_ontology": "shapes", "load_shapes": "shapes"}

__all__ = ["CONTEXT", "REFERENTIEDATUM", "ValidationReport", "ValidationResult", "load_ontology", "load_shapes",
           "validate"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
