"""The load: read every source, pseudonymise, map, validate per batch of persons, write, then publish at once.

Nothing is visible to readers until the single publishing update at the end (see
``inburgering.store.publication``). A crash or an exception leaves only unpublished graphs behind, which the
next load drops before it starts. Every person read is either published or written to the rejects file.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pyoxigraph import Triple

from inburgering.derive import derive, derived_graph
from inburgering.errors import MappingError, UsageError
from inburgering.loader.checking import Finding, Validator, attribute
from inburgering.loader.inputs import KINDS, PersonInput, detect_kind, person_inputs
from inburgering.loader.provenance import (
    GraphCounts,
    SourceFile,
    file_sha256,
    load_activity,
    provenance_quads,
)
from inburgering.loader.pseudonym import Pseudonymiser
from inburgering.loader.rejects import Reject, RejectsWriter
from inburgering.loader.report import LoadReport
from inburgering.loader.worker import ValidationWorker
from inburgering.loader.writer import GraphWriter
from inburgering.mapping import MappedPerson, Mapping, builtin_mapping, map_person
from inburgering.mapping.coverage import duo_guard
from inburgering.namespaces import check_source, gemeente_iri, instance_graph
from inburgering.settings import Settings
from inburgering.store import Store, open_settings_store
from inburgering.store.publication import (
    LoadMark,
    abandon_load,
    begin_load,
    drop_stale_graphs,
    is_special,
    publish,
)
from inburgering.store.unions import union_of

#: Persons validated together: pySHACL's time grows faster than linearly with the graph (perf-notes.md).
DEFAULT_BATCH = 500

Progress = Callable[[int], None]


def display_location(location: str) -> str:
    """A source as reports and provenance show it: a database URL without its password."""
    if "://" not in location:
        return location
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(location).render_as_string(hide_password=True)
    except ArgumentError:
        return location


def new_load_id(now: datetime | None = None) -> str:
    """A sortable, unique load id: ``20261125T142501Z-3f9a1c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class _Pending:
    location: str
    item: PersonInput
    person: MappedPerson


