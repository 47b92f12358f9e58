"""Where the model files live: the repository's ``ontology/``, ``shapes/`` and ``data/`` folders.

``INBURGERING_HOME`` overrides the location (for a non-editable install, point it at a checkout).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The folder holding ``ontology/`` and ``shapes/``."""
    env = os.environ.get("INBURGERING_HOME")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ontology").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd()


ROOT = project_root()
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
DATA_DIR = ROOT / "data"
