"""The replay benchmark: a synthetic Double 11 day through `tidings replay`.

    python bench/run.py [--orders 100000] [--seed 11] [--pg URL | --no-pg]

Prints, for SQLite and PostgreSQL: events/s, messages decided/s and peak memory of
`tidings replay`, beside the ceiling measured in the same run: parsing the same file
(json.loads) and inserting the raw events into SQLite with executemany, in batches.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate

BATCH = 2000
CAMPAIGN = Path(__file__).parent / "campaign.toml"  # a seller's own journey beside the built-ins
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Result:
    name: str
    seconds: float
    events: int
    messages: int | None
    peak_mb: float | None
    cpu: float  # the run's own CPU seconds (not PostgreSQL's server): steady on a loaded machine


def ceiling(path: Path, folder: Path) -> Result:
    """Parse every line and insert the raw events into SQLite, executemany per batch."""
    db = sqlite3.connect(folder / "ceiling.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE events (store_id TEXT, event_id TEXT, type TEXT, "
        "occurred_at TEXT, payload TEXT, PRIMARY KEY (store_id, event_id))"
    )
    start, cpu = time.perf_counter(), time.process_time()
    count, rows = 0, []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            obj = json.loads(line)
            rows.append((obj["store"], obj["id"], obj["type"], obj["occurred_at"], line))
            if len(rows) == BATCH:
                count += _insert(db, rows)
                rows = []
    count += _insert(db, rows)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return Result("ceiling: parse + executemany (SQLite)", seconds, count, None, None, cpu)


def _insert(db: sqlite3.Connection, rows: list[tuple[str, ...]]) -> int:
    db.execute("BEGIN")
    db.executemany("INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")
    return len(rows)


def replay(name: str, path: Path, db: str, out: Path, events: int) -> Result:
    """`tidings replay` in a process of its own: wall time and peak resident memory."""
    command = [
        sys.executable,
        "-m",
        "tidings.entrypoints.cli",
        "replay",
        str(path),
        "--db",
        db,
        "--out",
        str(out),
        "--journeys",
        str(CAMPAIGN),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    sampler = _TreeMemory(proc.pid)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name}: tidings replay failed")
    with out.open(encoding="utf-8") as lines:
        messages = sum(1 for _ in lines)
    peak = max(usage.ru_maxrss * 1024, sampler.peak) / 2**20
    return Result(name, seconds, events, messages, peak, usage.ru_utime + usage.ru_stime)


class _TreeMemory(threading.Thread):
    """Samples the resident memory of a process and its children (a parsing worker) together."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self.stop.wait(0.1):
            total = sum(_rss_pages(p) for p in [self.pid, *_children(self.pid)]) * page
            self.peak = max(self.peak, total)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(x) for x in task.read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


def _rss_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def fresh_pg(admin: str) -> tuple[str, str]:
    import psycopg

    name = f"tidings_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rpartition("/")[0] + "/" + name, name


def drop_pg(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a database is made)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    console = Console(stderr=True)
    with tempfile.TemporaryDirectory(prefix="tidings-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "d11.jsonl"
        with path.open("w", encoding="utf-8") as out:
            events = sum(out.write(line + "\n") > 0 for line in generate(args.orders, args.seed))
        console.print(f"{args.orders} orders, {events} events")
        results = [ceiling(path, folder)]
        results.append(
            replay(
                "tidings replay, SQLite",
                path,
                str(folder / "replay.db"),
                folder / "lite.jsonl",
                events,
            )
        )
        if not args.no_pg:
            url, name = fresh_pg(args.pg)
            try:
                results.append(
                    replay("tidings replay, PostgreSQL", path, url, folder / "pg.jsonl", events)
                )
            finally:
                drop_pg(args.pg, name)
        journeys = _journeys(folder / "lite.jsonl")
    _print(results)
    _print_journeys(journeys)


def _journeys(path: Path) -> dict[tuple[str, str], int]:
    """Messages of the SQLite run by journey and status."""
    counts: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            key = (row["journey"], row["status"])
            counts[key] = counts.get(key, 0) + 1
    return counts


def _print_journeys(counts: dict[tuple[str, str], int]) -> None:
    table = Table(title="messages by journey (SQLite run)")
    for column in ("journey", "sent", "suppressed"):
        table.add_column(column, justify="left" if column == "journey" else "right")
    for journey in sorted({j for j, _ in counts}):
        sent, held = counts.get((journey, "sent"), 0), counts.get((journey, "suppressed"), 0)
        table.add_row(journey, f"{sent:,}", f"{held:,}")
    Console(width=130).print(table)


def _print(results: list[Result]) -> None:
    base = results[0].events / results[0].seconds
    table = Table(title="tidings replay benchmark")
    for column in (
        "run",
        "seconds",
        "events/s",
        "% of ceiling",
        "messages decided/s",
        "peak memory MB",
        "CPU s",
        "% of ceiling (CPU)",
    ):
        table.add_column(column, justify="left" if column == "run" else "right")
    for r in results:
        rate = r.events / r.seconds
        table.add_row(
            r.name,
            f"{r.seconds:.1f}",
            f"{rate:,.0f}",
            f"{100 * rate / base:.0f} %",
            "" if r.messages is None else f"{r.messages / r.seconds:,.0f}",
            "" if r.peak_mb is None else f"{r.peak_mb:,.0f}",
            f"{r.cpu:.1f}",
            f"{100 * results[0].cpu / r.cpu:.1f} %",
        )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
