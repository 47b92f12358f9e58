"""The ``inburgering`` command: one sub-command per concern, each registered by its own module.

Exit codes: 0 success, 1 the data has defects (violations, rejected records), 2 usage or input error.
A user never sees a traceback for bad input: every ``InburgeringError`` becomes one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from inburgering import __version__
from inburgering.errors import InburgeringError

#: Modules that each define ``register(subparsers)``, and the sub-commands each registers; a sub-command's
#: handler returns its exit code.
COMMAND_MODULES = {
    "inburgering.model.cli": ("model",),  # model build | stats | docs
    "inburgering.validation.cli": ("validate",),
    "inburgering.generate.cli": ("generate",),
    "inburgering.loader.cli": ("load", "map", "query"),
    "inburgering.service.cli": ("serve", "demo"),
    "inburgering.security.cli": ("token",),  # token create | list | revoke
    "inburgering.store.cli": ("store",),  # store status | gc | backup | restore
    "inburgering.erasure.cli": ("forget", "retention"),
}

Handler = Callable[[argparse.Namespace], int]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or only of the module that registers ``command``.

    Only that module is imported then: ``inburgering load`` does not pay for importing pySHACL and rdflib (about
    half a second), which other sub-commands need.
    """
    parser = argparse.ArgumentParser(
        prog="inburgering",
        description="Linked data for Dutch civic integration (Wet inburgering 2021): model, validation, loading, service.")
    parser.add_argument("--version", action="version", version=f"inburgering {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [m for m, commands in COMMAND_MODULES.items() if command in commands] or list(COMMAND_MODULES)
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if not exc.name or not name.startswith(exc.name):  # a missing dependency must fail loudly
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (``sys.exit(main())`` in the console script)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list[0] if args_list else None)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse prints its own usage message
        return int(exc.code or 0) if exc.code in (0, None) else 2
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except InburgeringError as exc:
        print(f"inburgering {args.command}: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        print("inburgering: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
