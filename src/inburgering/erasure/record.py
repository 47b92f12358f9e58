"""What a forget leaves on record: a PROV-O activity in the provenance graph and one line in the audit log.

The two say different things on purpose. The provenance graph (read by admins, copied into every backup; what
it says about a ``/bijzonder`` graph goes into the municipality's special provenance graph) gets the
activity, its time, its kind, how many persons and triples went and which graphs replaced which: nothing that
points at a person, not even a hash. The audit log (an operator's file, ``Settings.audit_log``, the same file
the service logs protected access to) gets who ran it and why, and per person a SHA-256 of the pseudonym
(:func:`subject_hash`): whoever holds a person's pseudonym (or their BSN and the key) can check that and when
they were forgotten, and re-apply the erasure to a restored backup; nobody can get the pseudonym back from it.
No BSN is written anywhere; a reason that holds one is refused.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from inburgering import __version__
from inburgering.erasure.rewrite import GraphCopy
from inburgering.errors import UsageError
from inburgering.loader.provenance import provenance_in_graphs
from inburgering.namespaces import DCT, PROV, RDF, VOID, XSD, thing_iri
from inburgering.sources.bsn import elfproef

#: A run of 8 or 9 digits, alone or in the groups people type (``1234.56.782``): a BSN when it passes the elfproef.
_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{8,9}|[0-9]{4}([ .-])[0-9]{2}\1[0-9]{3}|[0-9]{3}([ .-])[0-9]{3}\2[0-9]{3})"
                     r"(?![0-9])")


def subject_hash(pseudonym: str) -> str:
    """SHA-256 of the pseudonym (with a fixed prefix): what the audit log holds instead of the person.

    >>> subject_hash("0f1e2d3c4b5a69788796a5b4c3d2e1f0")[:16]
    '79a6da74cb78cf00'
    """
    return hashlib.sha256(f"inburgering-forget:{pseudonym}".encode()).hexdigest()


def check_reason(reason: str) -> str:
    """``reason`` unless it holds a BSN (a number that passes the elfproef): it goes into the audit log.

    >>> check_reason("verzoek van 2026-11-30, zaak 12345")
    'verzoek van 2026-11-30, zaak 12345'
    """
    for match in _NUMBER.finditer(reason):
        if elfproef(re.sub(r"[^0-9]", "", match.group()).rjust(9, "0")):
            raise UsageError("--reason holds a number that may be a BSN; the audit log never holds one: "
                             "refer to the request by its case number instead")
    return reason.strip()


def operator(name: str | None) -> str:
    """Who ran the command: ``name`` when given, else the operating-system user."""
    if name:
        return name.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def activity_iri(base: str, run_id: str) -> str:
    """``{base}/id/forget/{id}``: the PROV-O activity of one forget or retention run."""
    return thing_iri(base, "forget", run_id)


def _dt(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=NamedNode(XSD + "dateTime"))


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))


def provenance(*, base: str, run_id: str, kind: str, description: str, started: datetime, ended: datetime,
               persons: int, copies: Sequence[GraphCopy]) -> list[Quad]:
    """The activity in the provenance graphs: ``kind`` (``erasure`` or ``retention``), the counts in words and as VoID,
    the graphs it used and generated, each new graph ``prov:wasDerivedFrom`` the graphs it replaces."""
    act = NamedNode(activity_iri(base, run_id))
    a = NamedNode(RDF + "type")
    triples: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = [
        (act, a, NamedNode(PROV + "Activity")),
        (act, NamedNode(DCT + "identifier"), Literal(run_id)),
        (act, NamedNode(DCT + "title"), Literal(kind)),
        (act, NamedNode(DCT + "description"), Literal(description)),
        (act, NamedNode(PROV + "startedAtTime"), _dt(started)),
        (act, NamedNode(PROV + "endedAtTime"), _dt(ended)),
        (act, NamedNode(VOID + "entities"), _int(persons)),
        (act, NamedNode(PROV + "wasAssociatedWith"), NamedNode(thing_iri(base, "software", f"inburgering-{__version__}"))),
    ]
    for copy in copies:
        graph = NamedNode(copy.graph)
        triples += [(act, NamedNode(PROV + "generated"), graph), (graph, a, NamedNode(VOID + "Dataset")),
                    (graph, NamedNode(VOID + "triples"), _int(copy.triples_after)),
                    (graph, NamedNode(VOID + "entities"), _int(copy.persons_after))]
        for source in copy.sources:
            triples += [(act, NamedNode(PROV + "used"), NamedNode(source)),
                        (graph, NamedNode(PROV + "wasDerivedFrom"), NamedNode(source))]
    return provenance_in_graphs(base, triples)


def append_audit(path: Path, line: dict[str, Any]) -> None:
    """Append ``line`` as one JSON line with one ``write`` on an ``O_APPEND`` descriptor (as the service's audit
    log does, so lines of the service and of this command never interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        written = os.write(fd, data)
        while written < len(data):
            written += os.write(fd, data[written:])
    finally:
        os.close(fd)


__all__ = ["activity_iri", "append_audit", "check_reason", "operator", "provenance", "subject_hash"]
