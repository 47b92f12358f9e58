"""``inburgering model build | stats | docs | generate | owl-dl``: check, count, document, regenerate the model and
write its OWL 2 DL variant.

``build`` is the model's main job: it parses every Turtle file, runs the checks (texts in nl and en, no markup,
no subclass cycle, NL-SBB concept schemes, OWL RL consistency) and writes the HTML documentation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from inburgering.paths import ONTOLOGY_DIR, ROOT

#: The GGM reference beside the checkout, used for coverage totals when present.
GGM_REFERENCE = ROOT.parent / "shared" / "reference" / "ggm-inburgering-2.5.1.json"
DEFAULT_DOCS = Path("var") / "model-docs"


def _generate(args: argparse.Namespace) -> int:
    from inburgering.model.generate import write_model

    for path in write_model(Path(args.ontology)):
        print(f"wrote {path}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from inburgering.service.publish import load_public_graphs
    from inburgering.settings import Settings
    from inburgering.store import open_settings_store

    settings = Settings(store=args.store) if args.store else Settings()
    store = open_settings_store(settings)
    try:
        report = load_public_graphs(store, base=settings.base_iri, force=args.force)
    finally:
        store.close()
    if report.publication is None:
        print(f"inburgering model publish: {settings.store} already holds this model; nothing changed")
    else:
        names = ", ".join(g.rsplit("/", 1)[-1] for g in report.changed)
        print(f"inburgering model publish: published {names} in {settings.store} "
              f"(publication {report.publication}, {sum(report.triples.values())} triples in the public graphs)")
    return 0


def _owl_dl(args: argparse.Namespace) -> int:
    from inburgering.model.owl_dl import write_owl_dl

    print(f"wrote {write_owl_dl(Path(args.ontology), Path(args.out))}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from inburgering.model.check import load_graph
    from inburgering.model.stats import format_stats, model_stats

    stats = model_stats(load_graph(Path(args.ontology)), ggm_reference=Path(args.ggm) if args.ggm else None)
    print(json.dumps(stats.as_dict(), indent=2) if args.json else format_stats(stats))
    return 0


def _docs(args: argparse.Namespace) -> int:
    from inburgering.model.check import load_graph
    from inburgering.model.docs import write_docs

    for path in write_docs(load_graph(Path(args.ontology)), Path(args.out)):
        print(f"wrote {path}")
    return 0


def _build(args: argparse.Namespace) -> int:
    from inburgering.model.check import check_model, load_graph
    from inburgering.model.docs import write_docs

    graph = load_graph(Path(args.ontology))
    report = check_model(graph, reasoning=not args.no_reasoning)
    for problem in report.problems:
        print(f"model: {problem}", file=sys.stderr)
    if not report.ok:
        print(f"model: {len(report.problems)} problems in {report.triples} triples; no documentation written",
              file=sys.stderr)
        return 1
    written = write_docs(graph, Path(args.out))
    checks = "parsed, texts, markup, subclass cycles, concept schemes" + ("" if args.no_reasoning else ", OWL RL")
    print(f"model ok: {report.triples} triples ({checks}); documentation in {written[0].parent}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ontology", default=str(ONTOLOGY_DIR), help="the ontology folder (default: %(default)s)")


def register(subparsers: Any) -> None:
    """Add ``model`` and its sub-commands to the ``inburgering`` parser."""
    model = subparsers.add_parser("model", help="the ontology and concept schemes: build, stats, docs, generate, publish, "
                                   "owl-dl")
    model.set_defaults(handler=lambda _args: (model.print_help(), 2)[1])
    sub = model.add_subparsers(dest="model_command", metavar="ACTION")

    build = sub.add_parser("build", help="check the model (parse, texts, OWL RL) and write its documentation")
    _common(build)
    build.add_argument("--out", default=str(DEFAULT_DOCS), help="documentation folder (default: %(default)s)")
    build.add_argument("--no-reasoning", action="store_true", help="skip the OWL RL consistency check")
    build.set_defaults(handler=_build)

    stats = sub.add_parser("stats", help="print counts: classes, properties, schemes, concepts, GGM coverage")
    _common(stats)
    stats.add_argument("--ggm", default=str(GGM_REFERENCE) if GGM_REFERENCE.is_file() else None,
                       help="GGM reference JSON for coverage totals (default: %(default)s)")
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(handler=_stats)

    docs = sub.add_parser("docs", help="write HTML documentation of the ontology and the concept schemes")
    _common(docs)
    docs.add_argument("--out", required=True, help="documentation folder")
    docs.set_defaults(handler=_docs)

    gen = sub.add_parser("generate", help="regenerate ontology/*.ttl from ontology/source/*.yaml")
    _common(gen)
    gen.set_defaults(handler=_generate)

    pub = sub.add_parser("publish", help="load or replace the public graphs (ontology, concept schemes, shapes, "
                         "dataset metadata) in a store; idempotent")
    pub.add_argument("--store", help="store folder or remote store URL (default: $INBURGERING_STORE)")
    pub.add_argument("--force", action="store_true", help="publish even when the store holds this model already")
    pub.set_defaults(handler=_publish)

    dl = sub.add_parser("owl-dl", help="write the OWL 2 DL variant (xsd:date as xsd:dateTime) for DL reasoners")
    _common(dl)
    dl.add_argument("--out", default=str(Path("var") / "inburgering-owl-dl.ttl"), help="file (default: %(default)s)")
    dl.set_defaults(handler=_owl_dl)
