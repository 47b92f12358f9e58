"""IRI rewriting between the production IRIs and the address the service is reached at (Trifid's datasetBaseUrl).

Instance IRIs live under the deployment base (``settings.base_iri``), vocabulary and concept IRIs under
``https://w3id.org/inburgering/``. Running on localhost, both are rewritten to the local root in responses, and
local IRIs in requests are mapped back; which production root a local path belongs to follows from its path.

>>> r = Rewriter(local="http://127.0.0.1:8000", base="https://data.example.nl/inb")
>>> r.to_local("https://w3id.org/inburgering/def/PIP")
'http://127.0.0.1:8000/def/PIP'
>>> r.to_production("http://127.0.0.1:8000/id/persoon/ab12")
'https://data.example.nl/inb/id/persoon/ab12'
>>> r.to_production("http://127.0.0.1:8000/id/concept/leerroute/B")
'https://w3id.org/inburgering/id/concept/leerroute/B'
"""

from __future__ import annotations

from dataclasses import dataclass

W3ID_ROOT = "https://w3id.org/inburgering"
#: Local paths that belong to the fixed w3id namespace rather than the deployment base.
W3ID_PATHS = ("/def", "/id/concept/", "/id/scheme/", "/shapes/", "/context/")


@dataclass(frozen=True)
class Rewriter:
    """Maps IRIs between ``local`` (e.g. ``http://127.0.0.1:8000``) and the production roots."""

    local: str
    base: str

    @property
    def active(self) -> bool:
        return self.local.rstrip("/") not in (self.base.rstrip("/"), W3ID_ROOT)

    def _roots(self) -> list[str]:
        roots = [W3ID_ROOT, self.base.rstrip("/")]
        return sorted(roots, key=len, reverse=True)  # the longer root first when one contains the other

    def production_for_path(self, path: str) -> str:
        """The production IRI of the local path ``/id/…``, ``/def/…``."""
        root = W3ID_ROOT if path == "/def" or path.startswith(W3ID_PATHS) else self.base.rstrip("/")
        return root + path

    def to_local(self, iri: str) -> str:
        if not self.active:
            return iri
        for root in self._roots():
            if iri == root or iri.startswith(root + "/"):
                return self.local.rstrip("/") + iri[len(root):]
        return iri

    def to_production(self, iri: str) -> str:
        local = self.local.rstrip("/")
        if self.active and (iri == local or iri.startswith(local + "/")):
            return self.production_for_path(iri[len(local):] or "/")
        return iri

    def text_to_local(self, text: str) -> str:
        """Rewrite every production IRI in a serialized response (Turtle, JSON, XML, CSV, HTML)."""
        if not self.active:
            return text
        local = self.local.rstrip("/")
        for root in self._roots():
            text = text.replace(root + "/", local + "/")
        return text
