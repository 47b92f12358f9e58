"""The examples in the security modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["audit", "auth", "dataset", "disclosure", "forwarded", "middleware", "ratelimit", "redact", "scope",
           "suppression", "tokens", "withheld"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"inburgering.security.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
