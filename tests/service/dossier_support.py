"""The synthetic sample (``data/sample/duo.jsonl``) loaded by the real loader, tokens for it, and the source
records by pseudonym: what the dossier tests compare the pages with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inburgering.cli import main
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.paths import DATA_DIR
from inburgering.security.tokens import TokenStore
from inburgering.service.publish import load_public_graphs
from inburgering.store import open_store

SAMPLE = DATA_DIR / "sample" / "duo.jsonl"
DEFECTS = DATA_DIR / "sample" / "defects.json"
#: A key for test data only.
KEY = b"dossier-test-key-not-a-secret-0123"
BASE = "https://data.inburgering.example.nl"
#: Sample persons the tests look at (synthetic BSNs of the test range): a medical dispensation (special
#: category, GM0363), and an extended term with exams, MAP and PVT (GM0796).
SPECIAL_BSN = "999946900"
EXTENDED_BSN = "999996848"


@dataclass
class Sample:
    """The loaded sample: where it is, its tokens, and its source records by pseudonym (defects left out)."""

    store: str
    tokens: TokenStore
    token_db: Path
    audit_log: Path
    records: dict[str, dict[str, Any]]

    def person(self, bsn: str) -> str:
        return f"{BASE}/id/persoon/{Pseudonymiser(KEY).bsn(bsn)}"

    def token(self, *gemeenten: str, special: bool = False, role: str = "analyst") -> dict[str, str]:
        issued = self.tokens.create(role=role, gemeenten=gemeenten, special_categories=special)
        return {"Authorization": f"Bearer {issued.token}"}


def load_sample(location: str, folder: Path) -> Sample:
    """Load the sample with ``inburgering load`` (validation included) and the public graphs into ``location``."""
    key_file = folder / "key"
    key_file.write_bytes(KEY)
    code = main(["load", "--store", location, "--rejects", str(folder / "rejects.jsonl"), "--key-file",
                 str(key_file), "--reference-date", "2026-11-01", str(SAMPLE)])
    assert code in (0, 1), f"inburgering load exited with {code}"  # 1: some defects were rejected, as designed
    store = open_store(location)
    load_public_graphs(store, base=BASE)
    store.close()
    defects = {d["bsn"] for d in json.loads(DEFECTS.read_text(encoding="utf-8"))}
    pseudonyms = Pseudonymiser(KEY)
    records = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["bsn"] not in defects:
            records[pseudonyms.bsn(record["bsn"])] = record
    token_db = folder / "tokens.sqlite"
    return Sample(location, TokenStore(token_db), token_db, folder / "audit.jsonl", records)
