"""Fuzzing the loader (issue 13), the DUO side: bundle lines generated from DUO's own OpenAPI schemas
(hypothesis-jsonschema), mutated, bundled into ``.jsonl`` files; and the checks every load of one must pass.

Imported as ``loader_fuzz`` by ``test_fuzz_duo.py`` and ``test_fuzz_ggm.py``. The suite's run is bounded and
deterministic; ``INBURGERING_FUZZ_EXAMPLES=N`` runs every fuzz test with N random examples (docs/loader.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from loader_helpers import BASE, KEY, bsn_pool, duo_person
from pyoxigraph import QuerySolutions

from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.loader.rejects import read_rejects
from inburgering.loader.report import LoadReport
from inburgering.namespaces import inb, thing_iri
from inburgering.sources.openapi import RESOURCES, resource_schema
from inburgering.store.base import Store
from inburgering.store.publication import published_graphs

BOM = b"\xef\xbb\xbf"
#: Examples per fuzz test for a longer run (random, with hypothesis' example database in ``.hypothesis/``).
FUZZ_ENV = "INBURGERING_FUZZ_EXAMPLES"


def fuzz_settings(examples: int) -> settings:
    """``examples`` derandomised examples in the suite (the same every run: no flaky CI, and no shrinking, which
    took over five minutes for one failing bundle), or ``$FUZZ_ENV`` random ones, shrunk to a small example."""
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
            HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]
    wanted = os.environ.get(FUZZ_ENV)
    if wanted:
        return settings(max_examples=int(wanted), deadline=None, suppress_health_check=slow, print_blob=True)
    return settings(max_examples=examples, deadline=None, suppress_health_check=slow, derandomize=True,
                    database=None, phases=(Phase.explicit, Phase.generate))


#: Valid test BSNs; a bundle draws from the first few, so the same person twice in a bundle happens often.
BSNS = tuple(islice(bsn_pool(), 40))
#: BSN-shaped values that are not valid BSNs.
BAD_BSNS = ("999990018", "99999001", "9999900190", " 999990019", "99999001\u0669", "\uff19" * 9, "000000000",
            "999990019\n", 999990019, None, "")
BAD_GEMEENTEN = ("GM0363\n", "gm0363", "GM\u0661\u0662\u0663\u0664", "GM036", "GM03630", "0363", 363, None, "",
                 "GM０３６３")
BAD_DATES = ("2025-02-30", "2024-02-30", "2025-13-01", "2025-00-10", "2025-04-31", "0000-01-01", "2025-2-3",
             "20250101", "2025-01-01T00:00:00", "2025-01-01\n", "\u0662\u0660\u0662\u0665-01-01", "2025-01-01 ",
             "", "9999-99-99", "２０２５-０１-０１")
#: Characters that break naive text handling: lone surrogates, NUL, bidi overrides, combining marks, BOM, …
ODD_CHARS = ("\ud800", "\udfff", "\x00", "\u202e", "\u200f", "\u0301", "\u0308", "\u200b", "\ufeff", "\u0663",
             "\uffff", "\U0001f600", "\n", "\r", "\t", "\x7f", "\u2028", "\x1b", "\u00a0", "'", '"', "\\", "<", "&",
             "%", "#", "/")
HUGE = (10**30, -(10**30), 2**63, 2**64 + 1, 1.7e308, -1.7e308, 5e-324, 1e-7, 0.1, -0.0, 10**400)


@cache
def _resource(key: str) -> st.SearchStrategy[Any]:
    return from_schema(resource_schema(key))


@st.composite
def duo_lines(draw: st.DrawFn) -> dict[str, Any]:
    """A bundle line: a plausible person plus up to three DUO resources generated from DUO's schemas."""
    line = duo_person(draw(st.sampled_from(BSNS)), draw(st.sampled_from(("GM0363", "GM0599"))),
                      pip=draw(st.booleans()))
    for key in draw(st.lists(st.sampled_from(sorted(RESOURCES)), max_size=3, unique=True)):
        line[key] = draw(_resource(key))
    return line


