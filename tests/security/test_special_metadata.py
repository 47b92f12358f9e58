"""Issue 13, finding 5: what is said about special-category graphs is as protected as their content.

The store is built by the real loader (and a forget, which records its own activity), so the records under test
are the ones a deployment has: the load's and the erasure's provenance with their VoID counts, the publication
bookkeeping and the union membership. The review found an admin without the special-categories permission
reading from the meta graph how many facts each ``/bijzonder`` graph of other municipalities holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import QuerySolutions

from inburgering.cli import main
from inburgering.namespaces import DEFAULT_BASE, is_provenance_graph, meta_graph, provenance_graph
from inburgering.security.tokens import TokenStore
from inburgering.service import create_app
from inburgering.settings import Settings
from inburgering.store import open_reader

KEY = "special-metadata-test-key-not-a-secret"
PUBLIC = "http://testserver"
#: Every statement, in any graph the caller reads, with a ``/bijzonder`` graph (or a special provenance graph)
#: as subject, object or graph: the finding's query, widened to every graph and position.
ABOUT_SPECIAL = """SELECT ?g ?s ?p ?o WHERE {
  { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o }
  FILTER((isIRI(?s) && STRENDS(STR(?s), '/bijzonder')) || (isIRI(?o) && STRENDS(STR(?o), '/bijzonder'))
         || (BOUND(?g) && STRENDS(STR(?g), '/bijzonder')))
}"""


@dataclass
class Loaded:
    store: Path
    tokens: TokenStore
    special: dict[str, int]  # per municipality (GM code): statements about its /bijzonder graphs, as stored

    def client(self) -> TestClient:
        return TestClient(create_app(Settings(store=str(self.store), token_db=self.tokens.path,
                                              public_url=PUBLIC), query_workers=0))

    def token(self, *gemeenten: str, special: bool = False) -> dict[str, str]:
        issued = self.tokens.create(role="admin", gemeenten=gemeenten, special_categories=special)
        return {"Authorization": f"Bearer {issued.token}"}


def _rows(client: TestClient, query: str, headers: dict[str, str]) -> list[dict[str, str]]:
    response = client.post("/sparql", data={"query": query}, headers={**headers, "Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("special-metadata")
    bundle, key, store = folder / "duo.jsonl", folder / "key", folder / "store"
    key.write_text(KEY, encoding="utf-8")
    assert main(["generate", "--persons", "120", "--seed", "1", "--format", "duo", "--out", str(bundle)]) == 0
    assert main(["model", "publish", "--store", str(store)]) == 0
    assert main(["load", "--store", str(store), "--rejects", str(folder / "rejects.jsonl"), "--key-file", str(key),
                 str(bundle)]) == 0
    raw = open_reader(Settings(store=str(store)))
    try:
        result = raw.query(f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s a ?t }} FILTER(STRENDS(STR(?g), '/bijzonder') "
                           f"&& STRSTARTS(STR(?g), '{DEFAULT_BASE}/graph/gm')) }} LIMIT 1")
        assert isinstance(result, QuerySolutions)
        # a special-category fact's IRI starts with its person's pseudonym ({base}/id/ontheffing/{pseudonym}-…)
        person = next(iter(result))["s"].value.rsplit("/", 1)[1].split("-")[0]
    finally:
        raw.close()
    # A forget of a person with special-category facts: its activity copies that /bijzonder graph.
    assert main(["forget", "--store", str(store), "--pseudonym", person, "--audit-log",
                 str(folder / "audit.jsonl")]) == 0
    raw = open_reader(Settings(store=str(store)))
    try:
        result = raw.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           "FILTER(STRENDS(STR(?g), '/bijzonder') && CONTAINS(STR(?g), '/provenance/')) } GROUP BY ?g")
        assert isinstance(result, QuerySolutions)
        special = {row["g"].value.split("/")[-2].upper(): int(row["n"].value) for row in result}
    finally:
        raw.close()
    tokens = TokenStore(folder / "tokens.sqlite")
    yield Loaded(store, tokens, special)
    tokens.close()


def test_the_store_does_hold_statements_about_special_graphs(loaded: Loaded) -> None:
    """Not vacuous: the loads and the forget said things about several municipalities' /bijzonder graphs."""
    assert len(loaded.special) >= 2 and all(n >= 4 for n in loaded.special.values())


def test_an_admin_without_the_permission_reads_nothing_said_about_special_graphs(loaded: Loaded) -> None:
    every = sorted(loaded.special)
    admin = loaded.token(*every)
    with loaded.client() as client:
        assert _rows(client, ABOUT_SPECIAL, admin) == []
        # the same token does read the loads' provenance and the other graphs' counts
        counts = _rows(client, f"SELECT ?g ?n WHERE {{ GRAPH <{provenance_graph(PUBLIC)}> "
                               "{ ?g <http://rdfs.org/ns/void#triples> ?n } }", admin)
        assert counts and not any(r["g"].endswith("/bijzonder") for r in counts)
        # and never the store's bookkeeping, which names every /bijzonder graph
        assert _rows(client, f"SELECT * WHERE {{ GRAPH <{meta_graph(PUBLIC)}> {{ ?s ?p ?o }} }} LIMIT 1",
                     admin) == []
        loads = _rows(client, "SELECT DISTINCT ?a WHERE { GRAPH ?g { ?a a <http://www.w3.org/ns/prov#Activity> } }",
                      admin)
        assert len(loads) >= 2  # the load and the forget
        for row in loads:
            page = client.get(row["a"].replace("/id/", "/doc/", 1),
                              headers={**admin, "Accept": "text/turtle"})
            assert page.status_code == 200, page.text
            assert "/bijzonder" not in page.text


def test_an_admin_with_the_permission_reads_its_own_municipalities_only(loaded: Loaded) -> None:
    mine, other = sorted(loaded.special)[:2]
    with loaded.client() as client:
        rows = _rows(client, ABOUT_SPECIAL, loaded.token(mine, special=True))
        said = [r for r in rows if "g" in r and is_provenance_graph(PUBLIC, r["g"])]  # IRIs as the service shows them
        assert {r["g"] for r in said} == {provenance_graph(PUBLIC, mine)}
        assert len(said) == loaded.special[mine]
        assert rows and all(f"/{other.lower()}/" not in str(r) for r in rows)

