"""The triple store behind the loader and the service: embedded Oxigraph by default, any SPARQL 1.1 store remotely.

>>> store = open_store("memory:")
>>> store.update('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }')
>>> [str(g) for g in store.named_graphs()]
['<http://example.org/g>']
"""

from __future__ import annotations

from inburgering.store.base import QueryResult, Store
from inburgering.store.embedded import EmbeddedStore


def open_store(location: str, **options: object) -> Store:
    """Open the store at ``location``: ``memory:``, a folder (embedded Oxigraph) or an ``http(s)://`` endpoint URL."""
    if location.startswith(("http://", "https://")):
        from inburgering.store.remote import RemoteStore  # imported here: SPARQLWrapper only when used

        return RemoteStore(location, **options)  # type: ignore[arg-type]
    return EmbeddedStore(None if location == "memory:" else location)


__all__ = ["EmbeddedStore", "QueryResult", "Store", "open_store"]
