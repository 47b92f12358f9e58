"""BSNs out of the audit log: a number that passes the elfproef, typed into a path or a query, becomes a marker.

A number is a run of 8 or 9 ASCII digits (an 8-digit one is an old BSN without its leading 0), or 9 digits
written in the groups people type (``1234.56.782``, ``123 456 782``, ``123-456-782``), with no digit right
before or after it. Letters around it do not save it (``bsn123456782`` is masked), except inside a run of 32 or
more hexadecimal characters: that is a pseudonym (an HMAC, ``loader/pseudonym.py``), whose digits are chance,
and the log must name the pseudonymous resource that was read. About one 9-digit number in eleven passes the
elfproef by chance: such a number is masked too, which costs the log nothing it needs.

>>> mask_bsn("/doc/persoon/123456782.ttl")
'/doc/persoon/[bsn].ttl'
>>> mask_bsn('SELECT * { ?p ?x "1234.56.782" , 12345678 }')   # 12345678 is 012345678: no BSN
'SELECT * { ?p ?x "[bsn]" , 12345678 }'
>>> mask_bsn("/id/persoon/0f1e2d3c123456782a69788796a5b4c3d2e1")   # a pseudonym stays whole
'/id/persoon/0f1e2d3c123456782a69788796a5b4c3d2e1'
"""

from __future__ import annotations

import re

from inburgering.sources.bsn import elfproef

MARKER = "[bsn]"
_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{8,9}|[0-9]{4}([ .-])[0-9]{2}\1[0-9]{3}|[0-9]{3}([ .-])[0-9]{3}\2[0-9]{3})"
                     r"(?![0-9])")
_PSEUDONYM = re.compile(r"[0-9a-fA-F]{32,}")


def _is_bsn(text: str) -> bool:
    digits = re.sub(r"[^0-9]", "", text).rjust(9, "0")
    return elfproef(digits)


def mask_bsn(text: str) -> str:
    """``text`` with every number that passes the elfproef replaced by ``[bsn]`` (see the module docstring)."""
    if not any(c.isdigit() for c in text):
        return text
    kept = [m.span() for m in _PSEUDONYM.finditer(text)]

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        if any(a <= start and end <= b for a, b in kept) or not _is_bsn(match.group()):
            return match.group()
        return MARKER

    return _NUMBER.sub(replace, text)


__all__ = ["MARKER", "mask_bsn"]
