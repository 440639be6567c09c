"""The live benchmark: a Double 11 day posted to `tidings serve` as arrays of 1,000 events,
while reminders of another store fall due at a steady rate.

    python bench/live.py [--orders 100000] [--seed 11] [--rate 100] [--pg URL | --no-pg]
        [--no-sqlite]

For each database: the generated day, moved so that it ends now (a live tidings starts no step
due more than a day before it heard of the event), goes to `POST /v1/events` from one client,
array after array, on a `tidings serve` (API and its one worker, the file provider), the
store's closed days kept as a live store's are. Measured:
the seconds until every array was answered, and until the worker had taken in every event
(the inbox empty); beside them the ceiling of the same run (run.py's: json.loads and a raw
SQLite insert of the same file). Meanwhile a second store's payment reminders fall due `--rate`
a second (the timing bench's orders, prepared before the clock starts): their lateness (p50,
p99, worst; provider acceptance minus due time) says whether the worker still keeps time.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import and_, select

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "examples"))
from now import _moved

from generate import generate
from run import PG_ADMIN, ceiling, drop_pg, fresh_pg
from tidings import bootstrap
from tidings.adapters.db import tables
from timing import orders, prepare

ARRAY = 1000
STORE = "d11"


@dataclass
class Live:
    name: str
    events: int
    posted: float  # seconds until the last array was answered
    taken: float  # seconds until the worker had taken in every event
    cpu: float  # the server's CPU seconds by then (API and worker): steadier on a busy machine
    p50: float | None
    p99: float | None
    worst: float | None


def day_ending_now(orders_n: int, seed: int, path: Path) -> int:
    """The generated day moved so that its last event is a minute ago; how many events."""
    events = [json.loads(line) for line in generate(orders_n, seed, STORE)]
    last = max(datetime.fromisoformat(e["occurred_at"]) for e in events)
    by = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1) - last
    with path.open("w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(_moved(event, by), ensure_ascii=False) + "\n")
    return len(events)


def measure(name: str, url: str, path: Path, args: argparse.Namespace, folder: Path) -> Live:
    lines = path.read_text(encoding="utf-8").splitlines()
    first_due = datetime.now(UTC) + timedelta(seconds=20)
    # store s0's reminders wait; d11 is known, and its closed days kept (by the worker of
    # prepare's first round), as a store's are once its tidings has run for a while
    shop = json.loads(lines[0])
    assert shop["type"] == "store.upserted", "the generated day starts with its store"
    prepare(url, [shop, *orders(args.rate, args.seconds, 1, first_due)])
    key = _key(url)
    port = args.port
    outbox = str(folder / f"{name}.jsonl")
    env = os.environ | {"TIDINGS_DATABASE_URL": url, "TIDINGS_OUTBOX": outbox,
                        "TIDINGS_API_KEY_LIMIT": "0", "TIDINGS_POLL_SECONDS": "0.05"}  # fmt: skip
    command = [sys.executable, "-m", "tidings.entrypoints.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        start = time.perf_counter()
        with httpx.Client(timeout=600) as client:
            for i in range(0, len(lines), ARRAY):
                body = "[" + ",".join(lines[i : i + ARRAY]) + "]"
                answer = client.post(f"{base}/v1/events", content=body, headers=headers)
                if answer.status_code >= 300:
                    raise SystemExit(f"{name}: array {i // ARRAY} answered {answer.status_code}")
        posted = time.perf_counter() - start
        engine = bootstrap.make_engine(url)
        while _waiting(engine):
            time.sleep(0.2)
        taken = time.perf_counter() - start
        cpu = _cpu(server.pid)
        late = _late(engine)
        engine.dispose()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    pick = (lambda q: late[int(q * (len(late) - 1))]) if late else (lambda q: None)
    worst = late[-1] if late else None
    return Live(name, len(lines), posted, taken, cpu, pick(0.5), pick(0.99), worst)


def _cpu(pid: int) -> float:
    """The CPU seconds (user and system) of a running process and of the processes it started
    (the worker of `tidings serve`), from /proc."""
    seconds = 0.0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            continue
        if entry.name == str(pid) or fields[1] == str(pid):
            seconds += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def _key(url: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "tidings.entrypoints.cli", "keys", "create", "--store", STORE],
        env=os.environ | {"TIDINGS_DATABASE_URL": url}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return made.stdout.strip().splitlines()[-1]


def _wait_ready(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("tidings serve did not become ready in 30 s")


def _late(engine) -> list[float]:  # type: ignore[no-untyped-def]
    """Seconds late of each reminder of the timing store (s0), sorted."""
    d, m = tables.deliveries.c, tables.messages.c
    query = (
        select(d.accepted_at, m.due_at)
        .join(tables.messages, and_(m.store_id == d.store_id, m.message_id == d.message_id))
        .where(d.store_id == "s0", d.accepted_at.is_not(None))
    )
    with engine.connect() as conn:
        return sorted((a - due).total_seconds() for a, due in conn.execute(query))


def _waiting(engine) -> bool:  # type: ignore[no-untyped-def]
    """Whether any event waits (one row asked: a count read the whole backlog 5 times a second,
    beside the worker)."""
    with engine.connect() as conn:
        return conn.execute(select(tables.inbox.c.event_id).limit(1)).first() is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rate", type=int, default=100, help="reminders due a second meanwhile")
    parser.add_argument("--seconds", type=int, default=60, help="for how long they fall due")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    console = Console(width=110)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "day.jsonl"
        count = day_ending_now(args.orders, args.seed, path)
        floor = ceiling(path, folder)
        runs = []
        if not args.no_sqlite:
            runs.append(measure("SQLite", f"sqlite:///{folder / 'live.db'}", path, args, folder))
        if not args.no_pg:
            url, name = fresh_pg(args.pg)
            try:
                runs.append(measure("PostgreSQL", url, path, args, folder))
            finally:
                drop_pg(args.pg, name)
    table = Table(title=f"live: {count:,} events in arrays of {ARRAY:,}; ceiling: parse + insert")
    for column in ("run", "s", "events/s", "of ceiling", "CPU s", "p50 s", "p99 s", "worst s"):
        table.add_column(column, justify="left" if column == "run" else "right")
    table.add_row("ceiling", f"{floor.seconds:.1f}",
                  f"{floor.events / floor.seconds:,.0f}", "100 %", f"{floor.cpu:.1f}",
                  "", "", "")  # fmt: skip
    for run in runs:
        for what, seconds in (("answered", run.posted), ("taken in", run.taken)):
            cells = [f"{v:.3f}" if v is not None else "–" for v in (run.p50, run.p99, run.worst)]
            share = f"{floor.seconds / seconds:.1%}"
            cpu = f"{run.cpu:.1f}" if what == "taken in" else ""
            table.add_row(f"{run.name}: {what}", f"{seconds:.1f}", f"{run.events / seconds:,.0f}",
                          share, cpu, *(cells if what == "taken in" else ("", "", "")))  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
