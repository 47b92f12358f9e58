"""CPU seconds of each stage of a load, each stage run on its own: where a load's time goes.

    python -m bench.load_stages SOURCE            # a DUO bundle (.jsonl) or a GGM SQLite database

Stages: imports and CLI parser, read and schema check, pseudonymise, map, the batches as N-Triples (what the
validation worker gets) and as TriG (what the writer loads), validate (the fast engine, per batch of 500
persons), write (Oxigraph's bulk loader into a fresh on-disk store, RocksDB's threads included). The loader
runs the main-process stages, the validation and the write at the same time (docs/loader.md); this runs them
one after the other so that each can be read apart.
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from inburgering.mapping.engine import MappedPerson

T = TypeVar("T")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    started = _cpu()
    from pyoxigraph import RdfFormat, Store, serialize

    from inburgering.cli import build_parser
    from inburgering.errors import MappingError
    from inburgering.loader.inputs import KINDS, detect_kind, person_inputs
    from inburgering.loader.pseudonym import Pseudonymiser
    from inburgering.loader.writer import trig
    from inburgering.mapping import builtin_mapping, map_person
    from inburgering.namespaces import DEFAULT_BASE, instance_graph
    from inburgering.validation.fast_validators import FastValidator

    build_parser("load")
    times = {"imports and CLI parser": _cpu() - started}
    source = argv[0]
    kind = detect_kind(source)

    def stage(name: str, fn: Callable[[], T]) -> T:
        before = _cpu()
        result = fn()
        times[name] = _cpu() - before
        return result

    items = stage("read and schema check", lambda: [i for i in person_inputs(source, kind)
                                                    if not i.orphan and not i.problems])
    keyed = Pseudonymiser(b"load-stages-key-not-a-secret")
    pseudonyms = stage("pseudonymise", lambda: [(keyed.bsn(i.bsn), keyed.vnummer(i.vnummer) if i.vnummer else None)
                                                for i in items if i.bsn is not None])  # all: no problems
    mapping = builtin_mapping(KINDS[kind])

    def mapped() -> list[MappedPerson]:
        out: list[MappedPerson] = []
        for item, (pseudonym, vnummer) in zip(items, pseudonyms, strict=True):
            try:
                out.append(map_person(mapping, item.data, base=DEFAULT_BASE, pseudonym=pseudonym,
                                      vnummer_pseudonym=vnummer, file=item.file, locator=item.record))
            except MappingError:
                pass
        return out

    persons = stage("map", mapped)
    batches = [persons[k:k + 500] for k in range(0, len(persons), 500)]
    documents = stage("batches as N-Triples (for the worker)", lambda: [
        serialize([t for p in b for t in (*p.triples, *p.special)], format=RdfFormat.N_TRIPLES) or b"" for b in batches])
    validator = FastValidator()
    stage("validate (fast engine)", lambda: [validator.ntriples(d, reference_date=dt.date(2026, 11, 25))
                                             for d in documents])
    loads = stage("batches as TriG (for the writer)", lambda: [
        b"".join(part for p in b for part in trig(p.triples, instance_graph(DEFAULT_BASE, p.gemeente, "duo", "stages")))
        for b in batches])
    with tempfile.TemporaryDirectory() as folder:
        def write() -> int:
            store = Store(str(Path(folder) / "store"))
            for data in loads:
                store.bulk_load(data, format=RdfFormat.TRIG)
            store.flush()
            return len(store)

        quads = stage("write (bulk_load on disk)", write)
    print(f"{source}: {len(items)} persons read, {len(persons)} mapped, {quads:,} quads written")
    for name, seconds in times.items():
        print(f"  {name:<42} {seconds:6.2f} s CPU")
    print(f"  {'total':<42} {sum(times.values()):6.2f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
