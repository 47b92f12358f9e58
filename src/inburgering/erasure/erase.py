"""Forget persons: copy every published graph that holds them without them, publish the copies at once, prove it.

The copies replace the graphs of each municipality and source that held one of the persons in ONE publication
(``store.publication.publish``): readers see the persons in the old publication or nowhere, never half-gone.
The activity goes into the meta graph (``erasure/record.py``), the proof (``erasure/proof.py``) then scans
every graph readers can see. What stays for a while, and ``purge``:

- an embedded store's earlier publications (checkpoints) go as soon as no reader holds them, at the end of this
  or the next publication; with ``purge`` this waits up to ``wait_s`` for readers (the service moves on within
  ``publication_poll_s``) and deletes them;
- a remote store's retired graphs stay ``RETIRED_GRACE`` for readers of the old publication, then the next
  publication (or ``drop_stale_graphs``) drops them; with ``purge`` they are dropped at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inburgering.erasure.locate import locate, plan_copies
from inburgering.erasure.persons import PersonRule
from inburgering.erasure.proof import Proof, prove
from inburgering.erasure.record import activity_iri, provenance, subject_hash
from inburgering.erasure.rewrite import GraphCopy, write_copies
from inburgering.store.base import Store
from inburgering.store.embedded import EmbeddedStore
from inburgering.store.publication import drop_stale_graphs, new_publication_id, publish, published_records

#: How long ``purge`` waits for readers to leave the earlier publications of an embedded store.
PURGE_WAIT_S = 30.0


@dataclass
class ForgetReport:
    """What one run did. It names no person: ``subjects`` holds the SHA-256 of each pseudonym found."""

    run_id: str
    kind: str
    requested: int
    started: datetime
    dry_run: bool = False
    subjects: list[str] = field(default_factory=list)
    #: Persons found per municipality (``GM0363``) of the graphs that held them (a person of two counts twice).
    gemeenten: dict[str, int] = field(default_factory=dict)
    copies: list[GraphCopy] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    publication: str | None = None
    finished: datetime | None = None
    proof: Proof | None = None
    purged: list[str] = field(default_factory=list)
    #: Earlier publications (checkpoints) of an embedded store still held by a reader.
    held: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return len(self.subjects)

    @property
    def triples_removed(self) -> int:
        return sum(c.removed for c in self.copies)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``--report`` and the audit log; no pseudonym, no BSN."""
        return {
            "id": self.run_id, "kind": self.kind, "dry_run": self.dry_run, "persons_requested": self.requested,
            "persons_found": self.found, "subjects_sha256": list(self.subjects),
            "gemeenten": dict(sorted(self.gemeenten.items())), "triples_removed": self.triples_removed,
            "graphs": [{"graph": c.graph, "replaces": c.sources, "triples_before": c.triples_before,
                        "triples_after": c.triples_after, "persons_after": c.persons_after} for c in self.copies],
            "retired": list(self.retired), "publication": self.publication, "purged": list(self.purged),
            "held_publications": list(self.held), "started": self.started.isoformat(),
            "finished": self.finished.isoformat() if self.finished else None,
            "proof": None if self.proof is None else {
                "publication": self.proof.publication, "graphs_checked": self.proof.graphs_checked,
                "clean": self.proof.clean, "in_publication": self.proof.in_publication,
                "elsewhere": self.proof.elsewhere},
        }


def forget(store: Store, *, base: str, pseudonyms: Sequence[str], kind: str = "erasure", description: str = "",
           dry_run: bool = False, purge: bool = False, wait_s: float = PURGE_WAIT_S) -> ForgetReport:
    """Remove every triple of the persons with ``pseudonyms`` from the published graphs of ``store``, publish
    the result, prove that nothing remains; ``dry_run`` only finds where they are.

    ``kind`` (``erasure``, ``retention``) and ``description`` (in words, no personal data) go into the meta
    graph. Only one writer may write a store at a time: the embedded store enforces it.
    """
    report = ForgetReport(new_publication_id(), kind, len(set(pseudonyms)), datetime.now(UTC), dry_run=dry_run)
    if not dry_run:
        drop_stale_graphs(store, base=base)  # what a crashed writer left, as a load does first
    published = published_records(store, base=base)
    located = locate(store, base=base, pseudonyms=pseudonyms, published=published)
    report.subjects = sorted(subject_hash(p) for p in located.found)
    gemeente_of = {r.graph: r.gemeente for r in published}
    for pseudonym in located.found:
        for code in {gemeente_of[g] for g in located.graphs[pseudonym]}:
            report.gemeenten[code] = report.gemeenten.get(code, 0) + 1
    copies = plan_copies(base=base, located=located, published=published, run_id=report.run_id)
    report.copies = copies
    if dry_run or not copies:
        report.finished = datetime.now(UTC)
        return report
    rule = PersonRule(base, sorted(set(pseudonyms)), sorted(located.vnummers))
    write_copies(store, copies, rule, base=base)
    ended = datetime.now(UTC)
    text = description or f"{report.found} person(s) forgotten ({kind})"
    prov = provenance(base=base, run_id=report.run_id, kind=kind, started=report.started, ended=ended,
                      description=f"{text}: {report.triples_removed} triples removed from {len(copies)} graphs",
                      persons=report.found, copies=copies)
    from inburgering.service.publish import refresh_dataset

    done = publish(store, base=base, graphs=[(c.gemeente, c.graph) for c in copies], provenance=prov,
                   activity=activity_iri(base, report.run_id),
                   refresh=lambda s, now, published: refresh_dataset(s, now, base=base, published=published))
    report.publication, report.retired = done.id, done.retired
    if purge:
        report.purged = _purge(store, base=base, wait_s=wait_s)
    report.proof = prove(store, base=base, needles=[*located.found, *sorted(located.vnummers)])
    report.held = _held(store)
    report.finished = datetime.now(UTC)
    return report


def _held(store: Store) -> list[str]:
    publications = store.publications if isinstance(store, EmbeddedStore) else None
    if publications is None:
        return []
    publications.collect()
    return publications.held()


def _purge(store: Store, *, base: str, wait_s: float) -> list[str]:
    """Remote: drop every retired graph now. Embedded: wait up to ``wait_s`` for readers to leave the earlier
    publications and delete them; returns what went."""
    publications = store.publications if isinstance(store, EmbeddedStore) else None
    if publications is None:
        return drop_stale_graphs(store, base=base, grace=timedelta(0))
    deleted, deadline = [], time.monotonic() + wait_s
    while True:
        deleted += publications.collect()
        if not publications.held() or time.monotonic() >= deadline:
            return deleted
        time.sleep(0.2)


__all__ = ["PURGE_WAIT_S", "ForgetReport", "forget"]
