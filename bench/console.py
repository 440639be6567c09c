"""The console benchmark: each screen's server time on a replayed Double 11 day.

    python bench/console.py [--orders 20000] [--seed 11] [--db FILE] [--repeat 5]

Generates the bench's Double 11 day (report.py's, with its holdout), replays it into SQLite
with `tidings replay` (skipped when `--db` names a database a previous run kept), signs in as
the store's owner and asks each screen through the app in-process (FastAPI's test client, so
the time is the server's: routing, reads, rendering; no network), the morning after the peak.
Prints the best and the worst of `--repeat` requests per screen. Goal: under 300 ms each.
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
from report import STORE, fill
from tidings import bootstrap
from tidings.config import Settings
from tidings.entrypoints.api.app import create_app
from tidings.services import people

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--holdout", type=float, default=0.1, help="share held back (0 … 0.5)")
    parser.add_argument("--db", type=Path, help="keep the replayed database here (reused)")
    parser.add_argument("--repeat", type=int, default=5, help="requests per screen")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tidings-bench-console-") as tmp:
        db = args.db or Path(tmp) / "d11.db"
        if not db.exists():
            fill(db, args.orders, args.seed, args.holdout, Path(tmp))
        rows = measure(str(db), args.repeat)
        size = db.stat().st_size / 2**20
    show(rows, size, args.repeat)


def measure(db: str, repeat: int) -> list[tuple[str, float, float, int]]:
    app = bootstrap.build(Settings(database_url=db), live=True, clock=lambda: MORNING)
    with app.console_unit_of_work() as uow:
        uow.people.remove_user(STORE, EMAIL)
        people.create_user(uow, app.passwords, store=STORE, email=EMAIL, role="owner",
                           password=PASSWORD, at=MORNING)  # fmt: skip
        uow.commit()
    rows = []
    with TestClient(create_app(app), base_url="http://127.0.0.1") as client:
        client.get("/console/login")
        form = {"email": EMAIL, "password": PASSWORD, "csrf": client.cookies["tidings_login_csrf"]}
        client.post("/console/login", data=form, follow_redirects=False)
        for name, path in SCREENS:
            times, status = [], 0
            for _ in range(repeat):
                start = time.perf_counter()
                status = client.get(f"/console/{STORE}{path}").status_code
                times.append(time.perf_counter() - start)
            rows.append((name, min(times), max(times), status))
    app.close()
    return rows


def show(rows: list[tuple[str, float, float, int]], size: float, repeat: int) -> None:
    table = Table(title=f"console screens on SQLite ({size:,.0f} MB database), {repeat} requests")
    for column in ("screen", "status", "best (ms)", "worst (ms)", f"under {GOAL * 1000:.0f} ms"):
        table.add_column(column, justify="left" if column == "screen" else "right")
    for name, best, worst, status in rows:
        table.add_row(name, str(status), f"{best * 1000:.0f}", f"{worst * 1000:.0f}",
                      "yes" if best < GOAL else "NO")  # fmt: skip
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
