"""Validation in a second process, so that one batch is validated while the next is read and mapped.

The fast engine's validator runs in a forked child process: the load sends each batch as an N-Triples document
down a pipe and takes the findings back one batch later. Nothing about the results changes: the child runs the
same ``FastValidator`` on the same triples (the mapping mints no blank nodes, so the N-Triples round trip is
exact). The child ends when the pipe closes, so a load that is killed leaves no process behind.

>>> import datetime as dt
>>> from pyoxigraph import Literal, NamedNode, Triple
>>> from inburgering.validation.fast_validators import FastValidator
>>> worker = ValidationWorker.start(FastValidator())
>>> worker.submit([Triple(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"), Literal("o"))],
...               reference_date=dt.date(2026, 1, 1))
>>> worker.result()
[]
>>> worker.close()
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from pyoxigraph import RdfFormat, Triple, serialize

from inburgering.errors import ValidationError


class ValidationWorker:
    """A ``FastValidator`` in a child process: ``submit`` a batch, later take its ``result``; one at a time."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self._process = process
        self._conn = conn
        self._waiting = False

    @classmethod
    def start(cls, validator: Any) -> ValidationWorker:
        """Fork a child that runs ``validator.ntriples`` (a ``FastValidator``) on every batch it is sent."""
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(validator, theirs, ours), name="load-validator",
                                  daemon=True)
        process.start()
        theirs.close()
        return cls(process, ours)

    @staticmethod
    def available() -> bool:
        """Whether this platform can fork (the child inherits the compiled shapes instead of re-reading them)."""
        return "fork" in multiprocessing.get_all_start_methods()

    def submit(self, triples: Sequence[Triple], *, reference_date: dt.date) -> None:
        """Send one batch; its findings come from the next :meth:`result`."""
        if self._waiting:
            raise RuntimeError("take the previous batch's result first")
        data = serialize(triples, format=RdfFormat.N_TRIPLES)
        assert data is not None  # serialize returns the bytes when given no output
        self._conn.send_bytes(data)
        self._conn.send(reference_date)
        self._waiting = True

    def result(self) -> list[Any]:
        """The findings of the batch sent last; re-raises the child's error."""
        self._waiting = False
        try:
            ok, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise ValidationError("the validation process ended unexpectedly") from exc
        if not ok:
            raise payload
        return payload  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child (closing the pipe ends its loop)."""
        self._conn.close()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()


def _serve(validator: Any, conn: Connection, parent_end: Connection) -> None:
    parent_end.close()  # else the pipe stays open after the parent dies and this loop never ends
    while True:
        try:
            data = conn.recv_bytes()
            reference_date = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, validator.ntriples(data, reference_date=reference_date))
        except Exception as exc:  # noqa: BLE001 - every error goes back to the load, which raises it
            reply = (False, exc)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - an error that does not pickle goes back as its text
            conn.send((False, ValidationError(f"{type(exc).__name__}: {exc}")))
