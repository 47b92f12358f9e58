"""The demo's two data steps: the sample loaded once through the loader, and a demo admin token.

Kept apart from ``cli.py`` so the CLI works (serving the model only) while the loader or the token module is
missing, and tells the user so.
"""

from __future__ import annotations

from pathlib import Path

from inburgering.settings import Settings
from inburgering.store.base import Store


def load_sample(store: Store, *, settings: Settings, key: bytes, sample: Path) -> str:
    """Load ``sample`` unless instance data is already published; returns what happened, for the screen."""
    from inburgering.store.publication import published_graphs

    if published_graphs(store, base=settings.base_iri):
        return "inburgering demo: sample data already loaded (published graphs found); not loading it again"
    if not sample.is_file():
        return f"inburgering demo: no sample at {sample}; serving the model only"
    try:
        from inburgering.loader import load
    except ImportError:
        return "inburgering demo: the loader is not available; serving the model only"
    rejects = Path("var") / "demo-rejects.jsonl"
    rejects.parent.mkdir(parents=True, exist_ok=True)
    report = load([sample], settings=settings, key=key, rejects_path=rejects, store=store)
    return "inburgering demo: loaded the sample through the loader\n" + report.format_text()


def demo_gemeenten(settings: Settings) -> list[str]:
    """The municipalities (``GM0363``) whose instance graphs are published in the demo store."""
    from inburgering.store import open_settings_store
    from inburgering.store.publication import instance_graph_pattern, published_graphs

    store = open_settings_store(settings)
    try:
        pattern = instance_graph_pattern(settings.base_iri)
        graphs = published_graphs(store, base=settings.base_iri)
    finally:
        store.close()
    return sorted({m.group(1).upper() for g in graphs if (m := pattern.match(g))})


def demo_token(settings: Settings) -> str | None:
    """Create an admin token for every demo municipality and return the text that shows it (issue 6's tokens)."""
    try:
        from inburgering.security.auth import token_db_path
        from inburgering.security.tokens import TokenStore
    except ImportError:
        return None
    gemeenten = demo_gemeenten(settings)
    tokens = TokenStore(token_db_path(settings))
    try:
        issued = tokens.create(role="admin", gemeenten=gemeenten, special_categories=True, label="inburgering demo")
    finally:
        tokens.close()
    return (f"inburgering demo: a DEMO admin token for {', '.join(gemeenten) or 'no municipality'} "
            "(shown once; send it as 'Authorization: Bearer <token>'):\n"
            f"  {issued.token}")
