"""``inburgering serve`` (the service over a store) and ``inburgering demo`` (sample data, then serve)."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from inburgering.errors import UsageError
from inburgering.paths import DATA_DIR
from inburgering.settings import Settings

DEMO_KEY = Path("var/demo-pseudonym.key")


def _settings(args: argparse.Namespace) -> Settings:
    """Environment (``INBURGERING_*``) first, flags on top."""
    overrides: dict[str, Any] = {}
    for flag in ("store", "host", "port", "base_iri", "audit_log", "public_url", "token_db", "workers"):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[flag] = value
    if getattr(args, "trusted_proxy", None):
        overrides["trusted_proxies"] = args.trusted_proxy
    return Settings(**overrides)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="store folder, memory:, or a SPARQL endpoint URL (default var/store)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int,
                        help="service processes sharing the port (default 1; an on-disk or remote store only)")
    parser.add_argument("--base-iri", dest="base_iri", help="production base of instance IRIs")
    parser.add_argument("--public-url", dest="public_url",
                        help="where clients reach the service: every link is built from it, never from a "
                             "request's Host header (default http://HOST:PORT)")
    parser.add_argument("--trusted-proxy", dest="trusted_proxy", action="append", metavar="ADDRESS",
                        help="a reverse proxy (address or network) whose X-Forwarded-For names the client; "
                             "repeat for more (default: none, the header is never read)")
    parser.add_argument("--audit-log", dest="audit_log", type=Path, help="JSON Lines audit log file")
    parser.add_argument("--token-db", dest="token_db", type=Path,
                        help="bearer-token database (default: STORE.tokens.sqlite beside an embedded store)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = subparsers.add_parser("serve", help="run the SPARQL endpoint and linked-data service")
    _add_common(serve)
    serve.add_argument("--ask-ahead-only", dest="ask_ahead_only", action="store_true",
                       help="do not serve: ask the saved queries for every analyst token's municipalities over the "
                            "current publication into the kept answers (STORE.kept.sqlite), then stop; after a "
                            "national load, so that the service answers them from its first request")
    serve.set_defaults(handler=run_serve)
    demo = subparsers.add_parser("demo", help="load the sample data into var/store and serve it on 127.0.0.1:8000")
    _add_common(demo)
    demo.add_argument("--no-serve", action="store_true", help="prepare the store, then stop (for tests)")
    demo.set_defaults(handler=run_demo)


def serve(settings: Settings) -> None:
    """Serve ``settings.store`` on ``settings.host:settings.port`` until interrupted."""
    import uvicorn

    from inburgering.service.app import SETTINGS_ENV, create_app
    from inburgering.service.http_protocol import configure

    if settings.workers < 1:
        raise UsageError(f"--workers {settings.workers}: expected 1 or more")
    if settings.workers > 1 and settings.store == "memory:":
        raise UsageError("--workers above 1 needs an on-disk or remote store: every process would have its own "
                         "empty in-memory store")
    if settings.workers == 1:
        app = create_app(settings)
    else:
        from inburgering.service.app import check_service_store

        check_service_store(settings)  # fail here, once, rather than in every worker process
    if settings.public_url is None and settings.host in ("", "0.0.0.0", "::"):
        print("inburgering: listening on every interface without --public-url: links in answers will name "
              "the loopback address; set --public-url to where clients reach the service", flush=True)
    print(f"inburgering: serving {settings.store} on http://{settings.host}:{settings.port}/ "
          f"(SPARQL at /sparql; {settings.workers} process{'es' if settings.workers > 1 else ''}; Ctrl-C stops)",
          flush=True)
    limits = configure(settings)  # deadlines for slow clients (http_protocol.py), in this process
    if settings.workers == 1:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", access_log=False, **limits)
        return
    # Worker processes are fresh interpreters (spawn): each builds the app from the settings in its environment
    # (and sets the same limits there, app_from_environment).
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    uvicorn.run("inburgering.service.app:app_from_environment", factory=True, workers=settings.workers,
                host=settings.host, port=settings.port, log_level="info", access_log=False, **limits)


def run_serve(args: argparse.Namespace) -> int:
    if args.ask_ahead_only:
        return ask_ahead_only(_settings(args))
    serve(_settings(args))
    return 0


def ask_ahead_only(settings: Settings) -> int:
    """``serve --ask-ahead-only``: the service's start-up asking (``app.ask_ahead``) on all cores, then stop."""
    import asyncio

    from inburgering.service.app import ask_ahead

    done = asyncio.run(ask_ahead(settings, workers=max(1, os.cpu_count() or 1)))
    if not done.queries:
        print("inburgering serve --ask-ahead-only: nothing to ask: no analyst token reads a municipality, and no "
              "saved query was asked before (inburgering token create)")
        return 0
    print(f"inburgering serve --ask-ahead-only: publication {done.publication}: {done.asked} answers asked (a saved "
          f"query's for one municipality each) in {done.seconds:.1f} s, {done.kept_new} of them kept; {done.kept} "
          "answers kept in all"
          + (f"; {done.claimed_elsewhere} left to a running service that had claimed them"
             if done.claimed_elsewhere else ""))
    failed = max(0, done.asked - done.kept_new)
    if failed:
        print(f"inburgering serve --ask-ahead-only: {failed} answers were not kept (out of time, or failed); the "
              "service asks them again at its start", file=sys.stderr)
    return 0


def demo_key(path: Path = DEMO_KEY) -> bytes:
    """The demo's pseudonym key: made once, kept in ``var/``; never use it for real data."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        path.chmod(0o600)
        print(f"inburgering demo: made a DEMO pseudonym key at {path} (random; for the sample data only)")
    else:
        print(f"inburgering demo: using the DEMO pseudonym key at {path} (for the sample data only)")
    return bytes.fromhex(path.read_text(encoding="utf-8").strip())


def prepare_demo(settings: Settings, *, sample: Path = DATA_DIR / "sample" / "duo.jsonl") -> None:
    """Load the sample (once) and the public graphs into ``settings.store``, then close it for serving."""
    from inburgering.service.demo import load_sample
    from inburgering.service.publish import load_public_graphs
    from inburgering.store import open_settings_store

    key = demo_key()
    store = open_settings_store(settings)
    try:  # the model first, so the sample's publication describes it (dataset metadata)
        report = load_public_graphs(store, base=settings.base_iri)
        total = sum(report.triples.values())
        print("inburgering demo: " + ("published the model" if report.publication else "the model is current")
              + f" ({total} triples: ontology, concepts, shapes, metadata; as `inburgering model publish`)")
        print(load_sample(store, settings=settings, key=key, sample=sample))
    finally:
        store.close()


def run_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    prepare_demo(settings)
    from inburgering.service.demo import demo_token

    token_note = demo_token(settings)
    if token_note:
        print(token_note)
    if not args.no_serve:
        serve(settings)
    return 0