@dataclass
class _Run:
    """The state of one load while it runs."""

    store: Store
    writer: GraphWriter
    base: str
    report: LoadReport
    rejects: RejectsWriter
    pseudonymiser: Pseudonymiser
    validator: Validator
    gemeente: str | None
    batch_size: int
    progress: Progress | None
    #: The source name (``duo``, ``ggm``, or ``load --source``) of each source location as shown.
    source_names: dict[str, str] = field(default_factory=dict)
    #: The municipality of each graph of non-special facts this load writes.
    graph_gemeente: dict[str, str] = field(default_factory=dict)
    batch: list[_Pending] = field(default_factory=list)
    graphs: set[tuple[str, str]] = field(default_factory=set)
    counts: defaultdict[str, GraphCounts] = field(default_factory=lambda: defaultdict(GraphCounts))
    mappings: dict[str, Mapping] = field(default_factory=dict)
    #: Pseudonym → where it was first seen, per source (a person twice in one source is an error).
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Validates in a second process when the validator is the fast engine (see ``loader.worker``).
    worker: ValidationWorker | None = None
    #: The batch the worker is validating; settled when the next batch is sent, or by ``drain``.
    inflight: list[_Pending] | None = None
    #: Set when the writer copies the graphs into the unions as it writes them (``publication.begin_load``).
    loading: LoadMark | None = None

    def person_rejected(self, location: str, gemeente: str | None) -> None:
        self.report.sources[location].rejected += 1
        if gemeente:
            self.report.gemeenten[gemeente].rejected += 1

    def read_source(self, location: str, shown: str, kind: str) -> None:
        """Take every person of one source; ``shown`` names the source in the report (no password)."""
        mapping = self.mappings.setdefault(KINDS[kind], builtin_mapping(KINDS[kind]))
        guard = duo_guard(mapping) if kind == "duo" else None
        self.report.sources[shown]  # listed even when empty
        for item in person_inputs(location, kind):
            if item.orphan:
                for p in item.problems:
                    self.rejects.write(Reject(p.file, p.record, p.field, p.value, p.reason, "source"))
                self.report.orphan_rows += 1
                continue
            if not item.problems:  # values the mapping would lose: DUO's guard, or found by the GGM reader
                lost = guard.unpublished(item.data, file=item.file, record=item.record) if guard is not None else []
                for p in (*lost, *item.unpublished):
                    self.rejects.write(Reject(p.file, p.record, p.field, p.value, p.reason, "mapping"))
                    self.report.values_not_published += 1
            self.report.sources[shown].read += 1
            self.report.deliberately_not_published.update(item.not_published)
            if item.gemeente:
                self.report.gemeenten[item.gemeente].read += 1
            self.take(shown, item, mapping)
            if self.progress:  # every person: the bar itself redraws at most ten times a second
                self.progress(self.report.persons_read)

    def take(self, location: str, item: PersonInput, mapping: Mapping) -> None:
        """Pseudonymise and map one person; on any problem write the rejects and count the person rejected."""
        if item.problems:
            for p in item.problems:
                self.rejects.write(Reject(p.file, p.record, p.field, p.value, p.reason, "source"))
            self.person_rejected(location, item.gemeente)
            return
        if self.gemeente and item.gemeente and item.gemeente != self.gemeente:
            self.rejects.write(Reject(item.file, item.record, "gemeente", item.gemeente,
                                      f"not for this load's municipality {self.gemeente} (--gemeente)", "load"))
            self.person_rejected(location, item.gemeente)
            return
        assert item.bsn is not None
        pseudonym = self.pseudonymiser.bsn(item.bsn)
        first = self.seen.setdefault((location, pseudonym), item.record)
        if first != item.record:
            self.rejects.write(Reject(item.file, item.record, "bsn", None,
                                      f"the same person as {first} of this source", "source", pseudonym=pseudonym))
            self.person_rejected(location, item.gemeente)
            return
        data = item.data
        if item.gemeente is None and self.gemeente:
            data = {**data, mapping.person.gemeente: self.gemeente}
        try:
            person = map_person(mapping, data, base=self.base, pseudonym=pseudonym,
                                vnummer_pseudonym=self.pseudonymiser.vnummer(item.vnummer) if item.vnummer else None,
                                file=item.file, locator=item.record)
        except MappingError as exc:
            self.rejects.write(Reject(item.file, item.record, exc.field, None, exc.message, "mapping",
                                      pseudonym=pseudonym))
            self.person_rejected(location, item.gemeente)
            return
        self.batch.append(_Pending(location, item, person))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def _shacl_reject(self, pending: _Pending, finding: Finding) -> Reject:
        return Reject(pending.item.file, pending.item.record, finding.path, finding.value, finding.message, "shacl",
                      rule=finding.rule, pseudonym=pending.person.pseudonym, focus=finding.focus,
                      severity=finding.severity)

    def flush(self) -> None:
        """Validate the batch and ``settle`` it; with a worker, the batch is validated while the next is mapped."""
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        triples = [t for p in batch for t in (*p.person.triples, *p.person.special)]
        day = self.report.reference_date
        if self.worker is None:
            self.writer.wait()  # the previous batch is in the store before the validator runs (kill -9 tests)
            self.settle(batch, self.validator(triples, reference_date=day))
            return
        previous, self.inflight = self.inflight, None
        findings = self.worker.result() if previous is not None else []
        self.worker.submit(triples, reference_date=day)
        self.inflight = batch
        if previous is not None:
            self.settle(previous, findings)

    def drain(self) -> None:
        """Settle the batch still in the worker (the last one)."""
        batch, self.inflight = self.inflight, None
        if batch is not None and self.worker is not None:
            self.settle(batch, self.worker.result())

    def settle(self, batch: list[_Pending], findings: Sequence[Finding]) -> None:
        """Reject the persons of a validated batch that have violations; queue the others for writing."""
        by_person, orphans = attribute(findings, [p.person for p in batch])
        for finding in orphans:
            self._count(finding)
            self.rejects.write(Reject("", "", finding.path, finding.value, finding.message, "shacl", rule=finding.rule,
                                      focus=finding.focus, severity=finding.severity))
        graphs: defaultdict[str, list[Triple]] = defaultdict(list)
        for pending in batch:
            results = by_person.get(pending.person.pseudonym, [])
            for finding in results:
                self._count(finding)
            violations = [f for f in results if f.is_violation]
            for finding in violations:
                self.rejects.write(self._shacl_reject(pending, finding))
            self._tally(pending, published=not violations)
            if not violations:
                self._place(pending.person, self.source_names[pending.location], graphs)
        self._derive(graphs)
        self.writer.write(graphs)

    def _derive(self, graphs: defaultdict[str, list[Triple]]) -> None:
        """Add the derived facts (``inburgering.derive``) of the batch's persons, computed from each graph of
        non-special facts, to ``{graph}/afgeleid``: published and retired with it (docs/derived-facts.md)."""
        for graph in [g for g in graphs if not is_special(g)]:
            derived = derive(graphs[graph], base=self.base, peildatum=self.report.reference_date)
            if derived:
                target = derived_graph(graph)
                graphs[target] += derived
                self.counts[target].triples += len(derived)
                self.graphs.add((self.graph_gemeente[graph], target))

    def _count(self, finding: Finding) -> None:
        if finding.is_violation:
            self.report.violations += 1
        elif finding.severity == "Warning":
            self.report.warnings += 1

    def _tally(self, pending: _Pending, *, published: bool) -> None:
        person, source = pending.person, self.report.sources[pending.location]
        gemeente = self.report.gemeenten[person.gemeente]
        if pending.item.gemeente is None:
            gemeente.read += 1
        for counts in (source, gemeente):
            if published:
                counts.published += 1
            else:
                counts.rejected += 1
        for type_, n in person.counts.items():
            entity = self.report.entities[type_]
            entity.read += n
            if published:
                entity.published += n
            else:
                entity.rejected += n

    def _place(self, person: MappedPerson, source: str, graphs: defaultdict[str, list[Triple]]) -> None:
        """Add a conforming person's triples to their graphs (of their municipality and ``source``) in ``graphs``
        and count them."""
        main = instance_graph(self.base, person.gemeente, source, self.report.load_id)
        self.graph_gemeente[main] = person.gemeente
        graphs[main] += person.triples
        self.graphs.add((person.gemeente, main))
        self.counts[main].triples += len(person.triples)
        self.counts[main].persons += 1
        if person.special:
            special = instance_graph(self.base, person.gemeente, source, self.report.load_id, special=True)
            graphs[special] += person.special
            self.graphs.add((person.gemeente, special))
            self.counts[special].triples += len(person.special)
            self.counts[special].persons += 1


