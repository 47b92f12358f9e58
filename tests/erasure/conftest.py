"""Fixtures of the erasure tests: generated persons in two sources (a DUO bundle and a GGM database of the same
persons), loaded through ``inburgering load`` into one store per backend, served by a real ``inburgering serve``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from erasure_support import KEY, PERSONS, SEED, Deployment, Sources
from service_support import LiveServer

from inburgering.cli import main
from inburgering.security.tokens import TokenStore


def _cli(*argv: str) -> None:
    assert main(list(argv)) == 0, f"inburgering {' '.join(argv)} failed"


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    folder = tmp_path_factory.mktemp("erasure-sources")
    duo, ggm = folder / "duo" / "bundle.jsonl", folder / "ggm" / "ggm.sqlite"
    for fmt, out in (("duo", duo), ("ggm-sqlite", ggm)):
        out.parent.mkdir()
        _cli("generate", "--persons", str(PERSONS), "--seed", str(SEED), "--format", fmt, "--out", str(out))
    key_file = folder / "key"
    key_file.write_text(KEY, encoding="utf-8")
    records = [json.loads(line) for line in duo.read_text(encoding="utf-8").splitlines()]
    return Sources(duo, ggm, key_file, records)


@pytest.fixture(scope="module")
def deployment(module_store_url: str, sources: Sources,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Model, DUO and GGM published in one store (every person in both sources), and the service over it."""
    tmp = tmp_path_factory.mktemp("erasure")
    store = module_store_url
    _cli("model", "publish", "--store", store)
    for name, source in (("duo", sources.duo), ("ggm", sources.ggm)):
        _cli("load", "--store", store, "--key-file", str(sources.key_file), "--rejects", str(tmp / f"{name}.rejects"),
             str(source))
    gemeenten = sorted({r["gemeente"] for r in sources.records})
    tokens = TokenStore(tmp / "tokens.sqlite")
    admin = tokens.create(role="admin", gemeenten=gemeenten, special_categories=True, label="erasure").token
    server = LiveServer(store, logs=tmp, options=("--token-db", str(tmp / "tokens.sqlite"),
                                                  "--audit-log", str(tmp / "service-audit.jsonl")))
    try:
        yield Deployment(store, sources, server, admin, tmp)
    finally:
        server.stop()
