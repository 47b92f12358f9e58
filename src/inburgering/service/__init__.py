"""The service: a SPARQL 1.1 endpoint, dereferenceable IRIs, HTML pages and dataset metadata (FastAPI).

``create_app`` is imported lazily, so a query worker process (``service.worker_main``) starts without FastAPI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from inburgering.service.app import create_app

        return create_app
    raise AttributeError(name)
