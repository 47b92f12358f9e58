"""Where DUO declares each field of a bundle: the OpenAPI file, the JSON Pointer to the property, DUO's description.

The ontology cites every DUO field a term carries (``dct:source``) as the upstream file at the commit our copies
in ``duo_openapi/`` were taken from, with the JSON Pointer (RFC 6901) of the property that declares the field as
fragment: the form of an OpenAPI ``$ref``. A consumer opens the file and follows the pointer; a test follows it in
our copies. Bundle paths are written as the mapping files write them (:func:`inburgering.sources.openapi.field_paths`).

>>> d = field_declarations()["uren.TaallesEnKnmBredeIntake.uren"]
>>> d.spec, d.pointer
('GevolgdeUren', '/components/schemas/TaallesEnKnmBredeIntake/properties/uren')
>>> d.iri.endswith("/API/GevolgdeUren/openapi.yml#/components/schemas/TaallesEnKnmBredeIntake/properties/uren")
True
>>> parse_source_iri(d.iri) == ("GevolgdeUren", d.pointer)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from inburgering.sources.openapi import RESOURCES, _operation, _spec

#: DUO's public repository and the commit whose files ``duo_openapi/`` holds byte for byte.
UPSTREAM_REPO = "https://github.com/duonl/gemeente-m2m-inburgering"
UPSTREAM_COMMIT = "277bdc3ef168b2be12fcfdedfbcbd21eb18edcf3"
#: Our file name (without ``.openapi.yml``) → the API's folder upstream, where they differ.
_UPSTREAM_DIR = {"MAP-PVT-Zroute": "MAP,PVT,Zroute"}
_PREFIX = f"{UPSTREAM_REPO}/blob/{UPSTREAM_COMMIT}/API/"
#: The path parameter that keys an offer per institution (``inburgeringsaanbod.*`` in a bundle).
_AANBOD_KEY = ("Inburgeringsaanbod", "/components/parameters/Instellingsnummer")


@dataclass(frozen=True)
class FieldDeclaration:
    """One DUO field: the spec file it is declared in, the JSON Pointer to its property, and DUO's text for it."""

    spec: str
    pointer: str
    description: str

    @property
    def iri(self) -> str:
        """The citation: the upstream file at :data:`UPSTREAM_COMMIT`, the pointer as fragment."""
        return spec_file_iri(self.spec) + "#" + quote(self.pointer, safe="/~{},")


def spec_file_iri(spec: str) -> str:
    """The upstream address of DUO's OpenAPI file that our ``{spec}.openapi.yml`` copies."""
    return _PREFIX + _UPSTREAM_DIR.get(spec, spec) + "/openapi.yml"


def parse_source_iri(iri: str) -> tuple[str, str] | None:
    """``(spec, pointer)`` of a DUO citation made by :attr:`FieldDeclaration.iri`; ``None`` for another IRI."""
    if not iri.startswith(_PREFIX) or "#" not in iri:
        return None
    folder, _, rest = iri[len(_PREFIX):].partition("/openapi.yml#")
    specs = {v: k for k, v in _UPSTREAM_DIR.items()}
    return specs.get(folder, folder), unquote(rest)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve_pointer(spec: str, pointer: str) -> Any:
    """The node at ``pointer`` in our copy of ``spec``; ``KeyError`` when there is none (a stale citation)."""
    node: Any = _spec(spec)
    for token in pointer.lstrip("/").split("/"):
        key = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise KeyError(f"{spec}.openapi.yml has nothing at #{pointer}")
    return node


def _description(spec: str, node: Any) -> str:
    """DUO's text for a property: its own description, else that of the schema it refers to."""
    while isinstance(node, dict):
        if node.get("description"):
            return " ".join(str(node["description"]).split())
        if "$ref" not in node:
            break
        node = resolve_pointer(spec, node["$ref"].removeprefix("#"))
    return ""


def _walk(spec: str, node: Any, pointer: str, path: str, found: dict[str, FieldDeclaration],
          declared: str | None = None) -> None:
    """Record the declaring property of every scalar field below ``node`` (at ``pointer``) under its bundle path."""
    if isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"].removeprefix("#")
        return _walk(spec, resolve_pointer(spec, ref), ref, path, found, declared)
    if "properties" in node:
        for name, sub in node["properties"].items():
            where = f"{pointer}/properties/{_escape(name)}"
            _walk(spec, sub, where, f"{path}.{name}", found, where)
        return
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            return _walk(spec, node[key], f"{pointer}/{key}", path + (".*" if key != "items" else ""), found,
                         declared)
    subs = [(k, i, s) for k in ("allOf", "anyOf", "oneOf") for i, s in enumerate(node.get(k, []))]
    for k, i, sub in subs:
        _walk(spec, sub, f"{pointer}/{k}/{i}", path, found, declared)
    if not subs and declared is not None:
        found.setdefault(path, FieldDeclaration(spec, declared, _description(spec, resolve_pointer(spec, declared))))


def _body_pointer(spec: str, method: str, path: str) -> str:
    op = f"/paths/{_escape(path)}/{method}"
    if method == "get":
        return op + "/responses/200/content/" + _escape(next(iter(_spec(spec)["paths"][path][method]["responses"]
                                                                   ["200"]["content"]))) + "/schema"
    return op + "/requestBody/content/" + _escape(next(iter(_spec(spec)["paths"][path][method]["requestBody"]
                                                            ["content"]))) + "/schema"


@cache
def field_declarations() -> dict[str, FieldDeclaration]:
    """Bundle path → where DUO declares the field, for every field of the 17 bundle keys (and an offer's key).

    ``map``/``pvt`` take ``verwijtbaar`` from DUO's PUT body and ``inburgeringsaanbod`` is DUO's POST body keyed by
    the path parameter ``instellingsnummer`` (``inburgeringsaanbod.*._key``), as :mod:`inburgering.sources.openapi`
    reads them.
    """
    found: dict[str, FieldDeclaration] = {}
    for key, (spec, method, path) in RESOURCES.items():
        schema = _operation(_spec(spec), method, path)
        prefix = f"{key}.*" if key == "inburgeringsaanbod" else key
        _walk(spec, schema, _body_pointer(spec, method, path), prefix, found)
        if key in ("map", "pvt"):
            _walk(spec, _operation(_spec(spec), "put", path), _body_pointer(spec, "put", path), key, found)
    aanbod_spec, aanbod_pointer = _AANBOD_KEY
    found["inburgeringsaanbod.*._key"] = FieldDeclaration(
        aanbod_spec, aanbod_pointer, _description(aanbod_spec, resolve_pointer(aanbod_spec, aanbod_pointer)))
    return found
