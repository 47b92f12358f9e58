"""Declarative mappings from source records to the ontology, and the small engine that executes them.

>>> m = builtin_mapping("duo")
>>> m.kind, m.entity("pip").type
('duo', 'pip')
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from inburgering.errors import UsageError
from inburgering.mapping.engine import MappedPerson, map_person
from inburgering.mapping.spec import Mapping, load_mapping

MAPPINGS_DIR = Path(__file__).with_name("mappings")
#: Source kind → the mapping file it uses (the three GGM forms share one mapping).
MAPPING_FILES = {"duo": "duo.yaml", "ggm": "ggm.yaml"}


@cache
def builtin_mapping(kind: str) -> Mapping:
    """The packaged mapping for a source kind (``duo`` or ``ggm``)."""
    try:
        name = MAPPING_FILES[kind]
    except KeyError:
        raise UsageError(f"no mapping for source kind {kind!r} (expected one of {sorted(MAPPING_FILES)})") from None
    return load_mapping(MAPPINGS_DIR / name)


__all__ = ["MAPPINGS_DIR", "MappedPerson", "Mapping", "builtin_mapping", "load_mapping", "map_person"]
