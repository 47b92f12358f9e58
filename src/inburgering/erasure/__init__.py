"""Forgetting persons: erasure on request (``inburgering forget``) and the retention rule
(``inburgering retention``); docs/operations.md, "Forgetting a person and retention"."""

from inburgering.erasure.erase import ForgetReport, forget
from inburgering.erasure.retention import Due, due

__all__ = ["Due", "ForgetReport", "due", "forget"]
