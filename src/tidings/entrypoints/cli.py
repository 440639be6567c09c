"""The `tidings` command."""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from tidings import bootstrap
from tidings.config import Settings
from tidings.domain.errors import InvalidJourney
from tidings.domain.events import Event, EventRecord
from tidings.entrypoints import (
    connectors_cli,
    demo_cli,
    import_cli,
    keys_cli,
    outcomes_cli,
    templates_cli,
    users_cli,
    worker,
)
from tidings.entrypoints.args import aware_time, database_options, settings_of
from tidings.entrypoints.serving import serve
from tidings.services.queries import Summary, message_line


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except InvalidJourney as exc:
        print(f"tidings: journeys: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # the settings (their values are not printed back)
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            print(f"tidings: settings: {where}: {error['msg']}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"tidings: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tidings", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    rp = sub.add_parser("replay", help="run the engine over a file of events on a virtual clock")
    rp.add_argument("events", help="events file (JSONL), or - for standard input")
    rp.add_argument("--until", type=aware_time, help="run the clock on to this time (RFC 3339)")
    rp.add_argument("--out", help="messages file (JSONL); default standard output")
    rp.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    rp.add_argument("--journeys", type=Path, help="journeys file adding to the built-in ones")
    rp.set_defaults(run=_replay)
    sv = sub.add_parser("serve", help="the HTTP API and the console, with a worker beside them")
    _live_options(sv)
    sv.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, help="port to listen on (default 8000)")
    sv.set_defaults(run=_serve)
    wk = sub.add_parser("worker", help="a worker alone: runs journeys and sends, until stopped")
    _live_options(wk)
    wk.set_defaults(run=_worker)
    keys_cli.register(sub)
    db = sub.add_parser("db", help="database maintenance")
    dbsub = db.add_subparsers(required=True, metavar="ACTION")
    up = dbsub.add_parser("upgrade", help="create or migrate the schema")
    database_options(up)
    up.set_defaults(run=_db_upgrade)
    bk = dbsub.add_parser("backup", help="copy a SQLite database while it runs (online backup)")
    bk.add_argument("file", type=Path, help="the backup file to write (must not exist)")
    database_options(bk)
    bk.set_defaults(run=_db_backup)
    outcomes_cli.register(sub)
    connectors_cli.register(sub)
    users_cli.register(sub)
    templates_cli.register(sub)
    import_cli.register(sub)
    demo_cli.register(sub)
    return parser


def _live_options(parser: argparse.ArgumentParser) -> None:
    database_options(parser)
    parser.add_argument("--journeys", type=Path, help="journeys file adding to the built-in ones")


def _serve(args: argparse.Namespace) -> int:
    return serve(settings_of(args, host=args.host, port=args.port), args.journeys)


def _worker(args: argparse.Namespace) -> int:
    worker.until_stopped(settings_of(args), args.journeys, threading.Event(), threading.Event())
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    url = settings_of(args).database_url
    bootstrap.upgrade_database(url)
    print(f"database at {url.split('@')[-1]} is up to date", file=sys.stderr)
    return 0


def _db_backup(args: argparse.Namespace) -> int:
    url = settings_of(args).database_url
    pages = bootstrap.backup_database(url, args.file)
    if pages is None:
        print(
            "tidings: db backup copies SQLite files; back PostgreSQL up with pg_dump"
            " (pg_dump -Fc -f FILE URL, restored with pg_restore; see the README)",
            file=sys.stderr,
        )
        return 2
    print(f"tidings: backed up {pages} pages to {args.file}", file=sys.stderr)
    return 0


def _replay(args: argparse.Namespace) -> int:
    with _database(args.db) as url, _few_collections():
        app = bootstrap.build(Settings(database_url=url), journeys=args.journeys)
        reader = _Reader(args.events, app)
        with _progress() as advance:
            sorted_events = reader.sorted_events()
            if sorted_events is not None:
                stats = app.replay(sorted_events, args.until, progress=advance, ordered=True)
            else:
                stats = app.replay(reader.events(), args.until, progress=advance)
        stores = sorted(stats.stores)
        summary = Summary()
        zones = app.store_zones(stores)
        with _output(args.out) as out:
            for message in app.decided(stores):
                summary.add(message)
                line = message_line(message, zones[message.store_id])
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        _print_summary(summary, stats.events, reader.bad)
        if stats.beyond:
            print(f"tidings: {stats.beyond} events after --until were not run", file=sys.stderr)
        print(_kept(args.db), file=sys.stderr)
        app.db.dispose()
    return 1 if reader.bad else 0


def _kept(url: str | None) -> str:
    """Where the replay's database went: `tidings score` and `report` read it there."""
    if url:
        where = url.split("@")[-1]
        return f"tidings: the run is kept in {where}; read it with `tidings report --db {url}`"
    return (
        "tidings: the run's database was temporary and is gone; to read it with "
        "`tidings report` or `tidings score`, replay with `--db tidings.db`"
    )


class _Reader:
    """Reads the events file; reports bad lines on stderr and counts them."""

    def __init__(self, source: str, app: bootstrap.App) -> None:
        self.source, self.app, self.bad = source, app, 0

    def sorted_events(self) -> Iterator[Event] | None:
        """A file nearly in time order is read once, sorted on the way; else None."""
        if self.source == "-":
            return None
        return self.app.read_sorted(Path(self.source), self._report)

    def events(self) -> Iterator[EventRecord]:
        stream = sys.stdin if self.source == "-" else open(self.source, encoding="utf-8")  # noqa: SIM115
        with stream:
            yield from self.app.read_jsonl(stream, self._report)

    def _report(self, error: str) -> None:
        self.bad += 1
        print(f"tidings: {error}", file=sys.stderr)


@contextmanager
def _few_collections() -> Iterator[None]:
    """A replay keeps hundreds of thousands of objects alive; the collector's default pace
    would walk them all again and again (a quarter of the run), for garbage that is rare."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="tidings-replay-") as folder:
        yield str(Path(folder) / "replay.db")


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(path, "w", encoding="utf-8") as out:
        yield out


@contextmanager
def _progress() -> Iterator[Any]:
    """On a terminal, progress bars on stderr: events stored, then events replayed."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        tasks: dict[str, Any] = {}
        stored = {"n": 0}

        def advance(phase: str, n: int) -> None:
            if phase == "storing":
                stored["n"] += n
            if phase not in tasks:
                total = (stored["n"] or None) if phase == "replaying" else None
                tasks[phase] = progress.add_task(f"{phase} events", total=total)
            progress.advance(tasks[phase], n)

        yield advance


def _print_summary(summary: Summary, events: int, bad: int) -> None:
    console = Console(stderr=True)
    table = Table(title=f"tidings replay: {events} events, {bad} bad lines")
    for column in ("journey", "status", "messages"):
        table.add_column(column, justify="right" if column == "messages" else "left")
    for (journey, status), count in sorted(summary.by_journey.items()):
        table.add_row(journey, status, str(count))
    console.print(table)
    reasons = Table(title="suppressed by reason")
    reasons.add_column("reason")
    reasons.add_column("messages", justify="right")
    for reason, count in sorted(summary.by_reason.items()):
        reasons.add_row(reason, str(count))
    console.print(reasons)
    console.print(f"SMS sent: {summary.segments} segments, cost {summary.cost}")


if __name__ == "__main__":
    raise SystemExit(main())