def _paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) into ``value``, the value itself included; not below 8 levels."""
    out = [at]
    if len(at) >= 8:
        return out
    if isinstance(value, dict):
        for key, sub in value.items():
            out += _paths(sub, (*at, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            out += _paths(sub, (*at, i))
    return out


def _nested(depth: int, leaf: Any, as_list: bool) -> Any:
    out = leaf
    for _ in range(depth):
        out = [out] if as_list else {"a": out}
    return out


def _odd_text(draw: st.DrawFn, original: Any) -> str:
    chars = draw(st.lists(st.sampled_from(ODD_CHARS), min_size=1, max_size=4))
    text = original if isinstance(original, str) else ""
    at = draw(st.integers(0, len(text)))
    return text[:at] + "".join(chars) + text[at:]


def _replacement(draw: st.DrawFn, path: tuple[Any, ...], old: Any) -> Any:
    """A wrong value for the field at ``path``: another type, huge, odd Unicode, very long, deeply nested, …"""
    name = path[-1] if path else None
    kinds = ["type", "huge", "odd", "long", "deep", "date"]
    if name == "bsn":
        kinds.append("bsn")
    if name == "gemeente":
        kinds.append("gemeente")
    kind = draw(st.sampled_from(kinds))
    if kind == "bsn":
        return draw(st.sampled_from(BAD_BSNS))
    if kind == "gemeente":
        return draw(st.sampled_from(BAD_GEMEENTEN))
    if kind == "type":
        return draw(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                              st.text(max_size=5), st.lists(st.integers(), max_size=2),
                              st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))
    if kind == "huge":
        return draw(st.sampled_from(HUGE))
    if kind == "odd":
        return _odd_text(draw, old)
    if kind == "long":
        return draw(st.sampled_from("xé\u0301\u202e1")) * draw(st.sampled_from((300, 10_000, 200_000)))
    if kind == "deep":
        # Deeper nesting is written into the text (``raw``): json.dumps itself would hit the recursion limit.
        return _nested(draw(st.sampled_from((13, 30, 200))), draw(st.sampled_from((1, "x", None))),
                       draw(st.booleans()))
    return draw(st.sampled_from(BAD_DATES))


@st.composite
def mutated(draw: st.DrawFn, line: dict[str, Any]) -> dict[str, Any]:
    """``line`` with one to three fields replaced, removed or added."""
    line = json.loads(json.dumps(line))  # a copy: hypothesis may hand the same object out again
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(line)[1:]))
        parent: Any = line
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(("replace", "replace", "delete", "add")))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(("extra", "examennummer", "Bsn", "", "\ud800", "bsn ")))] = "x"
        else:
            parent[path[-1]] = _replacement(draw, path, parent[path[-1]])
        if not _paths(line)[1:]:
            break
    return line


def _encode(obj: Any, ascii_only: bool) -> bytes:
    # Lone surrogates: escaped (\ud800, valid JSON text) or written raw with surrogatepass (not UTF-8).
    return json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


#: Whole lines that are blank, not JSON, or JSON that is not one person.
ODD_LINES = (b"", b"   ", b"\t", b"\xef\xbb\xbf", b"null", b"[]", b"42", b'"bsn"', b"{", b"}", b"{}", b"\x00",
             b"\xff\xfe", b"[" * 100_000, b'{"a":' * 5_000, b"NaN", b"-Infinity", b"\x1a",
             b'{"bsn": "999990019", "gemeente": "GM0363"} trailing', b"1" * 5_000)


@st.composite
def line_bytes(draw: st.DrawFn) -> bytes:
    """One line of a bundle (without its end): a valid person, a mutated one, or a line that is no person."""
    kind = draw(st.sampled_from(("valid", "valid", "mutated", "mutated", "mutated", "raw", "odd")))
    if kind == "odd":
        return draw(st.sampled_from(ODD_LINES))
    obj = draw(duo_lines())
    if kind == "mutated":
        obj = draw(mutated(obj))
    text = _encode(obj, draw(st.booleans()) if kind != "valid" else True)
    if kind != "raw":
        return text
    how = draw(st.sampled_from(("truncate", "bom", "nul", "bad-byte", "dup-key", "huge-int", "deep", "cr")))
    if how == "truncate":
        return text[:draw(st.integers(0, max(len(text) - 1, 0)))]
    if how == "bom":
        return b"\xef\xbb\xbf" + text
    if how == "nul":
        at = draw(st.integers(0, len(text)))
        return text[:at] + b"\x00" + text[at:]
    if how == "bad-byte":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80"))) + text[at:]
    if how == "dup-key":  # the same key twice: which BSN is this line's person?
        return b'{"bsn": "%s", ' % draw(st.sampled_from(BSNS)).encode() + text[1:]
    if how == "huge-int":
        return text[:-1] + b', "uren": ' + b"9" * draw(st.sampled_from((20, 400, 5_000))) + b"}"
    if how == "deep":
        depth = draw(st.sampled_from((990, 3_000, 100_000)))
        return text[:-1] + b', "uren": ' + b"[" * depth + b"]" * depth + b"}"
    return text.replace(b", ", b",\r ", 1)


@st.composite
def bundles(draw: st.DrawFn, max_lines: int = 12) -> bytes:
    """A whole ``.jsonl`` file: lines ending in LF or CRLF, maybe a BOM, maybe no final line end."""
    lines = draw(st.lists(line_bytes(), min_size=1, max_size=max_lines))
    end = draw(st.sampled_from((b"\n", b"\r\n")))
    data = end.join(lines) + (end if draw(st.booleans()) else b"")
    return (b"\xef\xbb\xbf" + data) if draw(st.booleans()) else data


def bundle_records(data: bytes) -> dict[int, bytes]:
    """Line number → line, for the lines the loader must account for: every line that holds more than white
    space and a byte-order mark (docs/sources.md)."""
    return {n: raw for n, raw in enumerate(data.split(b"\n"), start=1) if raw.removeprefix(BOM).strip()}


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _as_object(raw: bytes) -> Any:
    """The line as strict JSON (no NaN), or ``None``."""
    try:
        return json.loads(raw.removeprefix(BOM).decode("utf-8"), parse_constant=_refuse)
    except (ValueError, RecursionError):
        return None


#: Reasons of the person-level rejects of stage ``mapping``; the rest of that stage are single values
#: ("not published: …") of a person that is published.
def _holds_person_back(entry: dict[str, Any]) -> bool:
    if entry["stage"] in ("source", "load"):
        return True
    if entry["stage"] == "shacl":
        return bool(entry["severity"] == "Violation")
    return not str(entry["reason"]).startswith("not published")


def store_persons(store: Store) -> set[str]:
    """The persons in the store's published graphs (found through ``published_graphs``, not by IRI shape)."""
    graphs = published_graphs(store, base=BASE, special=True)
    if not graphs:
        return set()
    result = store.query(f"SELECT DISTINCT ?p WHERE {{ ?p a <{inb('Inburgeraar')}> }}", default_graph=graphs)
    assert isinstance(result, QuerySolutions)
    return {row["p"].value for row in result}


