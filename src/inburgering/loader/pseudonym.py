"""Keyed pseudonyms for BSN and V-nummer: the only form in which a person's identifiers reach the graph.

The key comes from ``INBURGERING_PSEUDONYM_KEY`` or a key file, never from the repository, and never enters the
graph. The same key gives the same pseudonym (so the same person IRI) across sources and loads.

>>> p = Pseudonymiser(b"a test key of sufficient length")
>>> p.bsn("999990019") == p.bsn("999990019"), len(p.bsn("999990019"))
(True, 32)
>>> p.bsn("999990019") != p.vnummer("999990019")
True
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

from inburgering.errors import UsageError

#: Environment variable holding the pseudonymisation key.
KEY_ENV = "INBURGERING_PSEUDONYM_KEY"
#: A shorter key is refused: it could be guessed, and with it every pseudonym reversed.
MIN_KEY_BYTES = 16
#: Hex characters of the HMAC kept in the pseudonym (128 bits).
PSEUDONYM_HEX = 32


@dataclass(frozen=True)
class Pseudonymiser:
    """HMAC-SHA-256 pseudonyms under one secret key (``repr`` never shows the key)."""

    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_BYTES:
            raise UsageError(f"the pseudonymisation key is too short ({len(self.key)} bytes; at least "
                             f"{MIN_KEY_BYTES} are needed)")

    def _hmac(self, text: str) -> str:
        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX]

    def bsn(self, bsn: str) -> str:
        """The pseudonym of a BSN: the first 32 hex characters of HMAC-SHA-256(key, ``"bsn:" + bsn``)."""
        return self._hmac("bsn:" + bsn.strip())

    def vnummer(self, vnummer: str) -> str:
        """The pseudonym of a V-nummer: HMAC-SHA-256(key, ``"vnummer:" + v``), 32 hex characters."""
        return self._hmac("vnummer:" + vnummer.strip())


def read_key(*, key_file: str | Path | None = None, environ: dict[str, str] | None = None) -> bytes:
    """The key from ``key_file`` (surrounding whitespace stripped) or else from ``INBURGERING_PSEUDONYM_KEY``.

    Raises ``UsageError`` when neither gives a key: personal data is never loaded without one.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise UsageError(f"cannot read the key file {key_file}: {exc.strerror}") from exc
        if not key:
            raise UsageError(f"the key file {key_file} is empty")
        return key
    env = os.environ if environ is None else environ
    value = env.get(KEY_ENV, "").strip()
    if not value:
        raise UsageError(f"no pseudonymisation key: set {KEY_ENV} or pass --key-file "
                         "(personal data is never loaded without a key)")
    return value.encode("utf-8")
