"""The rejects report: one JSON line per reason a record was not published ("nothing lost").

Each line names the source file, the record (``line 3``, ``id 7``), the field, the value and the reason, and
the rule IRI when a SHACL shape rejected it. The file holds personal data locators (line numbers, invalid
BSNs as written): keep it as confidential as the source itself.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, Self

Stage = Literal["source", "mapping", "shacl", "load"]


@dataclass(frozen=True)
class Reject:
    """Why one record (or one finding about it) was not published."""

    source: str
    record: str
    field: str | None
    value: Any
    reason: str
    stage: Stage
    rule: str | None = None
    #: The person's pseudonym when the record was read far enough to make one.
    pseudonym: str | None = None
    #: The SHACL focus node (stage ``shacl``).
    focus: str | None = None
    #: ``Violation``, ``Warning``… (stage ``shacl``); warnings are listed but the person is still published.
    severity: str | None = None


class RejectsWriter:
    """Append rejects to a JSON Lines file (created or truncated on open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self.count = 0

    def write(self, reject: Reject) -> None:
        self._file.write(json.dumps(asdict(reject), ensure_ascii=False, default=str) + "\n")
        self.count += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def read_rejects(path: str | Path) -> list[dict[str, Any]]:
    """The entries of a rejects file (for tests and reports)."""
    with Path(path).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
