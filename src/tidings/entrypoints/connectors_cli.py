"""`tidings connectors add|list|remove|retry|sync|pull`: a store's platforms, from the terminal.

`add` prints the webhook URL to paste into the platform; the secret is never printed. A
platform tidings asks (pulls) takes its app key, token or endpoint as `--setting NAME=VALUE`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from tidings import bootstrap
from tidings.domain.connectors import SOURCES
from tidings.domain.errors import InvalidEvent, PlatformError
from tidings.entrypoints.args import aware_time, database_options, settings_of


def register(sub: Any) -> None:
    """Add `connectors` to the `tidings` parser's subcommands."""
    parser = sub.add_parser("connectors", help="a store's platforms (Shopify, AfterShip, …)")
    actions = parser.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="connect a platform; prints its webhook URL")
    add.add_argument("--store", required=True, help="the store id")
    add.add_argument("--source", required=True, choices=SOURCES, help="the platform")
    add.add_argument(
        "--secret",
        required=True,
        help="the secret it signs its webhooks with (CDEK, Ozon: the URL's token)",
    )
    add.add_argument("--setting", action="append", default=[], type=_setting, metavar="NAME=VALUE",
                     help="a pulled platform's app key, token, endpoint (repeat)")  # fmt: skip
    add.add_argument("--client-id", help="CDEK: the API client id its orders are read back with")
    add.add_argument("--client-secret", default=os.environ.get("CDEK_CLIENT_SECRET"),
                     help="CDEK: the API client secret (default: CDEK_CLIENT_SECRET)")  # fmt: skip
    database_options(add)
    add.set_defaults(run=_add)
    ls = actions.add_parser("list", help="the connectors and their webhook URLs (no secrets)")
    ls.add_argument("--store", help="only this store's")
    database_options(ls)
    ls.set_defaults(run=_list)
    rm = actions.add_parser("remove", help="disconnect a platform: its webhooks get 401")
    rm.add_argument("--store", required=True, help="the store id")
    rm.add_argument("--source", required=True, choices=SOURCES, help="the platform")
    database_options(rm)
    rm.set_defaults(run=_remove)
    rt = actions.add_parser("retry", help="translate again the deliveries that failed")
    rt.add_argument("--store", required=True, help="the store id")
    rt.add_argument("--source", required=True, choices=SOURCES, help="the platform")
    database_options(rt)
    rt.set_defaults(run=_retry)
    sy = actions.add_parser("sync", help="take in the Shopify orders changed since a time")
    sy.add_argument("--store", required=True, help="the store id (its shopify connector added)")
    sy.add_argument("--shop", required=True, help="<name>.myshopify.com")
    sy.add_argument("--since", required=True, type=aware_time, help="RFC 3339, with offset")
    sy.add_argument("--token", default=os.environ.get("SHOPIFY_ACCESS_TOKEN"),
                    help="Admin API access token (default: SHOPIFY_ACCESS_TOKEN)")  # fmt: skip
    database_options(sy)
    sy.set_defaults(run=_sync)
    pl = actions.add_parser("pull", help="ask a pulled platform now for what changed")
    pl.add_argument("--store", required=True, help="the store id")
    pl.add_argument("--source", required=True, choices=SOURCES, help="the platform")
    database_options(pl)
    pl.set_defaults(run=_pull)


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text[:40]!r}")
    return name.strip(), value


def _add(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        settings = dict(args.setting)
        for name in ("client_id", "client_secret"):
            if getattr(args, name):
                settings[name] = getattr(args, name)
        url = app.add_connector(args.store, args.source, args.secret, settings)
        puller = app.puller(args.source)
    except InvalidEvent as exc:
        print(f"tidings: --{str(exc.field).replace('_', '-')}: {exc.reason}", file=sys.stderr)
        return 2
    finally:
        app.close()
    if puller is not None:
        every = int(puller.EVERY.total_seconds())
        print(f"tidings: {args.source} connected to store {args.store!r}; the worker asks it "
              f"every {every} s (now: tidings connectors pull)", file=sys.stderr)  # fmt: skip
        return 0
    print(url)
    print(f"tidings: {args.source} connected to store {args.store!r}; point its webhooks at "
          "the URL above", file=sys.stderr)  # fmt: skip
    return 0


def _list(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        rows = app.connectors(args.store)
    finally:
        app.close()
    for row in rows:
        print(f"{row['store']}\t{row['source']}\t{row['webhook_url']}\t{row['added_at']}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        done = app.remove_connector(args.store, args.source)
    finally:
        app.close()
    print("tidings: removed" if done else "tidings: no such connector", file=sys.stderr)
    return 0 if done else 2


def _retry(args: argparse.Namespace) -> int:
    app = bootstrap.build(settings_of(args))
    try:
        counts = app.retry_failures(args.store, args.source)
    finally:
        app.close()
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing failed")
    return 0


def _sync(args: argparse.Namespace) -> int:
    if not args.token:
        print("tidings: --token (or SHOPIFY_ACCESS_TOKEN) is required", file=sys.stderr)
        return 2
    return _taken_in(args, "shopify", lambda app: app.catch_up_shopify(
        args.store, args.shop, args.token, args.since))  # fmt: skip


def _pull(args: argparse.Namespace) -> int:
    return _taken_in(args, args.source, lambda app: app.pull(args.store, args.source))


def _taken_in(
    args: argparse.Namespace, platform: str, ask: Callable[[bootstrap.App], dict[str, int]]
) -> int:
    """What asking `platform` took in, by outcome; 2 when the store cannot ask it (no such
    connector), 1 when the platform failed."""
    app = bootstrap.build(settings_of(args))
    try:
        counts = ask(app)
    except LookupError as exc:
        print(f"tidings: {exc.args[0]}", file=sys.stderr)
        return 2
    except PlatformError as exc:
        print(f"tidings: {platform}: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing changed")
    return 0
