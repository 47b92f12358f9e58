"""The loader: sources → pseudonymised, mapped, validated RDF → atomically published named graphs.

The Python API the service's demo uses::

    from inburgering.loader import load
    report = load(["data/sample/duo.jsonl"], settings=settings, key=key, rejects_path="var/rejects.jsonl")
    report.persons_published, report.exit_code
"""

from __future__ import annotations

from inburgering.loader.checking import Finding, Validator, no_validation, shacl_validator
from inburgering.loader.pipeline import DEFAULT_BATCH, load
from inburgering.loader.pseudonym import KEY_ENV, Pseudonymiser, read_key
from inburgering.loader.report import Counts, LoadReport

__all__ = ["DEFAULT_BATCH", "KEY_ENV", "Counts", "Finding", "LoadReport", "Pseudonymiser", "Validator", "load",
           "no_validation", "read_key", "shacl_validator"]
