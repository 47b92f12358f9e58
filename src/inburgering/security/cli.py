"""``inburgering token create | list | revoke``: manage the bearer tokens of a deployment.

The token is printed once, by ``create``, on stdout; nothing else ever shows it again.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inburgering.security.auth import token_db_path
from inburgering.security.tokens import ROLES, TokenRecord, TokenStore
from inburgering.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("token", help="create, list or revoke bearer tokens for protected data")
    actions = parser.add_subparsers(dest="token_action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="create a token and print it once")
    _common(create)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--gemeente", action="append", default=[], metavar="GMxxxx",
                        help="a municipality whose data the token may read (repeatable)")
    create.add_argument("--special-categories", action="store_true",
                        help="may also read special-category facts (health, justice, addiction)")
    create.add_argument("--label", default="", help="who or what the token is for (no personal data)")
    create.set_defaults(handler=_create)

    listing = actions.add_parser("list", help="list tokens (ids, roles, scopes; never the tokens)")
    _common(listing)
    listing.set_defaults(handler=_list)

    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    _common(revoke)
    revoke.add_argument("token_id", metavar="TOKEN_ID")
    revoke.set_defaults(handler=_revoke)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="the store the tokens are for (default: INBURGERING_STORE)")
    parser.add_argument("--token-db", help="the token database (default: STORE.tokens.sqlite beside the store)")


def _tokens(args: argparse.Namespace) -> TokenStore:
    overrides = {k: v for k, v in (("store", args.store), ("token_db", args.token_db)) if v}
    return TokenStore(token_db_path(Settings(**overrides)))


def _describe(record: TokenRecord) -> str:
    gemeenten = ",".join(record.gemeenten) or "-"
    special = "special-categories" if record.special_categories else "-"
    state = f"revoked {record.revoked}" if record.revoked else "active"
    return f"{record.token_id}\t{record.role}\t{gemeenten}\t{special}\t{record.created}\t{state}\t{record.label}"


def _create(args: argparse.Namespace) -> int:
    tokens = _tokens(args)
    try:
        issued = tokens.create(role=args.role, gemeenten=args.gemeente, special_categories=args.special_categories,
                               label=args.label)
    finally:
        tokens.close()
    print(issued.token)
    print(f"token {issued.record.token_id} created ({args.role}, "
          f"{','.join(issued.record.gemeenten) or 'no municipalities'}); it is shown only this once",
          file=sys.stderr)
    if not issued.record.gemeenten:
        print("note: a token without --gemeente reads no instance data (only what is public)", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    tokens = _tokens(args)
    try:
        records = tokens.records()
    finally:
        tokens.close()
    print("id\trole\tgemeenten\tspecial\tcreated\tstate\tlabel")
    for record in records:
        print(_describe(record))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    tokens = _tokens(args)
    try:
        record = tokens.revoke(args.token_id)
    finally:
        tokens.close()
    print(_describe(record))
    return 0
