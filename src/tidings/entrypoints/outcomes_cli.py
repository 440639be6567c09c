"""`tidings score`, `tidings report` and `tidings targets`: measured outcomes on the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from tidings import bootstrap
from tidings.domain.errors import TidingsError
from tidings.entrypoints.args import aware_time, database_options, day, settings_of
from tidings.entrypoints.outcomes_tables import print_report


def register(sub: Any) -> None:
    """Add the outcome commands to the `tidings` parser's subcommands."""
    sc = sub.add_parser("score", help="the store service score (JSON)")
    sc.add_argument("--store", required=True, help="store id")
    sc.add_argument("--at", type=aware_time, help="as of this time (RFC 3339; default now)")
    database_options(sc)
    sc.set_defaults(run=_score)
    rp = sub.add_parser("report", help="what the messages of a period sent and brought back")
    rp.add_argument("--store", required=True, help="store id")
    rp.add_argument("--from", dest="first", required=True, type=day, help="first day (local)")
    rp.add_argument("--to", dest="last", required=True, type=day, help="last day (local)")
    rp.add_argument("--json", action="store_true", help="JSON instead of tables")
    database_options(rp)
    rp.set_defaults(run=_report)
    tg = sub.add_parser("targets", help="show, set or clear a store's score targets (JSON)")
    tg.add_argument("--store", required=True, help="store id")
    tg.add_argument("--set", action="append", default=[], metavar="METRIC=VALUE", type=_pair)
    tg.add_argument("--clear", action="append", default=[], metavar="METRIC")
    database_options(tg)
    tg.set_defaults(run=_targets)


def _pair(text: str) -> tuple[str, str]:
    metric, sep, value = text.partition("=")
    if not sep or not metric or not value:
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE, not {text!r}")
    return metric.strip(), value.strip()


def _app(args: argparse.Namespace) -> bootstrap.App:
    settings = settings_of(args)
    url = settings.database_url
    if "://" not in url and not Path(url).exists():
        raise _NoDatabase(
            f"no database at {url}: give the one a replay kept or a server fills with --db "
            "(e.g. `tidings replay EVENTS.jsonl --db tidings.db`), or make it with "
            "`tidings db upgrade`"
        )
    return bootstrap.build(settings)


class _NoDatabase(Exception):
    pass


def _run(args: argparse.Namespace, use: Any) -> int:
    """Run `use(app)`; a refusal (unknown store, bad target) is a message and exit code 2."""
    try:
        app = _app(args)
    except (_NoDatabase, OSError) as exc:  # OSError: a settings file that is not there
        print(f"tidings: {exc}", file=sys.stderr)
        return 2
    try:
        use(app)
    except TidingsError as exc:
        print(f"tidings: {exc}", file=sys.stderr)
        return 2
    finally:
        app.db.dispose()
    return 0


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _score(args: argparse.Namespace) -> int:
    return _run(args, lambda app: _print_json(app.score(args.store, args.at)))


def _report(args: argparse.Namespace) -> int:
    def use(app: bootstrap.App) -> None:
        result = app.report(args.store, args.first, args.last)
        if args.json:
            _print_json(result)
        else:
            width = None if sys.stdout.isatty() else 150
            print_report(result, Console(width=width))

    return _run(args, use)


def _targets(args: argparse.Namespace) -> int:
    def use(app: bootstrap.App) -> None:
        changes: dict[str, str | None] = dict(args.set)
        changes.update(dict.fromkeys(args.clear))
        if changes:
            _print_json(app.set_targets(args.store, changes))
        else:
            _print_json(app.targets(args.store))

    return _run(args, use)
