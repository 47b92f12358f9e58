"""The command line imports only the module of the sub-command it runs, and that table is complete."""

from __future__ import annotations

import subprocess
import sys

from inburgering.cli import COMMAND_MODULES, build_parser


def _commands(parser: object) -> set[str]:
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]  # type: ignore[attr-defined]
    return set(actions[0].choices)


def test_every_module_registers_exactly_the_commands_listed_for_it() -> None:
    for commands in COMMAND_MODULES.values():
        for command in commands:
            assert _commands(build_parser(command)) == set(commands), command
    assert _commands(build_parser()) == {c for commands in COMMAND_MODULES.values() for c in commands}


def test_load_does_not_import_pyshacl() -> None:
    """Neither the parser nor the fast engine's validation of a batch (what ``inburgering load`` runs) imports
    pySHACL or rdflib: about 0.2 s of every load (docs/performance.md)."""
    code = ("import sys, datetime; from inburgering.cli import main; main(['load', '--help'])\n"
            "from pyoxigraph import Literal, NamedNode, Triple\n"
            "from inburgering.loader.checking import validator_for\n"
            "import inburgering.loader.pipeline\n"
            "t = Triple(NamedNode('https://example.org/s'), NamedNode('https://example.org/p'), Literal('o'))\n"
            "assert list(validator_for('fast')([t], reference_date=datetime.date(2026, 1, 1))) == []\n"
            "print('pyshacl' in sys.modules, 'rdflib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "False False", done.stderr
