"""DUO's OpenAPI 3.0 specifications as JSON Schemas, one per bundle key.

Each key of a DUO bundle line holds the body of one DUO operation: the GET response where DUO serves one,
otherwise the body the municipality submits (PUT/POST). ``$ref`` is resolved inline, OpenAPI-only keywords
are dropped, and objects are closed (``additionalProperties: false``) so a misspelt field is reported instead of
silently lost. Patterns are read with ECMA-262's ``\\d`` (an ASCII digit: JSON Schema's regex dialect; Python's
``\\d`` also takes Arabic-Indic digits) and, our tightening, as whole-value matches (DUO's ``gemeentecode`` pattern
``\\d{4}`` would otherwise accept ``x12345``). Two documented widenings: ``map``/``pvt`` also accept
``verwijtbaar`` (only in DUO's PUT body), and ``inburgeringsaanbod`` maps the path parameter ``instellingsnummer``
to the POST body, because DUO keeps one offer per institution.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_DIR = Path(__file__).with_name("duo_openapi")

#: Bundle key → (spec file, HTTP method, path). GET: the 200 response body; PUT/POST: the request body.
RESOURCES: dict[str, tuple[str, str, str]] = {
    "inburgeringsplicht": ("Inburgeringsplicht", "get", "/personen/{bsn}/inburgeringsplicht"),
    "inburgeringsplichtHistorie": ("Inburgeringsplicht", "get", "/personen/{bsn}/inburgeringsplicht/historie"),
    "doelgroep": ("Inburgeringsplicht", "get", "/personen/{bsn}/doelgroep"),
    "doelgroepHistorie": ("Inburgeringsplicht", "get", "/personen/{bsn}/doelgroep/historie"),
    "pip": ("PIP", "get", "/personen/{bsn}/PIP"),
    "inburgeringstermijn": ("Inburgeringstermijn", "get", "/personen/{bsn}/inburgeringstermijn"),
    "inburgeringstermijnHistorie": ("Inburgeringstermijn", "get", "/personen/{bsn}/inburgeringstermijn/historie"),
    "examenresultaten": ("Examen", "get", "/personen/{bsn}/examens/resultaten"),
    "gratisPogingen": ("Examen", "get", "/personen/{bsn}/examens/gratispogingen"),
    "leerbaarheidstoetsResultaten": ("Leerbaarheidstoets", "get", "/personen/{bsn}/lbt/resultaten"),
    "ontheffingen": ("Ontheffing", "get", "/personen/{bsn}/ontheffingen"),
    "vrijstellingen": ("Vrijstelling", "get", "/personen/{bsn}/vrijstellingen"),
    "uren": ("GevolgdeUren", "get", "/personen/{bsn}/uren"),
    "map": ("MAP-PVT-Zroute", "get", "/personen/{bsn}/map"),
    "pvt": ("MAP-PVT-Zroute", "get", "/personen/{bsn}/pvt"),
    "zroute": ("MAP-PVT-Zroute", "put", "/personen/{bsn}/zroute"),
    "inburgeringsaanbod": ("Inburgeringsaanbod", "post", "/personen/{bsn}/Inburgeringsaanbod/{instellingsnummer}"),
}

#: ``(?a)``: ``\\d`` is ``[0-9]`` (as in ECMA-262, which JSON Schema names); ``\\A…\\Z``: the whole value
#: (``$`` would also match before a final newline).
_WHOLE_VALUE = r"(?a)\A(?:{})\Z"


def duo_pattern(pattern: str) -> str:
    """The pattern as DUO's specification writes it (for messages), from the whole-value form checked here.

    >>> duo_pattern(resource_schema("pip")["properties"]["gemeentecode"]["pattern"])
    '\\\\d{4}'
    """
    head, tail = _WHOLE_VALUE.split("{}")
    return pattern.removeprefix(head).removesuffix(tail)

_DROP = {"description", "example", "examples", "xml", "externalDocs", "deprecated", "readOnly", "writeOnly"}


@cache
def _spec(name: str) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with (SPEC_DIR / f"{name}.openapi.yml").open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # type: ignore[no-any-return]


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    """Inline every ``$ref``, drop documentation keywords, translate ``nullable`` and close objects."""
    if isinstance(node, list):
        return [_resolve(item, spec) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _resolve(target, spec)
    out = {k: _resolve(v, spec) for k, v in node.items() if k not in _DROP and not k.startswith("x-")}
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if isinstance(out.get("pattern"), str):
        out["pattern"] = _WHOLE_VALUE.format(out["pattern"])  # DUO's own anchors stay: messages quote it
    if out.get("format") in ("int32", "int64", "double", "float"):
        del out["format"]
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", False)
    return out


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op = spec["paths"][path][method]
    if method == "get":
        content = op["responses"]["200"]["content"]
    else:
        content = op["requestBody"]["content"]
    return next(iter(content.values()))["schema"]  # type: ignore[no-any-return]


@cache
def resource_schema(key: str) -> dict[str, Any]:
    """The JSON Schema (draft 4 vocabulary) for the bundle key ``key``; ``KeyError`` for an unknown key.

    >>> resource_schema("pip")["properties"]["pip"]["properties"]["leerroute"]["enum"]
    ['B', 'O', 'Z']
    """
    name, method, path = RESOURCES[key]
    spec = _spec(name)
    schema: dict[str, Any] = _resolve(_operation(spec, method, path), spec)
    if key in ("map", "pvt"):
        put = _resolve(_operation(spec, "put", path), spec)
        schema["properties"]["verwijtbaar"] = put["properties"]["verwijtbaar"]
    if key == "inburgeringsaanbod":
        param = _resolve(spec["components"]["parameters"]["Instellingsnummer"], spec)["schema"]
        schema = {"type": "object", "propertyNames": param, "additionalProperties": schema, "minProperties": 1}
    return schema


def _leaves(schema: dict[str, Any], path: str) -> list[str]:
    """Dotted paths of the scalar fields below ``schema``; lists are stepped into, ``*`` is any key of a map."""
    if "properties" in schema:
        return [leaf for name, sub in schema["properties"].items() for leaf in _leaves(sub, f"{path}.{name}")]
    if isinstance(schema.get("additionalProperties"), dict):
        return _leaves(schema["additionalProperties"], f"{path}.*")
    if "items" in schema:
        return _leaves(schema["items"], path)
    subs = [s for k in ("allOf", "anyOf", "oneOf") for s in schema.get(k, [])]
    return [leaf for sub in subs for leaf in _leaves(sub, path)] if subs else [path]


@cache
def field_paths(key: str) -> tuple[str, ...]:
    """Every field DUO defines in the body of bundle key ``key``, as the mapping files write paths.

    >>> field_paths("pip")[:2]
    ('pip.gemeentecode', 'pip.pip.dagtekeningPip')
    >>> field_paths("inburgeringsaanbod")[0]
    'inburgeringsaanbod.*.datumInburgeringsaanbod'
    """
    return tuple(_leaves(resource_schema(key), key))
