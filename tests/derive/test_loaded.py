"""The loader publishes the derived facts of each load in ``{graph}/afgeleid``, and retires them with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from loader_helpers import BASE, KEY, generate_bundle
from pyoxigraph import NamedNode, QuerySolutions

from inburgering.loader import load, no_validation
from inburgering.namespaces import DERIVED_SUFFIX, SPECIAL_SUFFIX, VOCAB
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.publication import published_graphs


def test_a_load_publishes_and_retires_derived_facts_with_its_graphs(tmp_path: Path) -> None:
    store = open_store("memory:")
    settings = Settings(base_iri=BASE)
    bundle = generate_bundle(tmp_path, "a", 40, 3)
    load([bundle], settings=settings, key=KEY, rejects_path=tmp_path / "r.jsonl", store=store,
         validator=no_validation, reference_date=date(2026, 6, 1))
    first = published_graphs(store, base=BASE, special=True)
    sources = [g for g in first if not g.endswith((SPECIAL_SUFFIX, DERIVED_SUFFIX))]
    assert sources and {g + DERIVED_SUFFIX for g in sources} <= set(first)
    for graph in sources:
        query = (f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ GRAPH <{graph + DERIVED_SUFFIX}> {{ "
                 f"?p <{VOCAB}peildatum> \"2026-06-01\"^^<http://www.w3.org/2001/XMLSchema#date> }} }}")
        result = store.query(query)
        assert isinstance(result, QuerySolutions)
        assert int(next(iter(result))["n"].value) > 0, graph
    load([bundle], settings=settings, key=KEY, rejects_path=tmp_path / "r2.jsonl", store=store,
         validator=no_validation, reference_date=date(2026, 7, 1))
    second = published_graphs(store, base=BASE, special=True)
    assert not set(first) & set(second)  # the derived graphs went with their source graphs
    assert not any(list(store.ox.quads_for_pattern(None, None, None, NamedNode(g))) for g in first)  # type: ignore[attr-defined]
