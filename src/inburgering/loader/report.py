"""The load report: counts in / published / rejected per source, per municipality and per entity type."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class Counts:
    """Records read, published and rejected (``read == published + rejected`` once a load is done)."""

    read: int = 0
    published: int = 0
    rejected: int = 0


def _counts() -> defaultdict[str, Counts]:
    return defaultdict(Counts)


@dataclass
class LoadReport:
    """What one load did. ``exit_code``: 0 all published, 1 some rejected, 2 nothing published."""

    load_id: str
    started: datetime
    reference_date: date
    finished: datetime | None = None
    #: Per source file: persons read, published, rejected.
    sources: defaultdict[str, Counts] = field(default_factory=_counts)
    #: Per municipality (``GM0363``): persons.
    gemeenten: defaultdict[str, Counts] = field(default_factory=_counts)
    #: Per entity type (``persoon``, ``pip``, ``examenresultaat``…) of the persons that could be mapped.
    entities: defaultdict[str, Counts] = field(default_factory=_counts)
    #: SHACL results of the published and rejected persons.
    violations: int = 0
    warnings: int = 0
    #: The instance graphs this load made visible.
    graphs: list[str] = field(default_factory=list)
    #: The publication that made them visible, and the graphs it retired (same municipality and source).
    publication: str | None = None
    retired: list[str] = field(default_factory=list)
    #: ``--all-or-nothing`` refused the whole load.
    refused: bool = False
    rejects_path: str | None = None
    #: GGM rows that belong to no person, or hold values no mapping reads (each is in the rejects file; not
    #: counted as persons).
    orphan_rows: int = 0
    #: Values of a published or rejected person that the mapping does not publish (each in the rejects file).
    values_not_published: int = 0
    #: ``table.column`` → values read but deliberately not published (the GGM mapping's ``not_published``).
    deliberately_not_published: Counter[str] = field(default_factory=Counter)

    @property
    def persons_read(self) -> int:
        return sum(c.read for c in self.sources.values())

    @property
    def persons_published(self) -> int:
        return sum(c.published for c in self.sources.values())

    @property
    def persons_rejected(self) -> int:
        return sum(c.rejected for c in self.sources.values())

    @property
    def exit_code(self) -> int:
        if self.persons_published == 0:
            return 2
        return 1 if self.persons_rejected or self.orphan_rows or self.values_not_published else 0

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``--report`` writes)."""
        data: dict[str, Any] = {"load_id": self.load_id, "violations": self.violations, "warnings": self.warnings,
                                "graphs": list(self.graphs), "publication": self.publication,
                                "retired": list(self.retired), "refused": self.refused, "rejects_path": self.rejects_path,
                                "orphan_rows": self.orphan_rows, "values_not_published": self.values_not_published,
                                "deliberately_not_published": dict(sorted(self.deliberately_not_published.items()))}
        data.update(started=self.started.isoformat(), finished=self.finished.isoformat() if self.finished else None,
                    reference_date=self.reference_date.isoformat(), persons_read=self.persons_read,
                    persons_published=self.persons_published, persons_rejected=self.persons_rejected,
                    exit_code=self.exit_code)
        for key in ("sources", "gemeenten", "entities"):
            data[key] = {name: asdict(c) for name, c in sorted(getattr(self, key).items())}
        return data

    def format_text(self) -> str:
        """A short human-readable summary for the terminal."""
        lines = [f"load {self.load_id}: {self.persons_read} persons read, {self.persons_published} published, "
                 f"{self.persons_rejected} rejected"
                 + (" (REFUSED: --all-or-nothing and violations found)" if self.refused else ""),
                 f"  SHACL: {self.violations} violations, {self.warnings} warnings"]
        for title, key in (("source", "sources"), ("gemeente", "gemeenten"), ("entity type", "entities")):
            for name, c in sorted(getattr(self, key).items()):
                lines.append(f"  {title} {name}: {c.read} in, {c.published} published, {c.rejected} rejected")
        if self.orphan_rows:
            lines.append(f"  {self.orphan_rows} GGM rows linked to no person (rejected)")
        if self.values_not_published:
            n = self.values_not_published
            lines.append(f"  {n} value{'s' if n != 1 else ''} in fields the mapping does not publish (rejected)")
        if self.deliberately_not_published:
            lines.append("  not published by design (docs/mapping.md): " + ", ".join(
                f"{name} {n}" for name, n in sorted(self.deliberately_not_published.items())))
        if self.rejects_path and (self.persons_rejected or self.orphan_rows or self.values_not_published):
            lines.append(f"  rejects: {self.rejects_path}")
        return "\n".join(lines)
