"""Run the service in a real uvicorn process for the end-to-end tests, optionally with an injected scope.

``--scope admin`` stands in for an admin token until token authentication exists (issue 6).
"""

from __future__ import annotations

import argparse

import uvicorn

from inburgering.security.scope import PUBLIC, AccessScope
from inburgering.service import create_app
from inburgering.service.deps import get_scope
from inburgering.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scope", choices=("public", "admin"), default="public")
    args = parser.parse_args()
    app = create_app(Settings(store=args.store, host="127.0.0.1", port=args.port))
    scope = AccessScope(token_id="test-admin", role="admin") if args.scope == "admin" else PUBLIC
    app.dependency_overrides[get_scope] = lambda: scope
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
