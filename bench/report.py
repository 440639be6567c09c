"""The outcomes benchmark: `tidings report` and `tidings score` over a replayed Double 11 day.

    python bench/report.py [--orders 100000] [--seed 11] [--holdout 0.1] [--db FILE]

Generates the bench's Double 11 day (with a holdout on the four journeys the report measures,
so that it has uplift to show), replays it into SQLite with `tidings replay` (skipped when
`--db` names a database a previous run kept), then times, each as its own process as a
seller would run it and again in-process (the queries alone):

- `tidings report` over the day (11 Nov) and over the whole replay (11 Nov … 11 Dec);
- `tidings score` the morning after (12 Nov 10:00).

Prints the timings and the day's report. Target: the day's report under 2 s on SQLite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate
from run import replay
from tidings import bootstrap
from tidings.config import Settings
from tidings.entrypoints.outcomes_tables import print_report

STORE = "d11"
DAY, LAST = date(2026, 11, 11), date(2026, 12, 11)
MORNING = datetime.fromisoformat("2026-11-12T10:00:00+08:00")
MEASURED = ("payment_reminder", "cart_recovery", "pickup_reminder", "review_request")
CLI = [sys.executable, "-m", "tidings.entrypoints.cli"]


def with_holdout(lines: Iterator[str], share: float) -> Iterator[str]:
    """The generator's lines, the store's settings holding back `share` of each journey."""
    for line in lines:
        if share and '"store.upserted"' in line:
            obj = json.loads(line)
            obj["data"]["journeys"] = {j: {"holdout": share} for j in MEASURED}
            line = json.dumps(obj, ensure_ascii=False)
        yield line


def fill(db: Path | str, orders: int, seed: int, share: float, folder: Path) -> None:
    path = folder / "d11.jsonl"
    with path.open("w", encoding="utf-8") as out:
        events = sum(
            out.write(line + "\n") > 0 for line in with_holdout(generate(orders, seed), share)
        )
    kind = "PostgreSQL" if str(db).startswith("postgresql") else "SQLite"
    Console(stderr=True).print(f"{orders:,} orders, {events:,} events: replaying into {kind} …")
    result = replay(f"tidings replay, {kind}", path, str(db), folder / "out.jsonl", events)
    Console(stderr=True).print(f"replayed in {result.seconds:.0f} s, {result.messages:,} messages")


def timed(run: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The best of `repeat` runs (the first also warms the page cache)."""
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - start)
    return best, value


def command(*args: str) -> Callable[[], str]:
    def run() -> str:
        proc = subprocess.run([*CLI, *args], capture_output=True, text=True, check=True)
        return proc.stdout

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--holdout", type=float, default=0.1, help="share held back (0 … 0.5)")
    parser.add_argument("--db", type=Path, help="keep the replayed database here (reused)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidings-bench-report-") as tmp:
        db = args.db or Path(tmp) / "d11.db"
        if not db.exists():
            fill(db, args.orders, args.seed, args.holdout, Path(tmp))
        rows, day_report = measure(str(db))
    print_report(day_report, Console(width=150))
    print_timings(rows, str(db))


def measure(db: str) -> tuple[list[tuple[str, float, float]], dict[str, Any]]:
    app = bootstrap.build(Settings(database_url=db))
    day, month = DAY.isoformat(), LAST.isoformat()
    report = ["report", "--store", STORE, "--db", db, "--json", "--from", day]
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        (
            f"report {day}",
            lambda: app.report(STORE, DAY, DAY),
            command(*report, "--to", day),
        ),
        (
            f"report {day} … {month}",
            lambda: app.report(STORE, DAY, LAST),
            command(*report, "--to", month),
        ),
        (
            f"score at {MORNING.isoformat()}",
            lambda: app.score(STORE, MORNING),
            command("score", "--store", STORE, "--db", db, "--at", MORNING.isoformat()),
        ),
    ]
    rows = []
    for name, queries, process in cases:
        alone, _ = timed(queries)
        whole, _ = timed(process)
        rows.append((name, alone, whole))
    day_report = app.report(STORE, DAY, DAY)
    app.db.dispose()
    return rows, day_report


def print_timings(rows: list[tuple[str, float, float]], db: str) -> None:
    size = Path(db).stat().st_size / 2**20
    table = Table(title=f"outcomes on SQLite ({size:,.0f} MB database), best of 3")
    for column in ("what", "queries (s)", "command, own process (s)"):
        table.add_column(column, justify="left" if column == "what" else "right")
    for name, alone, whole in rows:
        table.add_row(name, f"{alone:.2f}", f"{whole:.2f}")
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
