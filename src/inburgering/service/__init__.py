"""The service: a SPARQL 1.1 endpoint, dereferenceable IRIs, HTML pages and dataset metadata (FastAPI)."""

from __future__ import annotations

from inburgering.service.app import create_app

__all__ = ["create_app"]
