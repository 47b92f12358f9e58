"""The cookbook asked ahead of the analysts: every saved query, for every municipality a token reads.

Kept answers (``partitioned.py``) make a saved query over every municipality a matter of milliseconds, but only
once each municipality's answer is asked; the service asked again, after a publication, only what analysts had
asked before. At 130,000 persons a saved query nobody had asked yet ran past the time limit on its first
requests, and every morning the queries whose reference date defaults to the day (``peildatum``) were new texts:
nothing kept, for every analyst, every day. So the service asks ahead, in the background (``app.keep_warm``):

- **What**: each saved query with a ``combine``, as an analyst asks it without parameters: the file's text (its
  example values, as pasted into ``/sparql`` or opened on the query page) and, where it differs, the text
  ``/api/queries/{name}`` runs today (a reference date defaults to the day). At a new day those of the day are
  asked, and yesterday's answers leave the kept file (``KeptFile.forget_except``).
- **For whom**: the municipalities the unrevoked analysts' tokens read, with and without the special-categories
  right as the tokens have it. An answer is kept per municipality's graphs, so one scope per right (the
  municipalities of every such token together) covers each token's own scope. Admin tokens read the provenance
  graphs, whose queries are evaluated as they are (``partition``), so they bring nothing to ask.
- **When**: at the start, after each publication (only the municipalities whose graphs changed), when the day
  or the tokens change, on the process's query workers for token holders (``Partitioned.fill``).
- **Cost**: at national scale 25 texts x 300 municipalities per right: about 3 minutes after a publication that
  changed every municipality, 4 for both rights (docs/performance.md), a few seconds after one municipality's
  reload, a few MB in the kept file. ``warm_saved_queries = false`` asks only what analysts asked (as before).
"""

from __future__ import annotations

from datetime import date

from inburgering.security.scope import AccessScope
from inburgering.security.tokens import TokenStore
from inburgering.service.cookbook import bound_query, load_cookbook
from inburgering.service.execute import QueryJob
from inburgering.service.partitioned import TSV
from inburgering.service.sparql import check_query

#: What the background asks ahead: (job, scope) pairs.
Items = tuple[tuple[QueryJob, AccessScope], ...]


def cookbook_texts(*, base: str, dialect: str, today: date) -> tuple[str, ...]:
    """The saved queries with a ``combine``, as the guard rewrites them (the keys of their kept answers): each
    file's text and, where it differs, its text bound by default for ``today``."""
    texts: dict[str, None] = {}
    for saved in load_cookbook():
        if saved.combine is None:
            continue
        for text in (saved.query, bound_query(saved, {}, today=today)[0]):
            texts.setdefault(check_query(text, base_iri=base, dialect=dialect).text)
    return tuple(texts)


def token_scopes(tokens: TokenStore) -> tuple[AccessScope, ...]:
    """One analyst scope per special-categories right among the unrevoked analysts' tokens: the municipalities of
    every such token together (without the right first: more tokens read those answers)."""
    gemeenten: dict[bool, set[str]] = {}
    for record in tokens.records():
        if record.revoked is None and record.role == "analyst" and record.gemeenten:
            gemeenten.setdefault(record.special_categories, set()).update(record.gemeenten)
    return tuple(AccessScope(role="analyst", gemeenten=frozenset(codes), special_categories=special)
                 for special, codes in sorted(gemeenten.items()))


def today() -> date:
    """The day the texts are bound for (a function of its own: the tests move it)."""
    return date.today()


class Ahead:
    """The saved queries and scopes to ask ahead (see the module docstring), worked out again when the day or the
    tokens change."""

    def __init__(self, tokens: TokenStore, *, base: str, max_results: int, dialect: str) -> None:
        self.tokens = tokens
        self.base, self.max_results, self.dialect = base, max_results, dialect
        self._key: object = None
        self._items: Items = ()
        #: The texts of :meth:`items` (not remembered as asked; their answers stay in the kept file).
        self.texts: frozenset[str] = frozenset()

    def key(self) -> object:
        """Moves when what to ask may have changed: a new day, a token created or revoked."""
        return today(), self.tokens.version()

    def items(self) -> Items:
        """(job, scope) for every saved query and analysts' scope (blocking: reads the token file)."""
        key = self.key()
        if key != self._key:
            texts = cookbook_texts(base=self.base, dialect=self.dialect, today=key[0])  # type: ignore[index]
            jobs = [QueryJob(text, (), (), TSV, self.max_results, self.base) for text in texts]
            self._items = tuple((job, scope) for scope in token_scopes(self.tokens) for job in jobs)
            self.texts = frozenset(texts) if self._items else frozenset()
            self._key = key
        return self._items


__all__ = ["Ahead", "Items", "cookbook_texts", "token_scopes"]
