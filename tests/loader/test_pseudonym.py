"""Pseudonymisation: keyed, stable, never without a key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from inburgering.errors import UsageError
from inburgering.loader.pseudonym import KEY_ENV, Pseudonymiser, read_key


def test_pseudonym_is_the_first_32_hex_of_hmac_sha256_over_the_prefixed_bsn() -> None:
    key = b"k" * 32
    expected = hmac.new(key, b"bsn:999990019", hashlib.sha256).hexdigest()[:32]
    assert Pseudonymiser(key).bsn("999990019") == expected


def test_same_key_same_pseudonym_other_key_other_pseudonym() -> None:
    a, b = Pseudonymiser(b"a" * 20), Pseudonymiser(b"b" * 20)
    assert a.bsn("999990019") == Pseudonymiser(b"a" * 20).bsn("999990019")
    assert a.bsn("999990019") != b.bsn("999990019")


def test_vnummer_and_bsn_pseudonyms_differ_for_the_same_digits() -> None:
    p = Pseudonymiser(b"a" * 20)
    assert p.vnummer("999990019") != p.bsn("999990019")


def test_short_key_is_refused() -> None:
    with pytest.raises(UsageError, match="too short"):
        Pseudonymiser(b"short")


def test_key_is_not_in_the_repr() -> None:
    assert "secret-key-material" not in repr(Pseudonymiser(b"secret-key-material"))


def test_key_from_environment_and_from_file(tmp_path: Path) -> None:
    assert read_key(environ={KEY_ENV: "from-the-environment"}) == b"from-the-environment"
    f = tmp_path / "key"
    f.write_text("from-a-file-with-newline\n")
    assert read_key(key_file=f, environ={KEY_ENV: "ignored"}) == b"from-a-file-with-newline"


def test_no_key_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=KEY_ENV):
        read_key(environ={})
    with pytest.raises(UsageError, match="cannot read the key file"):
        read_key(key_file=tmp_path / "missing")
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(UsageError, match="empty"):
        read_key(key_file=tmp_path / "empty")
