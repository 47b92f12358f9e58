"""docs/cookbook.md documents every saved query as it is: its titles, description, parameters, an example call and
its text. The section is generated; ``INBURGERING_WRITE_DOCS=1`` rewrites it, otherwise it must be up to date."""

from __future__ import annotations

import os
from pathlib import Path

from inburgering.service.cookbook import SavedQuery, load_cookbook

DOC = Path(__file__).resolve().parents[2] / "docs" / "cookbook.md"
START = "<!-- generated from src/inburgering/service/queries by tests/service/test_cookbook_docs.py -->\n"
END = "<!-- end of generated part -->\n"


def section(q: SavedQuery) -> str:
    out = [f"### {q.title.nl}\n", f"*{q.title.en}* — `{q.name}`\n", q.description.nl + "\n"]
    rows = []
    for p in q.parameters:
        default = "vandaag" if p.default == "today" else ("" if p.default is None else str(p.default))
        bounds = f", {p.minimum}–{p.maximum}" if p.minimum is not None else ""
        rows.append(f"| `{p.name}` | {p.type}{' (herhaalbaar)' if p.multiple else ''}{bounds} | {default} |")
    for c in q.computed:
        kind = "getal jjjjmmdd" if c.as_number else "date"
        rows.append(f"| `_{c.name}` (berekend) | {kind}: `{c.source}` {'' if c.offset == 'P0D' else c.offset} | |")
    if rows:
        out.append("| parameter | type | standaard |\n|---|---|---|\n" + "\n".join(rows) + "\n")
    example = [f"{k}={v}" for k, v in (("gemeente", "GM0363"), ("peildatum", "2026-11-01")) if q.parameter(k)]
    call = "&".join([*example, "format=csv"])
    out.append(f'```sh\ncurl -H "Authorization: Bearer $TOKEN" \\\n  "http://127.0.0.1:8000/api/queries/{q.name}?{call}"\n```\n')
    body = "\n".join(line for line in q.query.splitlines() if not line.startswith("#+")).strip()
    out.append(f"<details><summary>De query (<code>src/inburgering/service/queries/{q.name}.rq</code>)</summary>\n")
    out.append(f"```sparql\n{body}\n```\n</details>\n")
    return "\n".join(out)


def test_the_cookbook_documents_every_saved_query_as_it_is() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    generated = "\n".join(section(q) for q in load_cookbook())
    if os.environ.get("INBURGERING_WRITE_DOCS"):
        DOC.write_text(head + START + "\n" + generated + "\n" + END + tail, encoding="utf-8")
    assert rest.split(END)[0] == "\n" + generated + "\n", "run with INBURGERING_WRITE_DOCS=1 to regenerate"
    for q in load_cookbook():  # and the overview table names each
        assert f"| `{q.name}` |" in head
