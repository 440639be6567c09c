"""The console benchmark: each screen's server time on a replayed Double 11 day.

    python bench/console.py [--orders 20000] [--seed 11] [--db FILE | --db postgresql://…]
                            [--keep] [--repeat 5]

Generates the bench's Double 11 day (report.py's, with its holdout, and the month after it),
replays it with `tidings replay` into SQLite (skipped when `--db` names a file a previous run
kept) or into a PostgreSQL database of its own (`--db` names the server, any database on it:
the bench creates one and drops it at the end; with `--keep`, `--db` names the database to
fill, once, and keep, like a SQLite file), signs in as the store's owner and asks each
screen through the app in-process (FastAPI's test client, so the time is the server's:
routing, reads, rendering; no network), the morning after the peak.

Each screen is asked `--repeat` times twice in the same run: first with every day counted
from the rows ("live", as before the daily figures), then after the worker's keeping of the
closed days and of today's closed hours (the summing is timed too). Prints the best and the
worst of each. Goal: under 300 ms each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from sqlalchemy import create_engine, delete, inspect, select

from report import STORE, fill
from run import drop_pg, fresh_pg
from tidings import bootstrap
from tidings.adapters.db import tables as t
from tidings.config import Settings
from tidings.entrypoints.api.app import create_app
from tidings.services import people
from tidings.services.analytics.figures import keep_closed_days, keep_todays_hours
from tidings.services.analytics.score import keep_score_days

MORNING = datetime.fromisoformat("2026-11-12T10:00:00+08:00")
GOAL = 0.300  # seconds
EMAIL, PASSWORD = "owner@d11.example", "bench-console-password"
DAY = "from=2026-11-11&to=2026-11-11"
SCREENS = (
    ("home, last 7 days", "/"),
    ("home, the peak day", f"/?{DAY}"),
    ("journeys, last 7 days", "/journeys"),
    ("journey detail, last 7 days", "/journeys/payment_reminder"),
    ("journey detail, the peak day", f"/journeys/cart_recovery?{DAY}"),
    ("messages, newest", "/messages"),
    ("messages, suppressed", "/messages?status=suppressed"),
    ("alerts, open", "/alerts?state=open"),
    ("parcels", "/parcels"),
    ("service score", "/score"),
    ("reviews, last 7 days", "/reviews"),
    ("journeys CSV, the peak day", f"/journeys?format=csv&{DAY}"),
    ("settings (the month's spend)", "/settings"),
    (
        "settings, a text counted",
        "/settings/segments?step=payment_reminder.first&locale=en"
        "&text=Your+order+%7B%7B+order.order_id+%7D%7D+waits",
    ),
    ("journey funnel CSV, the peak day", f"/journeys/payment_reminder?format=csv&{DAY}"),
)


Row = tuple[str, float, float, float, float, float, int]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--holdout", type=float, default=0.1, help="share held back (0 … 0.5)")
    parser.add_argument("--db", help="a SQLite file kept (reused), or a PostgreSQL server URL")
    parser.add_argument("--repeat", type=int, default=5, help="requests per screen")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: fill --db once, keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidings-bench-console-") as tmp:
        if args.keep and args.db and args.db.startswith("postgresql"):
            if not filled(args.db):
                fill(args.db, args.orders, args.seed, args.holdout, Path(tmp))
            rows, keeping = measure(args.db, args.repeat)
            where = f"PostgreSQL, {args.orders:,} orders (kept database)"
        elif args.db and args.db.startswith("postgresql"):
            url, name = fresh_pg(args.db)
            try:
                fill(url, args.orders, args.seed, args.holdout, Path(tmp))
                rows, keeping = measure(url, args.repeat)
            finally:
                drop_pg(args.db, name)
            where = f"PostgreSQL, {args.orders:,} orders"
        else:
            db = Path(args.db) if args.db else Path(tmp) / "d11.db"
            if not db.exists():
                fill(db, args.orders, args.seed, args.holdout, Path(tmp))
            rows, keeping = measure(str(db), args.repeat)
            where = f"SQLite ({db.stat().st_size / 2**20:,.0f} MB database)"
    show(rows, where, args.repeat, keeping)


def filled(url: str) -> bool:
    """Whether the database holds the bench's store already (an earlier `--keep` run)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("stores") and bool(
                conn.execute(
                    select(t.stores.c.store_id).where(t.stores.c.store_id == STORE)
                ).first()
            )
    finally:
        engine.dispose()


def measure(db: str, repeat: int) -> tuple[list[Row], float]:
    """Each screen's best and worst, counted live and then from the kept days; how long the
    keeping took."""
    app = bootstrap.build(Settings(database_url=db), live=True, clock=lambda: MORNING)
    with app.console_unit_of_work() as uow:
        uow.people.remove_user(STORE, EMAIL)
        people.create_user(uow, app.passwords, store=STORE, email=EMAIL, role="owner",
                           password=PASSWORD, at=MORNING)  # fmt: skip
        uow.commit()
    with app.db.begin() as conn:  # a database kept by an earlier run: counted live first
        for kept in (t.figure_days, t.score_days):
            conn.execute(delete(kept).where(kept.c.store_id == STORE))
    with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        client.get("/console/login")
        form = {"email": EMAIL, "password": PASSWORD, "csrf": client.cookies["tidings_login_csrf"]}
        client.post("/console/login", data=form, follow_redirects=False)
        live = [ask(client, path, repeat) for _, path in SCREENS]
        start = time.perf_counter()
        keep_closed_days(uow=app.analytics_unit_of_work(False), store=STORE, at=MORNING)
        keep_todays_hours(uow=app.analytics_unit_of_work(False), store=STORE, at=MORNING)
        keep_score_days(uow=app.analytics_unit_of_work(False), store=STORE, at=MORNING)
        keeping = time.perf_counter() - start
        kept = [ask(client, path, repeat) for _, path in SCREENS]
    app.close()
    rows = [
        (name, *a[:2], *k[:3], k[3]) for (name, _), a, k in zip(SCREENS, live, kept, strict=True)
    ]
    return rows, keeping


def ask(client: TestClient, path: str, repeat: int) -> tuple[float, float, float, int]:
    """Best and worst wall time, and the best of this process's CPU time (on SQLite, the
    server's whole work: a figure a busy machine moves less)."""
    times, cpu, status = [], [], 0
    for _ in range(repeat):
        start, used = time.perf_counter(), time.process_time()
        status = client.get(f"/console/{STORE}{path}").status_code
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - used)
    return min(times), max(times), min(cpu), status


def show(rows: list[Row], where: str, repeat: int, keeping: float) -> None:
    took = f"keeping the closed days took {keeping * 1000:,.0f} ms"
    title = f"console screens on {where}, {repeat} requests each; {took}"
    table = Table(title=title)
    columns = ("screen", "status", "live best", "live worst", "kept best", "kept worst",
               "kept cpu", f"under {GOAL * 1000:.0f} ms")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "screen" else "right")
    for name, best, worst, kept_best, kept_worst, cpu, status in rows:
        ms = (f"{s * 1000:.0f}" for s in (best, worst, kept_best, kept_worst, cpu))
        table.add_row(name, str(status), *ms, "yes" if kept_best < GOAL else "NO")
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
