"""The BSN check: nine digits that pass the elfproef (weights 9..2 and -1, sum divisible by 11).

>>> bsn_problem("999990019")
>>> bsn_problem("999990018")
'elfproef'
>>> bsn_problem("12345")
'not 9 digits'
"""

from __future__ import annotations

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def elfproef(digits: str) -> bool:
    """True when the nine ``digits`` pass the elfproef (the BSN variant, last digit weighted -1)."""
    total = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True))
    return total % 11 == 0 and total != 0


def bsn_problem(value: object) -> str | None:
    """``None`` for a valid BSN, else the reason: ``'not 9 digits'`` or ``'elfproef'``."""
    if not isinstance(value, str) or len(value) != 9 or not value.isascii() or not value.isdigit():
        return "not 9 digits"
    return None if elfproef(value) else "elfproef"


def is_valid_bsn(value: object) -> bool:
    """True for a nine-digit string that passes the elfproef.

    >>> is_valid_bsn("999990019"), is_valid_bsn("999990018")
    (True, False)
    """
    return bsn_problem(value) is None


def is_test_bsn(value: object) -> bool:
    """True for a valid BSN in the test range 9999xxxxx (the only BSNs synthetic data may use)."""
    return isinstance(value, str) and value.startswith("9999") and is_valid_bsn(value)
