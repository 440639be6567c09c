"""`tidings keys create | rotate | revoke`: a store's API keys. A key is printed once, on
standard output (the notes go to standard error), and kept only as a hash.

`tidings keys rotate KEY --grace 24h` makes the successor of KEY and gives KEY an end: both work
until then, so each client can be moved over before the old key stops.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from typing import Any

from tidings import bootstrap
from tidings.domain.errors import Conflict, InvalidEvent
from tidings.entrypoints.args import database_options, settings_of

UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_SPAN = re.compile(r"^(\d{1,6})([dhms])$")


def register(sub: Any) -> None:
    """Add `tidings keys` to the `tidings` parser's subcommands."""
    keys = sub.add_parser("keys", help="API keys")
    keysub = keys.add_subparsers(required=True, metavar="ACTION")
    kc = keysub.add_parser("create", help="a new API key of one store (shown once)")
    kc.add_argument("--store", required=True, help="the store the key belongs to")
    kc.add_argument("--label", default="", help="a note to tell keys apart")
    database_options(kc)
    kc.set_defaults(run=_create)
    ko = keysub.add_parser("rotate", help="a successor of a key; the old one works --grace longer")
    ko.add_argument("key", help="the key, or its id (tdk_<id>)")
    ko.add_argument("--grace", type=span, default=timedelta(hours=24), help="e.g. 24h (default)")
    database_options(ko)
    ko.set_defaults(run=_rotate)
    kr = keysub.add_parser("revoke", help="revoke an API key (it stops working at once)")
    kr.add_argument("key", help="the key, or its id (tdk_<id>)")
    database_options(kr)
    kr.set_defaults(run=_revoke)


def span(text: str) -> timedelta:
    """A length of time as a number and a unit: 90s, 30m, 24h, 7d."""
    match = _SPAN.match(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"not a length of time like 24h, 30m or 7d: {text!r}")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


def _create(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        key = app.create_key(args.store, args.label)
    except InvalidEvent as exc:
        return _say(f"--store: {exc.reason}", 2)
    finally:
        app.close()
    print(key)
    return _say(f"a key of store {args.store!r}; it is shown only this once", 0)


def _rotate(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        rotated = app.rotate_key(args.key, args.grace)
    except Conflict as exc:
        return _say(str(exc), 2)
    finally:
        app.close()
    if rotated is None:
        return _say("no such key (or revoked, or past its end)", 2)
    print(rotated.key)
    until = rotated.old_key_expires_at.isoformat(timespec="seconds")
    note = f"the successor of tdk_{rotated.old_key_id}, shown only this once; the old key works"
    return _say(f"{note} until {until}", 0)


def _revoke(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        done = app.revoke_key(args.key)
    finally:
        app.close()
    return _say("revoked", 0) if done else _say("no such key (or revoked already)", 2)


def _say(note: str, code: int) -> int:
    print(f"tidings: {note}", file=sys.stderr)
    return code
