"""``inburgering model build | stats | docs | generate``: check, count, document and regenerate the model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inburgering.paths import ONTOLOGY_DIR


def _generate(args: argparse.Namespace) -> int:
    from inburgering.model.generate import write_model

    for path in write_model(Path(args.ontology)):
        print(f"wrote {path}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``model`` and its sub-commands to the ``inburgering`` parser."""
    model = subparsers.add_parser("model", help="the ontology and concept schemes: build, stats, docs, generate")
    model.set_defaults(handler=lambda _args: (model.print_help(), 2)[1])
    sub = model.add_subparsers(dest="model_command", metavar="ACTION")
    gen = sub.add_parser("generate", help="regenerate ontology/*.ttl from ontology/source/*.yaml")
    gen.add_argument("--ontology", default=str(ONTOLOGY_DIR), help="the ontology folder (default: %(default)s)")
    gen.set_defaults(handler=_generate)
