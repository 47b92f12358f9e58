"""Differential fuzzing of the query guard against Oxigraph itself (issue 13, finding 1).

For every generated or mutated text T the guard (``service/sparql.py:check_query``) gives a verdict and, when it
accepts, the text C the store would be given. The engine judges both (``engine_oracle.py``: pyoxigraph's parsers
and the plan of the same Oxigraph release, in a process without network). What must hold:

1. What runs never calls out: when the guard accepts T, the plan of C holds no SERVICE.
2. Nothing the engine would run gets through: when Oxigraph would call a SERVICE for T, the guard refuses T
   with SERVICE; when Oxigraph reads T as an update, the guard refuses it.
3. The guard is not a blunt instrument: when Oxigraph runs T without SERVICE, the guard accepts T and C has the
   very plan of T. A SERVICE refusal of such a T is allowed only where Oxigraph reads the guard's SERVICE word as
   code too (put garbage in its place and T no longer parses: the plan lost it to the optimiser, as in
   ``FILTER NOT EXISTS {} SERVICE …``), or for a prefix holding ``service`` (``service:x {}`` is a SERVICE
   call when ``:`` is declared too; the guard does not try to tell).

The normal suite runs a fixed set of examples (``derandomize``: the same on every run, seconds);
``INBURGERING_FUZZ_EXAMPLES=5000`` runs a longer, random campaign.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inburgering.errors import QueryError
from inburgering.service.sparql import QueryRefused, check_query
from inburgering.store.querylex import QueryInfo, QueryLimits
from inburgering.store.sparqllex import lex

from .engine_oracle import EngineOracle, Verdict, same_plan
from .guard_texts import BASE, mutated, queries, updates

EXAMPLES = int(os.environ.get("INBURGERING_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMITS = QueryLimits(depth=32, tokens=25_000)  # the service's defaults


@pytest.fixture(scope="module")
def oracle() -> Iterator[EngineOracle]:
    judge = EngineOracle()
    yield judge
    judge.close()


def guard(text: str) -> tuple[str, QueryInfo | None]:
    """The guard's verdict: ``service``, ``update``, ``refused`` (another 403), ``invalid`` (400) or ``ok``."""
    try:
        return "ok", check_query(text, base_iri=BASE, limits=LIMITS)
    except QueryRefused as exc:
        message = str(exc)
        return ("service" if "SERVICE" in message else "update" if "read-only" in message else "refused"), None
    except QueryError:
        return "invalid", None


def service_words_are_code(oracle: EngineOracle, text: str) -> bool:
    """Whether Oxigraph reads the guard's SERVICE evidence in ``text`` as code: true for a prefixed name
    holding ``service``; for a word, true when ``text`` with that word replaced by garbage no longer parses."""
    toks = lex(text)
    if any(t.kind == "pname" and "SERVICE" in t.text.upper() for t in toks):
        return True
    return not any(t.kind == "word" and "SERVICE" in t.text.upper()
                   and oracle.judge(text[:t.start] + "S3RV1CE" + text[t.end:], plan=False).query for t in toks)


def check(oracle: EngineOracle, text: str) -> None:
    verdict, info = guard(text)
    engine = oracle.judge(text)
    if info is not None:  # 1: what the guard accepts, the engine runs as C
        sent: Verdict = oracle.judge(info.text)
        assert not sent.service, f"the text given to the store calls SERVICE:\n{text!r}\n{info.text!r}"
    if engine.query and engine.service:  # 2
        assert verdict == "service", f"Oxigraph would call SERVICE, the guard says {verdict}:\n{text!r}"
    if engine.update and not engine.query and verdict == "ok":
        assert not info or not info.text.strip(), f"an update the guard lets through:\n{text!r}"
    if engine.query and not engine.service:  # 3
        if verdict == "service":
            assert service_words_are_code(oracle, text), f"a SERVICE refusal of a query Oxigraph runs without one:\n{text!r}"
        elif verdict != "invalid" or "not declared" not in guard_message(text):
            assert verdict == "ok", f"the guard refuses ({verdict}) what Oxigraph runs:\n{text!r}"
            assert info is not None and same_plan(sent.plan, engine.plan), (
                f"the rewrite changes the query:\n{text!r}\n{info.text!r}\n{engine.plan}\n---\n{sent.plan}")


def guard_message(text: str) -> str:
    try:
        check_query(text, base_iri=BASE, limits=LIMITS)
    except QueryError as exc:
        return str(exc)
    return ""


@FUZZ
@given(text=st.one_of(queries(), mutated(queries())))
def test_guard_agrees_with_the_engine_on_queries(oracle: EngineOracle, text: str) -> None:
    check(oracle, text)


@FUZZ
@given(text=st.one_of(updates(), mutated(updates())))
def test_guard_refuses_every_update_the_engine_would_run(oracle: EngineOracle, text: str) -> None:
    verdict, info = guard(text)
    engine = oracle.judge(text, plan=False)
    if engine.update and not engine.query:
        assert verdict != "ok" or not info or not info.text.strip(), f"an update gets through:\n{text!r}"
