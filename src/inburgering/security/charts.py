"""Bar charts as inline SVG: no script, no external files, so the stats page works offline and under a strict CSP.

>>> svg = bar_chart("Per leerroute", [("B", 228), ("O", None)])
>>> svg.startswith("<svg") and "onderdrukt" in svg and "<script" not in svg
True
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 18, 6, 190, 360, 90


def bar_chart(title: str, items: Sequence[tuple[str, int | None]]) -> str:
    """A horizontal bar per item; a suppressed value (``None``) gets a hatched stub and the word "onderdrukt"."""
    shown = [v for _, v in items if v is not None]
    top = max(shown, default=0) or 1
    height = len(items) * (BAR_HEIGHT + GAP) + 30
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">'),
             f"<title>{escape(title)}</title>",
             ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="3" height="6" fill="#bbb"/></pattern></defs>'),
             f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(items):
        y = 26 + i * (BAR_HEIGHT + GAP)
        text_y = y + BAR_HEIGHT - 4
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" font-size="12" text-anchor="end">'
                     f"{escape(label)}</text>")
        if value is None:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="40" height="{BAR_HEIGHT}" fill="url(#hatch)"/>'
                         f'<text x="{LABEL_WIDTH + 46}" y="{text_y}" font-size="12" fill="#555">onderdrukt</text>')
            continue
        length = max(1, round(BAR_WIDTH * value / top)) if value else 0
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="#2b6cb0">'
                     f"<title>{escape(label)}: {value}</title></rect>"
                     f'<text x="{LABEL_WIDTH + length + 6}" y="{text_y}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)
