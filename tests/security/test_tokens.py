"""Tokens: shown once, stored only as a hash, verified in constant time, revocable, and managed from the CLI."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inburgering.cli import main
from inburgering.errors import UsageError
from inburgering.security.tokens import TokenStore, default_token_db, is_gemeente_code


def test_a_token_is_stored_only_as_its_hash(tmp_path: Path) -> None:
    db = tmp_path / "tokens.sqlite"
    issued = TokenStore(db).create(role="analyst", gemeenten=["gm0363"], label="team")
    secret = issued.token.split("_", 2)[2]
    assert len(secret) == 43  # 256 random bits, base64url
    raw = db.read_bytes()
    assert secret.encode() not in raw and issued.token.encode() not in raw
    assert db.stat().st_mode & 0o077 == 0


def test_verify_gives_role_and_scope(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.sqlite")
    issued = tokens.create(role="admin", gemeenten=["GM0599", "GM0363"], special_categories=True)
    record = tokens.verify(issued.token)
    assert record is not None
    scope = record.scope()
    assert (scope.role, scope.gemeenten, scope.special_categories) == ("admin", {"GM0363", "GM0599"}, True)
    assert scope.token_id == issued.record.token_id


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
    lambda t: t.replace("inb_", "inb_0"),  # malformed
    lambda t: "",
    lambda t: t + " ",
    lambda t: "inb_00000000_" + t.split("_", 2)[2],  # right secret, wrong id
])
def test_anything_but_the_exact_token_is_refused(tmp_path: Path, mangle) -> None:  # type: ignore[no-untyped-def]
    tokens = TokenStore(tmp_path / "t.sqlite")
    issued = tokens.create(role="analyst", gemeenten=["GM0363"])
    assert tokens.verify(mangle(issued.token)) is None


def test_revoked_token_is_refused(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.sqlite")
    issued = tokens.create(role="analyst", gemeenten=["GM0363"])
    tokens.revoke(issued.record.token_id)
    assert tokens.verify(issued.token) is None
    assert tokens.records()[0].revoked is not None


def test_bad_role_and_gemeente_are_usage_errors(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.sqlite")
    with pytest.raises(UsageError, match="--role"):
        tokens.create(role="root")
    with pytest.raises(UsageError, match="GM followed by 4 digits"):
        tokens.create(role="analyst", gemeenten=["Amsterdam"])


def test_token_db_lives_beside_an_embedded_store(tmp_path: Path) -> None:
    assert default_token_db(str(tmp_path / "store")) == tmp_path / "store.tokens.sqlite"
    with pytest.raises(UsageError, match="--token-db"):
        default_token_db("memory:")


def test_cli_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    assert main(["token", "create", "--store", store, "--role", "analyst", "--gemeente", "GM0363",
                 "--special-categories", "--label", "team A"]) == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("inb_") and "shown only this once" in err and token not in err
    token_id = token.split("_")[1]

    assert main(["token", "list", "--store", store]) == 0
    listing = capsys.readouterr().out
    assert token_id in listing and "GM0363" in listing and "special-categories" in listing
    assert token.split("_", 2)[2] not in listing

    assert main(["token", "revoke", "--store", store, token_id]) == 0
    assert "revoked" in capsys.readouterr().out
    record = TokenStore(tmp_path / "store.tokens.sqlite").verify(token)
    assert record is None


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "store")
    assert main(["token", "create", "--store", store, "--role", "analyst", "--gemeente", "0363"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GM followed by 4 digits" in err and "Traceback" not in err
    assert main(["token", "revoke", "--store", store, "deadbeef"]) == 2
    assert "no token with id" in capsys.readouterr().err
    assert main(["token", "create", "--store", store, "--role", "root"]) == 2


def test_schema_refuses_unknown_roles_even_from_sql(tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite"
    TokenStore(db).create(role="analyst")
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE token SET role = 'root'")


def test_a_remembered_token_is_revoked_at_once_from_another_connection(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``verify`` remembers valid tokens, but a revocation by another process (connection) counts at once."""
    service = TokenStore(tmp_path / "t.sqlite")
    issued = service.create(role="analyst", gemeenten=["GM0363"])
    other = service.create(role="analyst", gemeenten=["GM0599"])
    assert service.verify(issued.token) is not None and service.verify(other.token) is not None
    lookups = []
    real = service._verify
    monkeypatch.setattr(service, "_verify", lambda token: lookups.append(token) or real(token))
    assert service.verify(issued.token) is not None
    assert lookups == []  # answered from memory: no table lookup
    cli = TokenStore(tmp_path / "t.sqlite")  # `inburgering token revoke` in another process
    cli.revoke(issued.record.token_id)
    assert service.verify(issued.token) is None
    assert service.verify(other.token) is not None  # looked up again, still valid
    assert lookups == [issued.token, other.token]
    service.revoke(other.record.token_id)  # this connection's own write
    assert service.verify(other.token) is None


@pytest.mark.parametrize("code", ["GM0363\n", "GM٠٣٦٣", "GM０３６３", "GM0363\nGM0599", "GM03631", "GM036", "XGM0363"])
def test_a_municipality_code_is_gm_and_four_ascii_digits_exactly(tmp_path: Path, code: str) -> None:
    """Regression: the check was re.match(r"^GM\\d{4}$"), which took a trailing newline and any Unicode digit."""
    assert not is_gemeente_code(code)
    tokens = TokenStore(tmp_path / "t.sqlite")
    if code.strip() != "GM0363":  # the CLI strips surrounding whitespace first: "GM0363\n" is then fine
        with pytest.raises(UsageError, match="GM followed by 4 digits"):
            tokens.create(role="analyst", gemeenten=[code])
        assert tokens.records() == []


def test_a_municipality_code_is_normalised(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "t.sqlite")
    issued = tokens.create(role="analyst", gemeenten=[" gm0363 ", "GM0599"])
    assert issued.record.gemeenten == ("GM0363", "GM0599")


def test_version_moves_with_every_change_from_either_connection(tmp_path: Path) -> None:
    service, cli = TokenStore(tmp_path / "t.sqlite"), TokenStore(tmp_path / "t.sqlite")
    seen = [service.version()]
    assert service.version() == seen[-1]  # reading changes nothing
    issued = cli.create(role="analyst", gemeenten=["GM0363"])
    seen.append(service.version())
    service.create(role="analyst", gemeenten=["GM0599"])  # its own write: SQLite's data_version stays
    seen.append(service.version())
    cli.revoke(issued.record.token_id)
    seen.append(service.version())
    assert len(set(seen)) == 4