def _finish(run: _Run, sources: Sequence[SourceFile], all_or_nothing: bool) -> None:
    report = run.report
    report.finished = datetime.now(UTC)
    if all_or_nothing and report.persons_rejected:
        report.refused = True
        loading, run.loading = run.loading, None  # from here a failure leaves the mark (rebuilt next time)
        abandon_load(run.store, loading, base=run.base, graphs=[g for _, g in run.graphs])
        for counts in (*report.sources.values(), *report.gemeenten.values(), *report.entities.values()):
            counts.rejected, counts.published = counts.rejected + counts.published, 0
        run.graphs.clear()
        run.counts.clear()
    prov = provenance_quads(base=run.base, report=report, sources=sources, mappings=run.mappings.values(),
                            graphs=run.counts)
    if not run.graphs:
        run.store.extend(prov)  # a load that published nothing is still on record
        loading, run.loading = run.loading, None
        abandon_load(run.store, loading, base=run.base, graphs=[])
        return
    graphs = sorted(run.graphs)
    from inburgering.service.publish import refresh_dataset

    # The publication takes the mark over: once its meta update is made, its graphs are published and must
    # never be taken out again; a publication that fails half-way leaves the mark (the next one rebuilds).
    loading, run.loading = run.loading, None
    done = publish(run.store, base=run.base, graphs=graphs, provenance=prov,
                   activity=load_activity(run.base, report.load_id),
                   refresh=lambda store, now, published: refresh_dataset(store, now, base=run.base,
                                                                         published=published),
                   loading=loading)
    report.graphs = [g for _, g in graphs]
    report.publication, report.retired = done.id, done.retired


