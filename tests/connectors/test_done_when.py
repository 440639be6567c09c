"""The connectors end to end: a connector added, the platforms' samples posted signed as the
platform signs them, and the journeys they start decided; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from connector_kit import SECRET, aftership, kuaidi100, sample, shopify
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from tidings.adapters.db import tables
from tidings.domain.connectors import SOURCES
from tidings.entrypoints.api.app import create_app

NOW = datetime(2026, 11, 11, 10, 0, tzinfo=ZoneInfo("America/New_York"))
SHOPPER, MERCHANT = "+14155552671", "+14155550100"


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(NOW), ScriptedProvider()
    app = live(db_url, clock, {"file": provider})
    acme = store(NOW.replace(day=1), timezone="America/New_York", default_region="US",
                 currency="USD", locale="en", sms_signature="", base_url="https://acme.example",
                 merchant_contacts=[{"phone": MERCHANT}])  # fmt: skip
    post(app, [acme])
    rounds(app)  # the store is known: its zone, region and currency
    for source in SOURCES:  # CDEK's API client too, for the platforms asked back
        app.add_connector("acme", source, SECRET, {"client_id": "id", "client_secret": "shh"})
    with TestClient(create_app(app)) as client:
        yield client, app, provider, clock
    app.close()


def _order(paid: bool = False, **over: object) -> dict:
    order = sample("shopify", "order.json")
    order["created_at"] = order["updated_at"] = NOW.isoformat()
    order["financial_status"] = "paid" if paid else "pending"
    return order | over


def _fulfillment(number: str, carrier: str) -> dict:
    shipped = sample("shopify", "fulfillment.json")
    shipped.update(tracking_number=number, tracking_numbers=[number], tracking_company=carrier,
                   created_at=NOW.isoformat(), updated_at=NOW.isoformat())  # fmt: skip
    return shipped


def _hook(client: TestClient, source: str, signed: tuple, store_id: str = "acme"):  # type: ignore[no-untyped-def]
    body, headers = signed
    return client.post(f"/hooks/{source}/{store_id}", content=body, headers=headers)


def _target(client: TestClient, text: str) -> str:
    token = text.rsplit("/l/", 1)[1].split()[0].rstrip(".")
    at_acme = {"host": "acme.example"}  # a short link resolves at its store's host
    return client.get(f"/l/{token}", headers=at_acme, follow_redirects=False).headers["location"]


def test_an_unpaid_shopify_order_gets_its_payment_reminder_with_the_orders_pay_link(shop):
    client, app, provider, clock = shop
    answer = _hook(client, "shopify", shopify(_order(), "orders/create"))
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    rounds(app)
    clock.advance(minutes=31)
    rounds(app)
    assert [m.to for m in provider.sent] == [SHOPPER]
    assert "is waiting for payment" in provider.sent[0].body
    pay = _target(client, provider.sent[0].body)
    assert (
        pay
        == "https://checkout.local/1/orders/b1946ac92492d2347c6235b4d2611184/authenticate?key=abc"
    )


def test_an_abandoned_checkout_of_a_consenting_customer_gets_its_cart_reminder(shop):
    client, app, provider, clock = shop
    checkout = sample("shopify", "checkout.json") | {"updated_at": NOW.isoformat()}
    answer = _hook(client, "shopify", shopify(checkout, "checkouts/create"))
    assert answer.status_code == 200
    rounds(app)
    clock.advance(minutes=61)
    rounds(app)
    assert [m.to for m in provider.sent] == [SHOPPER]
    assert "in your cart" in provider.sent[0].body
    assert _target(client, provider.sent[0].body) == (
        "https://checkout.local/orders/690933842/2a1ace52255252df566af0faaedfbfa7?recovered=1"
    )


def test_a_failed_attempt_from_aftership_alerts_the_merchant_and_tells_the_shopper(shop):
    client, app, provider, clock = shop
    _hook(client, "shopify", shopify(_order(paid=True), "orders/create"))
    _hook(client, "shopify", shopify(_fulfillment("1Z2345", "UPS"), "fulfillments/create", "wh-2"))
    rounds(app)
    shipped = len(provider.sent)  # the shipping notice
    update = sample("aftership", "tracking_update.json")
    update["msg"].update(tracking_number="1Z2345", slug="ups", tag="AttemptFail",
                         subtag="AttemptFail_001")  # fmt: skip
    update["msg"]["checkpoints"][-1].update(
        slug="ups", tag="AttemptFail", subtag="AttemptFail_001",
        checkpoint_time=NOW.replace(tzinfo=None, hour=11).isoformat(),
        message="Receiver not available {{ store.secret }} {% raw %}")  # fmt: skip
    clock.advance(hours=1, minutes=1)
    answer = _hook(client, "aftership", aftership(update))
    assert answer.status_code == 200 and answer.json() == {"status": "accepted"}
    rounds(app)
    news = provider.sent[shipped:]
    assert sorted(m.to for m in news) == sorted([MERCHANT, SHOPPER])
    alert = next(m for m in news if m.to == MERCHANT)
    assert alert.body.startswith("Failed delivery attempt: order 450789469, ups 1Z2345")
    assert alert.body.endswith(": Receiver not available {{ store.secret }} {% raw %}")  # data
    assert "hitch with the delivery" in next(m for m in news if m.to == SHOPPER).body


def test_a_pickup_from_kuaidi100_gets_its_pickup_notice(shop):
    client, app, provider, clock = shop
    _hook(client, "shopify", shopify(_order(paid=True), "orders/create"))
    ful = _fulfillment("YT9693083639795", "YTO Express")
    _hook(client, "shopify", shopify(ful, "fulfillments/create", "wh-2"))
    rounds(app)
    shipped = len(provider.sent)
    push = sample("kuaidi100", "push_param.synthetic.json")
    push["lastResult"]["state"] = "501"
    push["lastResult"]["data"][0].update(ftime="2026-11-11 10:30:00", context="[深圳市] 已投柜")
    clock.advance(minutes=31)
    answer = _hook(client, "kuaidi100", kuaidi100(push))
    assert answer.status_code == 200
    assert answer.json() == {"result": True, "returnCode": "200", "message": "成功"}
    rounds(app)
    assert [m.to for m in provider.sent[shipped:]] == [SHOPPER]
    assert provider.sent[shipped].body.startswith("Your parcel is waiting at its pickup point")


def test_forged_and_duplicate_deliveries_change_nothing(shop):
    client, app, provider, clock = shop
    order = _order()
    forged = _hook(client, "shopify", shopify(order, "orders/create", secret="not-the-secret"))
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "bad_signature"
    unsigned_body, headers = shopify(order, "orders/create")
    del headers["X-Shopify-Hmac-Sha256"]
    assert _hook(client, "shopify", (unsigned_body, headers)).status_code == 401
    assert _hook(client, "shopify", shopify(order, "orders/create"), "bolt").status_code == 401
    assert _count(app, tables.hook_deliveries) == 0 and _count(app, tables.events) == 1
    first = _hook(client, "shopify", shopify(order, "orders/create", "wh-9"))
    again = _hook(client, "shopify", shopify(order, "orders/create", "wh-9"))  # Shopify's retry
    other = _hook(client, "shopify", shopify(order, "orders/create", "wh-10"))  # sent twice
    assert [r.json()["status"] for r in (first, again, other)] == [
        "accepted", "duplicate", "accepted"]  # fmt: skip
    assert _count(app, tables.hook_deliveries) == 2
    assert _count(app, tables.events) == 1 + 2  # the store, the customer and the order, once
    rounds(app)
    clock.advance(minutes=31)
    rounds(app)
    assert [m.to for m in provider.sent] == [SHOPPER]


def _count(app, table) -> int:  # type: ignore[no-untyped-def]
    with app.db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
