"""Fixtures for the model tests: the ontology files parsed once per session (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from inburgering.paths import ONTOLOGY_DIR


@pytest.fixture(scope="session")
def ontology_dir() -> Path:
    return ONTOLOGY_DIR


@pytest.fixture(scope="session")
def model_graph(ontology_dir: Path) -> Graph:
    """Every Turtle file of ``ontology/`` in one graph. Tests must not modify it."""
    g = Graph()
    for path in sorted(ontology_dir.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g
