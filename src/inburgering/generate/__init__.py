"""Synthetic civic-integration data: realistic persons under the Wi2021 in every source form, with known defects.

>>> from pathlib import Path; import tempfile
>>> report = generate(persons=20, seed=1, defects=0.1, format="duo", out=Path(tempfile.mkdtemp()) / "duo.jsonl")
>>> report.persons, report.defects
(20, 2)
"""

from __future__ import annotations

from inburgering.generate.defects import KINDS, DefectKind
from inburgering.generate.run import (
           DEFAULT_REFERENCE_DATE,
           GenerateReport,
           bsn_pool,
           generate,
           generate_parts,
)
from inburgering.generate.writers import FORMATS

__all__ = ["DEFAULT_REFERENCE_DATE", "FORMATS", "KINDS", "DefectKind", "GenerateReport", "bsn_pool", "generate",
           "generate_parts"]