def load(sources: Sequence[str | Path], *, settings: Settings, key: bytes, rejects_path: str | Path,
         store: Store | None = None, gemeente: str | None = None, source_format: str | None = None,
         all_or_nothing: bool = False, reference_date: date | None = None, validator: Validator | None = None,
         batch_size: int = DEFAULT_BATCH, progress: Progress | None = None, source: str | None = None) -> LoadReport:
    """Load ``sources`` into the store and publish them; every person is published or in ``rejects_path``.

    ``store`` defaults to ``settings.store`` (opened and closed here). ``validator`` defaults to the shapes on the
    fast engine (``validator_for('pyshacl')`` gives the reference);
    ``reference_date`` ("today" for date rules) to the load date. ``source`` names the source in graph IRIs and
    the meta graph (default: ``duo`` for a DUO bundle, ``ggm`` for a GGM database): the load replaces only the
    published graphs of the same municipalities and the same source. Raises ``UsageError`` for bad arguments and
    ``SourceError`` for a source that cannot be read at all.
    """
    if not sources:
        raise UsageError("no SOURCE given")
    if gemeente is not None:
        gemeente = gemeente.upper()
        try:
            gemeente_iri(gemeente)
        except ValueError as exc:
            raise UsageError(f"--gemeente: {exc}") from None
    if source is not None:
        try:
            check_source(source)
        except ValueError as exc:
            raise UsageError(f"--source: {exc}") from None
    pseudonymiser = Pseudonymiser(key)
    kinds = [(str(s), display_location(str(s)), detect_kind(str(s), source_format)) for s in sources]
    if validator is None:
        from inburgering.loader.checking import validator_for

        validator = validator_for("fast")
    started = datetime.now(UTC)
    report = LoadReport(load_id=new_load_id(started), started=started,
                        reference_date=reference_date or date.today(), rejects_path=str(rejects_path))
    worker = _worker_for(validator)
    own = store is None
    try:
        store = store if store is not None else open_settings_store(settings)
        try:
            base = settings.base_iri
            drop_stale_graphs(store, base=base)
            loading = begin_load(store)
            copy_to = (lambda graph: union_of(base, graph)) if loading is not None else None
            run = None
            try:
                with RejectsWriter(rejects_path) as rejects, GraphWriter(store, copy_to=copy_to) as writer:
                    run = _Run(store, writer, base, report, rejects, pseudonymiser, validator, gemeente,
                               batch_size, progress, worker=worker, loading=loading,
                               source_names={shown: source or KINDS[kind] for _, shown, kind in kinds})
                    for location, shown, kind in kinds:
                        run.read_source(location, shown, kind)
                    run.flush()
                    run.drain()
                    writer.wait()
                    _finish(run, [SourceFile(shown, kind, file_sha256(loc) if kind != "ggm-db" else None)
                                  for loc, shown, kind in kinds], all_or_nothing)
            except Exception:
                # Take the load's copies out of the unions now. A failed bulk load may have written part of a
                # document, copies without their graph's triples: then the mark stays and the next publication
                # rebuilds the unions.
                mark = loading if run is None else run.loading
                if mark is not None:
                    with contextlib.suppress(Exception):
                        abandon_load(store, mark, base=base, graphs=[g for _, g in run.graphs] if run else [],
                                     lift=not (run is not None and run.writer.failed))
                raise
        finally:
            if own:
                store.close()
    finally:
        if worker is not None:
            worker.close()
    return report


def _worker_for(validator: Validator) -> ValidationWorker | None:
    """A validation process for the fast engine, forked before the store is opened (it inherits no store)."""
    from inburgering.validation.fast_validators import FastValidator

    if isinstance(validator, FastValidator) and ValidationWorker.available():
        return ValidationWorker.start(validator)
    return None
