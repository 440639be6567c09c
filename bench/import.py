"""The import benchmark: a Shopify-shaped order export through `tidings import`.

    python bench/import.py [--orders 100000] [--seed 13] [--pg URL | --no-pg]

Writes a synthetic "Export orders" CSV (one row per line item, 1-4 items an order, the order's
columns on its first row; 60 % of the shoppers come back; 85 % paid, 8 % pending, 4 % cash on
delivery, 3 % cancelled), then times `tidings import` in a process of its own on SQLite and on
PostgreSQL: the first import, and the same file again (which must add nothing). Prints orders/s
and the events stored.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "src"))
from run import PG_ADMIN, drop_pg, fresh_pg
from tidings import bootstrap
from tidings.config import Settings
from tidings.services.ingest import ingest

COLUMNS = ("Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
           "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
           "Discount Code", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
           "Lineitem sku", "Billing Name", "Billing Country", "Billing Phone", "Shipping Name",
           "Shipping Country", "Cancelled at", "Payment Method", "Id", "Phone")  # fmt: skip
START = datetime(2026, 9, 1, tzinfo=UTC)
STORE = {"id": "bench-store", "type": "store.upserted", "store": "bench",
         "occurred_at": "2026-08-01T00:00:00+00:00",
         "data": {"name": "Bench", "timezone": "America/New_York", "locale": "en",
                  "default_region": "US", "currency": "USD"}}  # fmt: skip


def rows(orders: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    for n in range(orders):
        shopper = rng.randrange(int(orders * 0.6) + 1)
        created = START + timedelta(seconds=n * 26 + rng.randrange(20))
        kind = rng.random()
        status, method = ("paid", "Shopify Payments") if kind < 0.85 else ("pending", "Bank")
        if 0.93 <= kind < 0.97:
            method = "Cash on Delivery (COD)"
        items = [(rng.randrange(1, 3), f"SKU-{rng.randrange(500)}", rng.randrange(5, 90))
                 for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]  # fmt: skip
        total = sum(q * p for q, _, p in items)
        stamp = created.strftime("%Y-%m-%d %H:%M:%S %z")
        for index, (qty, sku, price) in enumerate(items):
            line = {"Name": f"#{1000 + n}", "Email": f"shopper{shopper}@example.com",
                    "Lineitem quantity": str(qty), "Lineitem name": f"Thing {sku}",
                    "Lineitem price": f"{price}.00", "Lineitem sku": sku}  # fmt: skip
            if index == 0:
                line |= {"Financial Status": status, "Paid at": stamp if status == "paid" else "",
                         "Currency": "USD", "Total": f"{total}.00", "Created at": stamp,
                         "Billing Name": f"Shopper {shopper}", "Billing Country": "US",
                         "Billing Phone": f"+1415555{shopper % 10000:04d}",
                         "Payment Method": method, "Id": str(5_000_000_000 + n),
                         "Cancelled at": stamp if kind >= 0.97 else ""}  # fmt: skip
            yield [line.get(c, "") for c in COLUMNS]


def write(path: Path, orders: int, seed: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows(orders, seed))


def known_store(url: str) -> None:
    app = bootstrap.build(Settings(database_url=url))
    with app.unit_of_work() as uow:
        ingest(uow, [bootstrap.parse_object(STORE)], datetime.now(UTC))
        uow.commit()
    app.worker().round()  # the store's zone, region and currency are known
    app.close()


def timed(path: Path, url: str) -> tuple[float, str]:
    command = [sys.executable, "-m", "tidings.entrypoints.cli", "import", str(path),
               "--store", "bench", "--format", "shopify", "--db", url]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"tidings import failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stderr.strip().splitlines()[-1].removeprefix("tidings: ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL (a database is made)")
    parser.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    console = Console(stderr=True)
    table = Table(title=f"tidings import: {args.orders:,} Shopify orders")
    for column in ("database", "run", "seconds", "orders/s", "what it said"):
        table.add_column(column, justify="right" if column in ("seconds", "orders/s") else "left")
    with tempfile.TemporaryDirectory(prefix="tidings-import-") as tmp:
        path = Path(tmp) / "orders_export.csv"
        write(path, args.orders, args.seed)
        console.print(f"{path.stat().st_size / 1e6:.1f} MB export written")
        targets = [("SQLite", str(Path(tmp) / "import.db"), None)]
        if not args.no_pg:
            url, name = fresh_pg(args.pg)
            targets.append(("PostgreSQL", url, name))
        try:
            for label, url, _ in targets:
                known_store(url)
                for run in ("first", "again"):
                    seconds, said = timed(path, url)
                    table.add_row(
                        label, run, f"{seconds:.1f}", f"{args.orders / seconds:,.0f}", said
                    )
        finally:
            for _, _, name in targets:
                if name:
                    drop_pg(args.pg, name)
    Console().print(table)


if __name__ == "__main__":
    main()
