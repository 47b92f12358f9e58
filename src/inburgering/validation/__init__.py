"""Validation with SHACL: the project's shapes and law rules, run by pySHACL (``validate``), and a report.

>>> from rdflib import Graph
>>> report = validate(Graph(), reference_date="2025-01-01")
>>> report.conforms, report.results
(True, [])
"""

from __future__ import annotations

from inburgering.validation.engine import CONTEXT, REFERENTIEDATUM, validate
from inburgering.validation.report import ValidationReport, ValidationResult
from inburgering.validation.shapes import load_ontology, load_shapes

__all__ = ["CONTEXT", "REFERENTIEDATUM", "ValidationReport", "ValidationResult", "load_ontology", "load_shapes",
           "validate"]
