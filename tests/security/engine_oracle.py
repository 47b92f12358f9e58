"""The engine as a judge of the query guard: what Oxigraph itself makes of a text, asked without any network.

``EngineOracle`` starts one helper process (this file run as a script) that first installs the query workers'
own sandbox (``service/sandbox.py``: no sockets), so a ``SERVICE`` or ``LOAD`` the engine evaluates fails there
instead of reaching anything. For each text the helper answers:

- ``query`` / ``update``: whether pyoxigraph's query parser and update parser accept it (a ``SyntaxError`` is
  the only refusal; any other error comes after parsing);
- ``plan``: the evaluation plan of the Oxigraph CLI of the same release (``oxigraph query --explain-file``, run
  as a child of the sandboxed helper, on an empty store), which lists every ``Service(…)`` node the engine would
  call. This is what makes the oracle sound where a listening socket is not: on an empty store Oxigraph skips
  the other side of a join whose first side is empty, so a ``SERVICE`` behind an empty pattern is never called
  and a listener would hear nothing, while the plan holds it. The plan is the optimised one: a ``SERVICE`` under
  ``FILTER(false)`` is gone from it, and it would not run either.

The plan is normalised for comparison: the engine's random names of hidden variables and blank nodes become
``?_`` and ``_:_``, and the branches of a union and the keys of a join are sorted; ``same_plan`` also allows the
operands of ``&&`` in another order (all three vary from run to run).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_RANDOM_VAR = re.compile(r"\?[0-9a-f]{24,32}\b")
_RANDOM_BNODE = re.compile(r"_:[0-9a-f]{16,}\b")
_JOIN_KEYS = re.compile(r"keys = ([^)]*)")


@dataclass(frozen=True)
class Verdict:
    """What the engine makes of one text."""

    query: bool  # the query parser accepts it
    update: bool  # the update parser accepts it
    plan: str | None = None  # the normalised plan (None: not asked, or the query does not parse)
    service: bool = False  # the plan holds a SERVICE call
    error: str = ""


def _names(node: dict[str, Any], out: list[str], depth: int = 0) -> None:
    out.append("  " * depth + node["name"])
    for child in node.get("children", []):
        _names(child, out, depth + 1)


def _text(node: dict[str, Any], depth: int = 0) -> str:
    """The tree as indented lines; the branches of a Union sorted (Oxigraph's order of them varies by run)."""
    children = [_text(child, depth + 1) for child in node.get("children", [])]
    if node["name"].startswith("Union"):
        children.sort()
    name = _RANDOM_BNODE.sub("_:_", _RANDOM_VAR.sub("?_", node["name"]))
    name = _JOIN_KEYS.sub(lambda m: "keys = " + ", ".join(sorted(m.group(1).split(", "))), name)
    return "\n".join(["  " * depth + name, *children])


def normalise(plan: dict[str, Any]) -> str:
    return _text(plan)


_WORDS = re.compile(r"\w+|[^\w\s]")


def same_plan(a: str | None, b: str | None) -> bool:
    """Whether two normalised plans are the same up to the order in which Oxigraph prints the operands of ``&&``
    (it varies from run to run too): equal as texts, or as multisets of their words and signs."""
    if a is None or b is None:
        return a is b
    return a == b or sorted(_WORDS.findall(a)) == sorted(_WORDS.findall(b))


def _serve() -> None:  # pragma: no cover - runs in the helper process
    """The helper: sandbox first, then answer one JSON request per line on stdin."""
    from inburgering.service.sandbox import deny_network

    deny_network()
    import pyoxigraph

    cli = sys.argv[1]
    shm = Path("/dev/shm")
    work = Path(tempfile.mkdtemp(prefix="oracle-", dir=shm if shm.is_dir() else None))
    store = pyoxigraph.Store(str(work / "store"))
    del store
    for line in sys.stdin:
        request = json.loads(line)
        text = request["text"]
        answer: dict[str, Any] = {"query": True, "update": True}
        for kind in ("query", "update"):
            try:
                getattr(pyoxigraph.Store(), kind)(text)
            except SyntaxError as exc:
                answer[kind] = False
                answer["error"] = answer.get("error") or str(exc)
            except Exception:  # noqa: BLE001, S110 - evaluation failed after parsing (no network here): parsed
                pass
        if request.get("plan") and answer["query"]:
            (work / "q.rq").write_text(text, encoding="utf-8")
            plan_file = work / "plan.json"
            plan_file.unlink(missing_ok=True)
            done = subprocess.run([cli, "query", "--location", str(work / "store"), "--query-file",
                                   str(work / "q.rq"), "--results-format", "tsv", "--results-file",
                                   str(work / "results"),
                                   "--explain-file", str(plan_file)], capture_output=True, text=True, timeout=60,
                                  check=False)  # an evaluation error is expected (no network): the plan counts
            if plan_file.is_file():
                answer["plan"] = json.loads(plan_file.read_text(encoding="utf-8"))["plan"]
            else:
                answer["error"] = done.stderr.strip().splitlines()[0] if done.stderr.strip() else "no plan"
        print(json.dumps(answer), flush=True)
    shutil.rmtree(work, ignore_errors=True)


class EngineOracle:
    """One sandboxed helper process; ``judge(text)`` asks it about one text."""

    def __init__(self) -> None:
        import pyoxigraph

        cli = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
        if cli is None:
            raise RuntimeError("the `oxigraph` command is not installed (pip install oxigraph)")
        version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
        if version != pyoxigraph.__version__:
            raise RuntimeError(f"the oxigraph CLI is {version}, pyoxigraph {pyoxigraph.__version__}: the plan "
                               "would come from another parser")
        self.process = subprocess.Popen([sys.executable, __file__, cli], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def judge(self, text: str, *, plan: bool = True) -> Verdict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"text": text, "plan": plan}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the oracle helper died")
        answer = json.loads(line)
        tree = answer.get("plan")
        names: list[str] = []
        if tree is not None:
            _names(tree, names)
        return Verdict(answer["query"], answer["update"], normalise(tree) if tree is not None else None,
                       any(name.strip().startswith("Service(") for name in names), answer.get("error", ""))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(10)


if __name__ == "__main__":
    _serve()
