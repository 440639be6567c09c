"""The crash benchmark: what a killed worker costs (messages sent twice) and what recording
each acceptance costs (messages a second), for several settings in the same run.

    python bench/crash.py [--messages 3000] [--kills 20] [--in-flight 1,4,10] [--pg URL | --no-pg]

For each database and each `TIDINGS_IN_FLIGHT` value (also given as `TIDINGS_RECORD_EVERY`, so
that a build from before the recorder, run with `PYTHONPATH=its/src`, is measured alike):
- **rate**: `--messages` payment reminders are due at once; one `tidings worker` (the file
  provider, no rate limit) sends them all; messages a second from the first acceptance to
  the last;
- **kills**: 400 reminders due at once, sent 100 a second by a worker that is killed with
  SIGKILL at a random moment, `--kills` times, then a last worker finishes; messages in the
  outbox more than once, per kill. None may be lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from run import PG_ADMIN, drop_pg, fresh_pg
from tidings import bootstrap
from tidings.adapters.db import tables
from timing import orders, prepare


@dataclass
class Result:
    database: str
    every: int
    rate: float  # messages a second
    kills: int
    twice: int
    lost: int


def _worker(url: str, outbox: Path, every: int, rate: int | None) -> subprocess.Popen[bytes]:
    provider: dict[str, object] = {"type": "file", "path": str(outbox)}
    if rate:
        provider["rate"] = rate
    env = os.environ | {
        "TIDINGS_DATABASE_URL": url,
        "TIDINGS_PROVIDERS": json.dumps({"out": provider}),
        "TIDINGS_CHANNELS": json.dumps({"sms": "out"}),
        "TIDINGS_POLL_SECONDS": "0.05",
        "TIDINGS_LEASE_SECONDS": "1",
        "TIDINGS_IN_FLIGHT": str(every),
        "TIDINGS_RECORD_EVERY": str(every),
    }
    log = outbox.with_suffix(f".{time.monotonic_ns()}.log")
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tidings.entrypoints.cli", "worker"], env=env, stderr=err
        )
    deadline = time.monotonic() + 30
    while b"is running" not in log.read_bytes():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit(f"the worker did not start: {log.read_text()}")
        time.sleep(0.02)
    return proc


def _accepted(engine: Engine) -> int:
    query = select(func.count()).where(tables.deliveries.c.state == "accepted")
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def _span(engine: Engine) -> float:
    d = tables.deliveries.c
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(d.accepted_at), func.max(d.accepted_at))).one()
    return float((last - first).total_seconds())


def _due_now(url: str, n: int) -> None:
    """`n` first payment reminders over 4 stores, pending and due once this returns (they
    fall due after the engine ran them, else its own rounds would send them)."""
    bootstrap.upgrade_database(url)
    due = datetime.now(UTC) + timedelta(seconds=5 + n / 500)
    prepare(url, orders(n, 1, 4, due))
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() + 1))


def rate(url: str, every: int, messages: int, folder: Path) -> float:
    _due_now(url, messages)
    engine = bootstrap.make_engine(url)
    proc = _worker(url, folder / f"rate-{every}.jsonl", every, None)
    deadline = time.monotonic() + 600
    while _accepted(engine) < messages and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    sent = _accepted(engine)
    span = _span(engine)
    engine.dispose()
    return sent / span if span else float("nan")


def kills(url: str, every: int, times: int, folder: Path, seed: int) -> tuple[int, int, int]:
    """(kills, messages sent more than once, messages lost) of 400 reminders."""
    _due_now(url, 400)
    engine = bootstrap.make_engine(url)
    outbox, rng, done = folder / f"kills-{every}.jsonl", random.Random(seed), 0
    while done < times and _accepted(engine) < 400:
        proc = _worker(url, outbox, every, 100)
        time.sleep(rng.uniform(0.1, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done += 1
    last = _worker(url, outbox, every, 100)
    deadline = time.monotonic() + 120
    while _accepted(engine) < 400 and time.monotonic() < deadline:
        time.sleep(0.2)
    last.send_signal(signal.SIGTERM)
    last.wait(30)
    engine.dispose()
    sent = Counter(json.loads(line)["message_id"] for line in outbox.read_text().splitlines())
    return done, sum(n - 1 for n in sent.values()), 400 - len(sent)


def measure(database: str, make: object, every: int, args: argparse.Namespace) -> Result:
    with tempfile.TemporaryDirectory(prefix="tidings-crash-") as tmp:
        folder = Path(tmp)
        per_second = rate(make(folder), every, args.messages, folder)  # type: ignore[operator]
        done, twice, lost = kills(make(folder), every, args.kills, folder, args.seed)  # type: ignore[operator]
    print(f"{database}, every {every}: {per_second:.0f}/s, {twice} twice", file=sys.stderr)
    return Result(database, every, per_second, done, twice, lost)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000, help="messages of the rate run")
    parser.add_argument("--kills", type=int, default=20, help="kills of the kill run")
    parser.add_argument("--in-flight", default="1,4,10", help="TIDINGS_IN_FLIGHT values")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a database is made)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    made: list[str] = []

    def sqlite(folder: Path) -> str:
        return str(folder / f"c{len(list(folder.glob('*.db')))}.db")

    def postgresql(_folder: Path) -> str:
        url, name = fresh_pg(args.pg)
        made.append(name)
        return url

    results = []
    try:
        for every in (int(x) for x in args.in_flight.split(",")):
            results.append(measure("SQLite", sqlite, every, args))
            if not args.no_pg:
                results.append(measure("PostgreSQL", postgresql, every, args))
    finally:
        for name in made:
            drop_pg(args.pg, name)
    _print(results)


def _print(results: list[Result]) -> None:
    table = Table(title="tidings crash bench: one worker, the file provider")
    for column in ("database", "in flight", "messages/s", "kills", "sent twice",
                   "twice per kill", "lost"):  # fmt: skip
        table.add_column(column, justify="left" if column == "database" else "right")
    for r in results:
        table.add_row(
            r.database, str(r.every), f"{r.rate:,.0f}", str(r.kills), str(r.twice),
            f"{r.twice / max(r.kills, 1):.2f}", str(r.lost),
        )  # fmt: skip
    Console(width=120).print(table)
    print(json.dumps([r.__dict__ for r in results]), file=sys.stderr)


if __name__ == "__main__":
    main()
