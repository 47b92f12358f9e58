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


def demo_token(settings: Settings) -> str | None:
    """Create an admin token for the demo and return the text that shows it, once tokens exist (issue 6)."""
    try:
        from inburgering.security.auth import token_db_path
        from inburgering.security.tokens import TokenStore
    except ImportError:
        return None
    tokens = TokenStore(token_db_path(settings))
    try:
        issued = tokens.create(role="admin", label="inburgering demo")
    finally:
        tokens.close()
    return ("inburgering demo: a DEMO admin token (shown once; send it as 'Authorization: Bearer <token>'):\n"
            f"  {issued.token}")
