"""Small pieces of the remote store without a server: endpoints per store family, credentials, docstring examples."""

from __future__ import annotations

import doctest
import importlib

import pytest

from inburgering.cli import main
from inburgering.errors import StoreError
from inburgering.settings import Settings
from inburgering.store import open_store
from inburgering.store.remote import RemoteStore
from inburgering.store.remote_http import default_endpoints, dialect_of, split_credentials


@pytest.mark.parametrize("name", ["remote_dataset", "remote_http", "remote_write"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"inburgering.store.{name}")
    assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(("server", "url", "update", "gsp"), [
    ("oxigraph/0.5.13", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("Virtuoso/07.20.3229 (Linux)", "http://h:8890/sparql-auth", "http://h:8890/sparql-auth",
     "http://h:8890/sparql-graph-crud-auth"),
    ("Virtuoso/07.20.3229 (Linux)", "http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("Apache Jena Fuseki (5.1.0)", "http://h:3030/ds/sparql", "http://h:3030/ds/update", "http://h:3030/ds/data"),
    ("GraphDB/10.6", "http://h:7200/repositories/r", "http://h:7200/repositories/r/statements",
     "http://h:7200/repositories/r/rdf-graphs/service"),
    ("nginx", "http://h/sparql", "http://h/sparql", None),
])
def test_default_endpoints_per_store_family(server: str, url: str, update: str, gsp: str | None) -> None:
    endpoints = default_endpoints(url, dialect_of(server))
    assert (endpoints.query, endpoints.update, endpoints.gsp) == (url, update, gsp)


def test_credentials_in_the_url_or_the_settings() -> None:
    assert split_credentials("https://u:p%40ss@h:8890/sparql-auth") == ("https://h:8890/sparql-auth", "u", "p@ss")
    store = RemoteStore.from_settings(Settings(store="http://h/sparql", store_user="u", store_password="pw",
                                               store_gsp_url=""))
    assert (store.url, store._http.user, store._http.password) == ("http://h/sparql", "u", "pw")
    store.close()


def test_an_unreachable_store_is_a_one_line_store_error(capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store("http://127.0.0.1:9/sparql")
    with pytest.raises(StoreError, match="cannot reach the SPARQL endpoint http://127.0.0.1:9/sparql"):
        store.query("ASK {}")
    store.close()
    assert main(["query", "--store", "http://127.0.0.1:9/sparql", "ASK {}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("inburgering query: cannot reach the SPARQL endpoint") and err.count("\n") == 1
