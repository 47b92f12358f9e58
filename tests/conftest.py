"""Fixtures shared by every test folder. Each folder keeps its own ``conftest.py`` for what only it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only reference material beside the checkout (``../shared``)."""
    if not SHARED.is_dir():
        pytest.fail(f"reference material not found at {SHARED}")
    return SHARED


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh, empty store for one test (the embedded on-disk store; the remote-store issue parametrizes it)."""
    from inburgering.store import open_store

    s = open_store(str(tmp_path / "store"))
    yield s
    s.close()
