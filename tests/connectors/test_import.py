"""`tidings import`: past orders into a store's database, on SQLite and PostgreSQL: bad orders
reported by line (exit 1) and the rest kept, a second import adding nothing, one customer for
a shopper both exported and sent by webhook, and history that sends the shoppers nothing."""

from __future__ import annotations

import io
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from connector_kit import FIXTURES, SECRET, sample, shopify
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app
from tidings.entrypoints.cli import main

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 11, 10, 0, tzinfo=NY)  # the orders of the samples are October's
EXPORTS = FIXTURES / "exports"


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(NOW), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    acme = store(NOW.replace(day=1), timezone="America/New_York", default_region="US",
                 currency="USD", locale="en", sms_signature="",
                 base_url="https://acme.example")  # fmt: skip
    post(app, [acme])
    rounds(app)
    yield app, provider, clock
    app.close()


def _count(app, table) -> int:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _import(app, name: str, fmt: str = "shopify") -> tuple:  # type: ignore[no-untyped-def]
    bad: list[tuple[int, str]] = []
    text = (EXPORTS / name).read_text(encoding="utf-8")
    done = app.import_orders(io.StringIO(text, newline=""), "acme", fmt,
                             lambda line, why: bad.append((line, why)))  # fmt: skip
    return done, bad


def _known(db_url: str) -> None:
    """The store acme, known to the database (its zone, region and currency)."""
    app = live(db_url, Clock(NOW))
    post(app, [store(NOW.replace(day=1), timezone="America/New_York", default_region="US",
                     currency="USD")])  # fmt: skip
    rounds(app)
    app.close()


def test_the_cli_imports_reports_bad_lines_and_a_second_import_adds_nothing(
    db_url, tmp_path, capsys
):
    _known(db_url)
    good = tmp_path / "orders.csv"
    shutil.copy(EXPORTS / "shopify_orders.synthetic.csv", good)
    args = ["--store", "acme", "--format", "shopify", "--db", db_url]
    assert main(["import", str(good), *args]) == 0
    first = capsys.readouterr().err
    assert "5 orders imported (14 new events of 14), 0 bad" in first
    assert main(["import", str(good), *args]) == 0
    assert "5 orders imported (0 new events of 14), 0 bad" in capsys.readouterr().err
    bad = EXPORTS / "shopify_bad_rows.synthetic.csv"
    assert main(["import", str(bad), *args]) == 1
    err = capsys.readouterr().err
    assert "tidings: line 3: Total: not an amount: 'ten dollars'" in err
    assert "tidings: line 6: Lineitem quantity: not a quantity: '0'" in err
    assert "2 orders imported (6 new events of 6), 4 bad" in err


def test_the_cli_reads_a_byte_order_mark_and_refuses_a_bad_or_unknown_store(
    db_url, tmp_path, capsys
):
    marked = tmp_path / "woo.csv"
    marked.write_bytes(
        b"\xef\xbb\xbf" + (EXPORTS / "woocommerce_orders.synthetic.csv").read_bytes()
    )
    args = ["--format", "woocommerce", "--db", db_url]
    assert main(["import", str(marked), "--store", "Acme!", *args]) == 2
    assert "--store: must match" in capsys.readouterr().err
    assert main(["import", str(marked), "--store", "acme", *args]) == 2
    assert "store 'acme' is not known yet" in capsys.readouterr().err
    _known(db_url)
    assert main(["import", str(marked), "--store", "acme", *args]) == 1  # in yuan, acme's USD
    err = capsys.readouterr().err
    assert "tidings: line 2: currency: the store sells in USD, this is in CNY" in err
    assert "0 orders imported (0 new events of 0), 4 bad" in err


def test_an_order_both_exported_and_sent_by_webhook_is_one_order_of_one_customer(shop):
    app, _, _ = shop
    app.add_connector("acme", "shopify", SECRET)
    order = sample("shopify", "order.json") | {"financial_status": "paid"}
    body, headers = shopify(order, "orders/paid")
    with TestClient(create_app(app)) as client:
        assert client.post("/hooks/shopify/acme", content=body, headers=headers).status_code == 200
    rounds(app)
    header = ("Name,Email,Financial Status,Paid at,Currency,Total,Created at,Lineitem quantity,"
              "Lineitem name,Lineitem price,Id")  # fmt: skip
    row = ('#1001,Bob.Norman@HostMail.com,paid,2008-01-10 11:00:00 -0500,USD,409.94,'
           '2008-01-10 11:00:00 -0500,1,IPod Nano - 8gb,199.00,450789469')  # fmt: skip
    done = app.import_orders(io.StringIO(f"{header}\r\n{row}\r\n"), "acme", "shopify", print)
    assert (done.orders, done.new) == (1, 1)  # only the export's own customer.upserted is new
    rounds(app)
    assert _count(app, tables.orders) == 1
    assert _count(app, tables.customers) == 1


def test_last_months_orders_imported_into_a_live_store_send_the_shoppers_nothing(shop):
    app, provider, clock = shop
    done, bad = _import(app, "shopify_orders.synthetic.csv")  # #1002 unpaid by bank deposit
    assert (done.orders, bad) == (5, [])
    for _ in range(3):
        rounds(app)
        clock.advance(hours=12)
    assert provider.sent == [] and _count(app, tables.messages) == 0  # none even waits
    assert _count(app, tables.orders) == 5
    october = datetime(2026, 10, 20, 12, 0, tzinfo=NY)  # its 30 days hold every sample order
    paid = app.score("acme", october)["metrics"]["dispute_rate"]  # disputes / orders paid
    assert paid["denominator"] == 4  # #1001, #1004 and #1005 paid, #1003 cash on delivery


def test_an_order_of_a_few_minutes_ago_in_the_same_import_still_gets_its_reminder(shop):
    app, provider, clock = shop
    fresh = NOW - timedelta(minutes=10)
    header = ("Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,"
              "Lineitem name,Lineitem price,Id,Phone")  # fmt: skip
    rows = ["#7,old@example.com,pending,USD,5.00,2026-10-07 20:01:00 -0400,1,Pen,5.00,7,"
            "+14155552675",
            f"#8,new@example.com,pending,USD,5.00,{fresh:%Y-%m-%d %H:%M:%S %z},1,Pen,5.00,8,"
            "+14155552676"]  # fmt: skip
    done = app.import_orders(io.StringIO("\r\n".join([header, *rows])), "acme", "shopify", print)
    assert done.orders == 2
    rounds(app)
    clock.advance(minutes=31)
    rounds(app)
    assert [m.to for m in provider.sent] == ["+14155552676"]
