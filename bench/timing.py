"""The live timing benchmark: messages falling due at a steady rate on a real clock, sent by
`tidings worker` processes; how late each went (provider acceptance minus due time).

    python bench/timing.py [--rate 1000] [--seconds 20] [--stores 8] [--pg URL | --no-pg]
                           [--no-sqlite] [--workers 1,2,4]

Runs SQLite with one worker, and PostgreSQL with 1, 2 and 4 workers. Before the clock starts,
the bench itself runs the orders through the engine, so that only the reminders' due times
are measured: one first payment reminder an order, due `rate` a second for `seconds`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, and_, func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from helpers import customer, order, post, store  # the tests' event builders
from run import PG_ADMIN, drop_pg, fresh_pg
from tidings import bootstrap
from tidings.adapters.db import tables
from tidings.config import Settings

LEAD = timedelta(seconds=8)  # workers start and settle before the first message is due
PREPARED_A_SECOND = 250  # orders run through the engine a second, at the least (on a slow day)
ALWAYS_AWAKE = {"start": "00:00", "end": "00:00"}


@dataclass
class Run:
    name: str
    messages: int
    p50: float
    p99: float
    worst: float
    late: int  # more than 1 s after their due time
    seconds: float  # from the first due time until the last was sent


def orders(rate: int, seconds: int, stores: int, first_due: datetime) -> list[dict]:
    """Orders whose first reminders (30 min after creation) fall due `rate` a second."""
    events = [
        {**store(first_due - timedelta(days=1), quiet_hours=ALWAYS_AWAKE), "store": f"s{s}"}
        for s in range(stores)
    ]
    for i in range(rate * seconds):
        sid, created = f"s{i % stores}", first_due + timedelta(seconds=i / rate, minutes=-30)
        phone = f"+86138{i:08d}"
        events.append(
            {**customer(f"c{i}", phone=phone, when=created - timedelta(hours=1)), "store": sid}
        )
        events.append({**order(f"o{i}", created, cid=f"c{i}"), "store": sid})
    return events


def prepare(url: str, events: list[dict]) -> None:
    """Store the events and run them through the engine: the reminders wait, pending."""
    app = bootstrap.build(Settings(database_url=url), live=True)
    for start in range(0, len(events), 5000):
        post(app, events[start : start + 5000])
    worker = app.worker()
    while worker.round():
        pass
    app.close()


def measure(name: str, url: str, workers: int, args: argparse.Namespace, folder: Path) -> Run:
    ahead = timedelta(seconds=10 + args.rate * args.seconds / PREPARED_A_SECOND)
    first_due = datetime.now(UTC) + LEAD + ahead
    events = orders(args.rate, args.seconds, args.stores, first_due)
    started = time.monotonic()
    prepare(url, events)
    print(
        f"{name}: {len(events)} events prepared in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    wait = (first_due - datetime.now(UTC)).total_seconds() - LEAD.total_seconds()
    if wait < 0:
        raise SystemExit(f"{name}: preparing took {time.monotonic() - started:.0f} s, too long")
    time.sleep(wait)
    procs = [_worker(url, folder / f"{name}-{n}.jsonl", args.in_flight) for n in range(workers)]
    total = args.rate * args.seconds
    end = first_due + timedelta(seconds=args.seconds + 30)
    engine = bootstrap.make_engine(url)
    while _sent(engine) < total and datetime.now(UTC) < end:
        time.sleep(0.5)
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    lateness = _lateness(engine)
    engine.dispose()
    finished = max((sent for _, sent in lateness), default=first_due)
    delays = sorted(d for d, _ in lateness)
    return Run(
        name,
        len(delays),
        statistics.median(delays),
        delays[int(0.99 * (len(delays) - 1))],
        delays[-1],
        sum(1 for d in delays if d > 1.0),
        (finished - first_due).total_seconds(),
    )


def _worker(url: str, outbox: Path, in_flight: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "TIDINGS_DATABASE_URL": url,
        "TIDINGS_OUTBOX": str(outbox),
        "TIDINGS_POLL_SECONDS": "0.05",
        "TIDINGS_IN_FLIGHT": str(in_flight),
    }
    command = [sys.executable, "-m", "tidings.entrypoints.cli", "worker"]
    return subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)


def _sent(engine: Engine) -> int:
    """Deliveries the provider took, counted by the database (a short read on SQLite, whose
    transactions begin IMMEDIATE: a long one would hold the workers up)."""
    accepted = select(func.count()).where(tables.deliveries.c.state == "accepted")
    with engine.connect() as conn:
        return int(conn.execute(accepted).scalar() or 0)


def _lateness(engine: Engine) -> list[tuple[float, datetime]]:
    """(seconds late, when sent) of every delivery."""
    d, m = tables.deliveries.c, tables.messages.c
    query = select(d.accepted_at, m.due_at).join(
        tables.messages, and_(m.store_id == d.store_id, m.message_id == d.message_id)
    )
    with engine.connect() as conn:
        rows = [(a, due) for a, due in conn.execute(query.where(d.accepted_at.is_not(None)))]
    return [((a - due).total_seconds(), a) for a, due in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=1000, help="messages falling due a second")
    parser.add_argument("--seconds", type=int, default=20, help="for how long")
    parser.add_argument("--stores", type=int, default=8, help="stores the orders spread over")
    parser.add_argument("--in-flight", type=int, default=Settings().in_flight)
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL runs: workers each")
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a database is made)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="tidings-timing-") as tmp:
        folder = Path(tmp)
        if not args.no_sqlite:
            runs.append(measure("SQLite, 1 worker", str(folder / "t.db"), 1, args, folder))
        for n in [] if args.no_pg else [int(x) for x in args.workers.split(",")]:
            url, name = fresh_pg(args.pg)
            try:
                runs.append(measure(f"PostgreSQL, {n} worker(s)", url, n, args, folder))
            finally:
                drop_pg(args.pg, name)
    _print(runs, args)


def _print(runs: list[Run], args: argparse.Namespace) -> None:
    title = f"{args.rate} messages due a second for {args.seconds} s, over {args.stores} stores"
    table = Table(title=f"tidings live timing: {title} (in flight {args.in_flight})")
    for column in ("run", "messages", "p50 late s", "p99 late s", "max late s", "> 1 s late",
                   "last sent after first due, s"):  # fmt: skip
        table.add_column(column, justify="left" if column == "run" else "right")
    for r in runs:
        table.add_row(
            r.name, f"{r.messages:,}", f"{r.p50:.3f}", f"{r.p99:.3f}", f"{r.worst:.3f}",
            f"{r.late:,}", f"{r.seconds:.1f}",
        )  # fmt: skip
    Console(width=140).print(table)
    print(json.dumps([r.__dict__ for r in runs]), file=sys.stderr)


if __name__ == "__main__":
    main()
