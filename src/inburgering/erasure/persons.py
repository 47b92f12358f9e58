"""Which terms belong to a person: the rule ``forget`` removes by, once in Python and once as a SPARQL filter.

The mapping mints every resource of a person from the pseudonym: ``{base}/id/{type}/{pseudonym}`` (the person)
and ``{base}/id/{type}/{pseudonym}-{key}`` (their duty, PIP, exams, hours, …; ``mapping/engine.py``). A triple
belongs to a person when its subject or its object is such an IRI, or its object is a literal equal to one of
the person's pseudonyms (``inb:pseudoniem``, ``inb:vnummerPseudoniem``). Shared resources (an institution,
``{base}/id/instelling/{number}``; municipalities; concepts) are not the person's and stay.

>>> rule = PersonRule("https://d.org", ["0f1e2d3c4b5a69788796a5b4c3d2e1f0"])
>>> rule.owns_iri("https://d.org/id/pip/0f1e2d3c4b5a69788796a5b4c3d2e1f0-1")
True
>>> rule.owns_iri("https://d.org/id/instelling/1000001917"), rule.owns_iri("https://e.org/id/pip/0f1e2d3c4b5a69788796a5b4c3d2e1f0")
(False, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, Triple

from inburgering.errors import UsageError
from inburgering.loader.pseudonym import PSEUDONYM_HEX, Pseudonymiser
from inburgering.sources.bsn import bsn_problem

#: A pseudonym as the loader writes it: 32 lower-case hex characters.
PSEUDONYM = re.compile(rf"[0-9a-f]{{{PSEUDONYM_HEX}}}")
#: Pseudonyms per SPARQL filter: a regular expression of 1,000 alternatives ran for minutes in Oxigraph, 200 in
#: about the time of one.
CHUNK = 200


def check_pseudonym(value: str) -> str:
    """``value`` as a pseudonym (lower-cased), or ``UsageError``.

    >>> check_pseudonym("0F1E2D3C4B5A69788796A5B4C3D2E1F0")
    '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
    """
    text = value.strip().lower()
    if not PSEUDONYM.fullmatch(text):
        raise UsageError(f"--pseudonym: not a pseudonym ({PSEUDONYM_HEX} hexadecimal characters, as in the IRI "
                         "{base}/id/persoon/{pseudonym})")
    return text


def pseudonym_of_bsn(bsn: str, *, key: bytes) -> str:
    """The pseudonym the loader gives ``bsn`` under ``key``; ``UsageError`` for a number that is no BSN (the
    message never repeats the number)."""
    problem = bsn_problem(bsn.strip())
    if problem is not None:
        raise UsageError(f"--bsn: not a BSN ({problem})")
    return Pseudonymiser(key).bsn(bsn.strip())


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _regex_escape(text: str) -> str:
    """``text`` as a literal in an XPath regular expression (SPARQL ``REGEX``)."""
    return re.sub(r"([.\\?*+{}()\[\]^$|-])", r"\\\1", text)


@dataclass(frozen=True)
class PersonRule:
    """The terms of the persons with these ``pseudonyms`` (``extra``: more literals of theirs, such as their
    V-nummer pseudonyms) under ``base``."""

    base: str
    pseudonyms: Sequence[str]
    extra: Sequence[str] = ()
    _iri: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _keys: frozenset[str] = field(init=False, repr=False, compare=False)
    _literals: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        base = self.base.rstrip("/")
        object.__setattr__(self, "_iri", re.compile(rf"^{re.escape(base)}/id/[^/]+/([0-9a-f]{{{PSEUDONYM_HEX}}})"
                                                    r"(?:-[^/]*)?$"))
        object.__setattr__(self, "_keys", frozenset(self.pseudonyms))
        object.__setattr__(self, "_literals", frozenset([*self.pseudonyms, *self.extra]))

    def owner(self, iri: str) -> str | None:
        """The pseudonym of the person ``iri`` belongs to, when it is one of ours."""
        m = self._iri.match(iri)
        return m.group(1) if m is not None and m.group(1) in self._keys else None

    def owns_iri(self, iri: str) -> bool:
        return self.owner(iri) is not None

    def owns(self, triple: Triple | Quad) -> bool:
        """Whether ``triple`` belongs to one of the persons: its subject or object is theirs, or its object is a
        literal equal to one of their pseudonyms."""
        s, o = triple.subject, triple.object
        if isinstance(s, NamedNode) and self.owns_iri(s.value):
            return True
        if isinstance(o, NamedNode):
            return self.owns_iri(o.value)
        return isinstance(o, Literal) and o.value in self._literals

    def chunks(self) -> Iterator[PersonRule]:
        """This rule split into rules of at most :data:`CHUNK` persons (for SPARQL filters)."""
        people = sorted(self.pseudonyms)
        for start in range(0, len(people), CHUNK):
            yield PersonRule(self.base, people[start:start + CHUNK], self.extra if start == 0 else ())

    def sparql_filter(self) -> str:
        """A SPARQL expression true for the triples ``?s ?p ?o`` that :meth:`owns` (for up to :data:`CHUNK`
        persons: see :meth:`chunks`)."""
        base = _regex_escape(self.base.rstrip("/"))
        pattern = _sparql_string(f"^{base}/id/[^/]+/({'|'.join(sorted(self.pseudonyms))})(-[^/]*)?$")
        literals = ", ".join(_sparql_string(v) for v in sorted(self._literals))
        return (f"((isIRI(?s) && REGEX(STR(?s), {pattern})) || (isIRI(?o) && REGEX(STR(?o), {pattern}))"
                f" || (isLiteral(?o) && STR(?o) IN ({literals})))")


def trace_filter(needles: Iterable[str]) -> str:
    """A SPARQL expression true for a triple ``?s ?p ?o`` whose subject or object holds one of ``needles``
    anywhere in its text: broader than :class:`PersonRule`, so the proof also finds what the rule might have
    missed. (Predicates are vocabulary terms; looking at them too made the scan a third slower.)"""
    alternatives = "|".join(sorted(re.escape(n) for n in needles))
    pattern = _sparql_string(alternatives)
    return f"(REGEX(STR(?s), {pattern}) || REGEX(STR(?o), {pattern}))"


__all__ = ["CHUNK", "PSEUDONYM", "PersonRule", "check_pseudonym", "pseudonym_of_bsn", "trace_filter"]
