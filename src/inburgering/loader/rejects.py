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


#: Longest ``value`` written as it is (characters of its JSON text); a longer one is cut, its length said.
MAX_VALUE = 500


def shown_value(value: Any) -> Any:
    """``value`` for the rejects file: as it is, or cut to ``MAX_VALUE`` characters when longer (a 200,000-character
    string or a large object in a bad record would otherwise be copied whole into the file, once per problem).

    >>> shown_value("x" * 600)[-40:]
    'xxxxxxxxxxxxxxx… (602 characters in all)'
    """
    if value is None or isinstance(value, (bool, float)) or isinstance(value, str) and len(value) <= MAX_VALUE:
        return value
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_VALUE:
        return value
    return f"{text[:MAX_VALUE]}… ({len(text):,} characters in all)"


class RejectsWriter:
    """Append rejects to a JSON Lines file (created or truncated on open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # backslashreplace: a lone surrogate that reached a value is written as its JSON escape (\ud800).
        self._file: IO[str] = self.path.open("w", encoding="utf-8", errors="backslashreplace")
        self.count = 0

    def write(self, reject: Reject) -> None:
        entry = asdict(reject)
        entry["value"] = shown_value(entry["value"])
        self._file.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
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
