"""The example queries of the query page, kept as ``queries/*.rq`` so the benchmark can run them too.

Each file starts with ``# title: …`` and ``# description: …`` comment lines.

>>> titles = [e.title for e in load_examples()]
>>> "Personen per leerroute en gemeente" in titles
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

QUERIES_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class ExampleQuery:
    name: str
    title: str
    description: str
    query: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _header(text: str, key: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"# {key}:"):
            return line.partition(":")[2].strip()
    return ""


@lru_cache(maxsize=1)
def load_examples(folder: Path = QUERIES_DIR) -> tuple[ExampleQuery, ...]:
    """Every ``*.rq`` in ``folder``, sorted by file name."""
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        out.append(ExampleQuery(path.stem, _header(text, "title") or path.stem, _header(text, "description"), text))
    return tuple(out)