@dataclass(frozen=True)
class Accounted:
    """What a checked load did with its lines."""

    published: frozenset[int]
    rejected: frozenset[int]


def check_accounting(path: Path, data: bytes, report: LoadReport | dict[str, Any], rejects_path: Path,
                     store: Store) -> Accounted:
    """Every line of the bundle ``data`` (written at ``path``) is published or rejected with file, line, field and
    reason; the report's counts add up; the store holds exactly the persons of the published lines."""
    counts = report if isinstance(report, dict) else report.to_dict()
    records = bundle_records(data)
    rejects = read_rejects(rejects_path)
    rejected: set[int] = set()
    for entry in rejects:
        assert entry["source"] == str(path), entry
        assert entry["record"].startswith("line "), entry
        number = int(entry["record"].removeprefix("line "))
        assert number in records, (entry, sorted(records))
        assert isinstance(entry["reason"], str) and entry["reason"].strip(), entry
        if entry["stage"] == "shacl":  # a rule without sh:path: the rule and the focus node say what is wrong
            assert entry["rule"] and entry["focus"] and entry["severity"], entry
        elif entry["field"] is None:  # only a line that is not a JSON object has no field to name
            assert not isinstance(_as_object(records[number]), dict), entry
        if _holds_person_back(entry):
            rejected.add(number)
    published = set(records) - rejected
    assert counts["persons_read"] == len(records), (counts, sorted(records))
    assert counts["persons_read"] == counts["persons_published"] + counts["persons_rejected"], counts
    assert counts["persons_rejected"] == len(rejected), (counts, sorted(rejected))
    assert counts["persons_published"] == len(published), (counts, sorted(published))
    pseudonymiser = Pseudonymiser(KEY)
    expected = {thing_iri(BASE, "persoon", pseudonymiser.bsn(_as_object(records[n])["bsn"])) for n in published}
    assert len(expected) == len(published), "two published lines of one person"
    assert store_persons(store) == expected
    return Accounted(frozenset(published), frozenset(rejected))


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
