"""The triple store behind the loader and the service: embedded Oxigraph by default, any SPARQL 1.1 store remotely.

>>> store = open_store("memory:")
>>> store.update('INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> 1 } }')
>>> [str(g) for g in store.named_graphs()]
['<http://example.org/g>']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inburgering.store.base import QueryResult, Store
from inburgering.store.embedded import EmbeddedStore

if TYPE_CHECKING:
    from inburgering.settings import Settings


def open_store(location: str, **options: object) -> Store:
    """Open the store at ``location``: ``memory:``, a folder (embedded Oxigraph) or an ``http(s)://`` endpoint URL."""
    if location.startswith(("http://", "https://")):
        from inburgering.store.remote import RemoteStore  # imported here: SPARQLWrapper only when used

        return RemoteStore(location, **options)  # type: ignore[arg-type]
    return EmbeddedStore(None if location == "memory:" else location)


def open_settings_store(settings: Settings) -> Store:
    """The store ``settings.store`` names; a remote store gets the credentials and endpoints of the settings."""
    if settings.store.startswith(("http://", "https://")):
        from inburgering.store.remote import RemoteStore

        return RemoteStore.from_settings(settings)
    return open_store(settings.store)


def open_reader(settings: Settings) -> Store:
    """The store as readers see it: an on-disk store's current publication (``store/snapshots.py``), read-only,
    so a reader never sees a load half-way and never blocks a writer; other stores as they are."""
    location = settings.store
    if location == "memory:" or location.startswith(("http://", "https://")):
        return open_settings_store(settings)
    from inburgering.errors import StoreError
    from inburgering.store.snapshots import Publications

    publications = Publications(location)
    if publications.current() is None:
        raise StoreError(f"no publication in {location}: load data (inburgering load) or publish the model "
                         "(inburgering model publish) first")
    return EmbeddedStore.from_snapshot(publications.open_current())


__all__ = ["EmbeddedStore", "QueryResult", "Store", "open_reader", "open_settings_store", "open_store"]
