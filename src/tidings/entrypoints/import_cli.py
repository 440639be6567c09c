"""`tidings import FILE --store ID --format shopify|woocommerce|generic`: a store's past
orders, from its platform's order export.

Each bad order goes to stderr with its line and reason, the others are imported; the exit
status is 1 when any was bad, else 0. Importing the same file again adds nothing. On a
terminal a progress bar follows the file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

from tidings import bootstrap
from tidings.domain.checks import STORE_ID
from tidings.entrypoints.args import database_options, settings_of
from tidings.services.imports import Imported

FORMATS = ("shopify", "woocommerce", "generic")


def register(sub: Any) -> None:
    """Add `import` to the `tidings` parser's subcommands."""
    parser = sub.add_parser("import", help="a store's past orders, from its order export (CSV)")
    parser.add_argument("file", type=Path, help="the export (CSV, UTF-8)")
    parser.add_argument("--store", required=True, help="the store id")
    parser.add_argument("--format", required=True, choices=FORMATS, help="whose export it is")
    database_options(parser)
    parser.set_defaults(run=_import)


def _import(args: argparse.Namespace) -> int:
    if not STORE_ID.match(args.store):
        print("tidings: --store: must match [a-z0-9][a-z0-9_-]{0,63}", file=sys.stderr)
        return 2
    app = bootstrap.build(settings_of(args))
    try:
        with open(args.file, "rb") as raw, _progress(args.file) as advance:
            lines = _Lines(raw)
            done = app.import_orders(lines, args.store, args.format, _report,
                                     progress=lambda d: advance(lines.read, d))  # fmt: skip
    except LookupError as exc:
        print(f"tidings: {exc.args[0]}", file=sys.stderr)
        return 2
    finally:
        app.close()
    print(f"tidings: {done.orders} orders imported ({done.new} new events of {done.events}), "
          f"{done.bad} bad", file=sys.stderr)  # fmt: skip
    return 1 if done.bad else 0


def _report(line: int, reason: str) -> None:
    print(f"tidings: line {line}: {reason}", file=sys.stderr)


class _Lines:
    """The file's text lines (UTF-8, a byte-order mark dropped), counting the bytes read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.read = raw, 0

    def __iter__(self) -> Iterator[str]:
        for number, line in enumerate(self.raw):
            self.read += len(line)
            text = line.decode("utf-8", "replace")
            yield text.removeprefix("\ufeff") if number == 0 else text


@contextmanager
def _progress(path: Path) -> Iterator[Any]:
    """On a terminal, a bar on stderr over the file's bytes, with the orders taken so far."""
    if not sys.stderr.isatty():
        yield lambda read, done: None
        return
    columns = ("[progress.description]{task.description}", BarColumn(), TaskProgressColumn(),
               "{task.fields[orders]} orders", TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("importing", total=os.path.getsize(path), orders=0)

        def advance(read: int, done: Imported) -> None:
            progress.update(task, completed=read, orders=done.orders)

        yield advance
