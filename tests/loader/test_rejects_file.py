"""The rejects file: one JSON line per reason, valid UTF-8 whatever the record held, values of bounded size."""

from __future__ import annotations

import json
from pathlib import Path

from inburgering.loader.rejects import MAX_VALUE, Reject, RejectsWriter, read_rejects


def test_a_lone_surrogate_in_a_value_is_written_as_its_escape_not_a_unicode_error(tmp_path: Path) -> None:
    """Found by fuzzing the loader: a value decoded from ``"\\ud800"`` made the writer raise UnicodeEncodeError."""
    path = tmp_path / "r.jsonl"
    with RejectsWriter(path) as writer:
        writer.write(Reject("b.jsonl", "line 1", "x\ud800", "a\udfffb", "unknown field", "source"))
    path.read_bytes().decode("utf-8")  # strict: the file is UTF-8
    [entry] = read_rejects(path)
    assert (entry["field"], entry["value"]) == ("x\ud800", "a\udfffb")


def test_a_long_value_is_cut_and_its_length_said(tmp_path: Path) -> None:
    """Found by fuzzing the loader: a 200,000-character value was copied whole into the file, once per problem."""
    path = tmp_path / "r.jsonl"
    with RejectsWriter(path) as writer:
        writer.write(Reject("b.jsonl", "line 1", "pip.pip.niveau", "é" * 200_000, "not one of A1, A2", "source"))
        writer.write(Reject("b.jsonl", "line 2", "map", {"a": ["x"] * 1000}, "unknown field", "source"))
        writer.write(Reject("b.jsonl", "line 3", "map", {"a": 1}, "unknown field", "source"))
    long_text, long_object, short = (e["value"] for e in read_rejects(path))
    assert long_text == '"' + "é" * (MAX_VALUE - 1) + "… (200,002 characters in all)"
    assert long_object.endswith(f"… ({len(json.dumps({'a': ['x'] * 1000})):,} characters in all)")
    assert short == {"a": 1}
    assert path.stat().st_size < 3 * 1024
