"""The package's exception tree: one root, a subclass per kind of failure.

A user sees ``str(error)``: it names the file, the record and the field, and what was expected.
"""

from __future__ import annotations


class InburgeringError(Exception):
    """Root of every error this package raises on purpose."""


class UsageError(InburgeringError):
    """The command line or the settings are wrong (exit code 2)."""


class SourceError(InburgeringError):
    """An input file or record cannot be read or parsed.

    >>> str(SourceError("bad date", file="a.jsonl", record="line 3", field="pip.dagtekeningPip"))
    'a.jsonl, line 3, field pip.dagtekeningPip: bad date'
    """

    def __init__(self, message: str, *, file: str | None = None, record: str | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.record = record
        self.field = field
        where = ", ".join(part for part in (file, record, f"field {field}" if field else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


class MappingError(SourceError):
    """A record was read but cannot be mapped to the ontology."""


class ValidationError(InburgeringError):
    """Data does not conform to the shapes."""


class StoreError(InburgeringError):
    """The triple store refused or failed an operation."""


class QueryError(StoreError):
    """A SPARQL query is malformed, refused, too slow or too large."""


class QueryTimeout(QueryError):
    """A query ran out of its time limit (the client's, or the one the store was given)."""


class AccessError(InburgeringError):
    """A caller tried to reach data outside its scope."""
