"""The command line behaves like a Unix tool: output piped into ``head`` ends it quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from inburgering.namespaces import DEFAULT_BASE, meta_graph
from inburgering.store import open_store


def test_output_piped_into_head_gives_no_traceback(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    graph = NamedNode(meta_graph(DEFAULT_BASE))
    store.extend(Quad(NamedNode(f"http://example.org/s{i}"), NamedNode("http://example.org/p"), Literal("x" * 40), graph)
                 for i in range(20_000))
    store.close()
    command = (f"{sys.executable} -m inburgering.cli query --meta --format csv --store {tmp_path / 'store'} "
               "'SELECT ?s ?o WHERE { GRAPH ?g { ?s ?p ?o } }' | head -n 1")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["s,o"]
    assert "Traceback" not in done.stderr, done.stderr
