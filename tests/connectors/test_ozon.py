"""Ozon: its pushes as order events (each state and cancellation reason row), its ping
answered as Ozon requires, its error shape for what cannot be read, the token in the URL;
the hooks on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from connector_kit import MOSCOW, SECRET, datas, delivery, raw, sample, unsigned
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import Clock, live, post, rounds, store
from tidings.adapters.connectors import ozon
from tidings.adapters.db import tables
from tidings.domain.connectors import URL_TOKEN
from tidings.entrypoints.api.app import create_app

NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
H = tables.hook_deliveries.c


def _translate(push: dict[str, Any]):  # type: ignore[no-untyped-def]
    return ozon.translate(delivery("ozon", unsigned(push), MOSCOW))


def test_a_new_posting_is_an_order_with_its_skus_and_no_money():
    translated = _translate(sample("ozon", "new_posting.json"))
    [(kind, data)] = datas(translated)
    assert kind == "order.created"
    assert data == {"order_id": "24219509-0020-1", "customer_id": "ozon-24219509-0020-1",
                    "items": [{"sku": "147451959", "name": "147451959", "qty": 2,
                               "price": "0.00"}],
                    "total": "0.00", "currency": "RUB", "payment": "prepaid",
                    "status": "paid"}  # fmt: skip
    assert translated.events[0]["occurred_at"] == "2021-01-26T06:56:36.294000+00:00"
    assert translated.events[0]["id"] == "ozon:24219509-0020-1:created"


@pytest.mark.parametrize(
    ("reason", "why"),
    [(352, "merchant"), (400, "merchant"), (401, "merchant"), (402, "merchant"),
     (665, "customer"), (666, "other"), (667, "other"), (0, "other"), ("x", "other")],
)  # fmt: skip
def test_ozon_cancel_reason(reason, why):
    push = sample("ozon", "posting_cancelled.json") | {"reason": {"id": reason, "message": "m"}}
    [(kind, data)] = datas(_translate(push))
    assert (kind, data) == ("order.cancelled", {"order_id": "24219509-0020-1", "reason": why})


@pytest.mark.parametrize(
    ("state", "status"),
    [("posting_created", None), ("posting_split_pending", None),
     ("posting_awaiting_registration", None), ("posting_awaiting_passport_data", None),
     ("posting_registration_error", None), ("posting_canceled", None),
     ("posting_not_in_carriage", None),
     ("posting_transferring_to_delivery", "info_received"),
     ("posting_acceptance_in_progress", "in_transit"), ("sent_by_seller", "in_transit"),
     ("posting_in_carriage", "in_transit"), ("posting_driver_pick_up", "in_transit"),
     ("posting_on_way_to_city", "in_transit"),
     ("posting_transferred_to_courier_service", "in_transit"),
     ("posting_on_way_to_pickup_point", "in_transit"),
     ("posting_in_courier_service", "out_for_delivery"),
     ("posting_in_pickup_point", "available_for_pickup"),
     ("posting_conditionally_delivered", "delivered"), ("posting_delivered", "delivered"),
     ("posting_received", "delivered"), ("posting_in_arbitration", "exception"),
     ("posting_in_client_arbitration", "exception"),
     ("posting_not_in_sort_center", "exception"),
     ("posting_returned_to_warehouse", "returned")],
)  # fmt: skip
def test_ozon_state(state, status):
    found = _translate(sample("ozon", "state_changed.json") | {"new_state": state}).events
    assert (found[0]["data"]["status"] if found else None) == status


def test_a_state_change_is_a_checkpoint_of_the_posting():
    [(kind, data)] = datas(_translate(sample("ozon", "state_changed.json")))
    assert (kind, data) == ("shipment.checkpoint", {
        "shipment_id": "ozon-24219509-0020-1", "order_id": "24219509-0020-1",
        "carrier": "Ozon", "tracking_number": "24219509-0020-1", "status": "delivered",
        "substatus": "posting_delivered"})  # fmt: skip


def test_the_ping_is_answered_with_version_name_and_time():
    body, _ = unsigned(sample("ozon", "ping.json"))
    assert ozon.ping(body, {}) and not ozon.ping(raw(sample("ozon", "new_posting.json")), {})
    assert ozon.pong(datetime(2026, 11, 11, 15, 0, 1, tzinfo=ZoneInfo("Europe/Moscow"))) == {
        "version": "1", "name": "tidings", "time": "2026-11-11T12:00:01Z"}  # fmt: skip


def test_the_token_in_the_url_is_the_connectors_secret():
    body = raw(sample("ozon", "new_posting.json"))
    assert ozon.verify(SECRET, body, {URL_TOKEN: SECRET})
    assert not ozon.verify(SECRET, body, {URL_TOKEN: SECRET[:-1]})
    assert not ozon.verify(SECRET, body, {})


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    app = live(db_url, Clock(NOW), {"file": ScriptedProvider()})
    post(app, [store(NOW - timedelta(days=9), timezone="Europe/Moscow", default_region="RU",
                     currency="RUB", locale="ru")])  # fmt: skip
    rounds(app)
    app.add_connector("acme", "ozon", SECRET)
    with TestClient(create_app(app)) as client:
        yield client, app
    app.close()


def _hook(client: TestClient, body: bytes, token: str = SECRET, shop: str = "acme"):  # type: ignore[no-untyped-def]
    return client.post(f"/hooks/ozon/{shop}", params={"token": token}, content=body,
                       headers={"Content-Type": "application/json"})  # fmt: skip


def _kept(app) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    with app.db.connect() as conn:
        return [tuple(r) for r in conn.execute(select(H.topic, H.outcome, H.reason))]


def test_ozons_ping_is_answered_and_kept_nowhere(shop):
    client, app = shop
    answer = _hook(client, raw(sample("ozon", "ping.json")))
    assert answer.status_code == 200
    assert answer.json() == {"version": "1", "name": "tidings", "time": "2026-11-11T12:00:00Z"}
    refused = _hook(client, raw(sample("ozon", "ping.json")), token="wrong-token")
    assert refused.status_code == 401 and set(refused.json()["error"]) == {
        "code", "message", "details"}  # fmt: skip
    assert _kept(app) == []


def test_pushes_are_taken_once_and_answered_as_ozon_wants(shop):
    client, app = shop
    created = raw(sample("ozon", "new_posting.json"))
    assert _hook(client, created).json() == {"result": True}
    assert _hook(client, created).json() == {"result": True}  # Ozon's resend: a duplicate
    assert _hook(client, raw(sample("ozon", "state_changed.json"))).json() == {"result": True}
    rounds(app)
    with app.db.connect() as conn:
        orders = conn.execute(select(tables.orders.c.order_id, tables.orders.c.total)).all()
        parcels = conn.execute(select(tables.shipments.c.status)).all()
    assert [tuple(o) for o in orders] == [("24219509-0020-1", "0.00")]
    assert [p[0] for p in parcels] == ["delivered"]
    assert [k[:2] for k in _kept(app)] == [("TYPE_NEW_POSTING", "accepted"),
                                           ("TYPE_STATE_CHANGED", "accepted")]  # fmt: skip


def test_what_cannot_be_read_is_kept_with_its_reason_and_answered_in_ozons_error_shape(shop):
    client, app = shop
    bad = _hook(client, b"<posting/>")
    assert bad.status_code == 400
    assert bad.json() == {"error": {"code": "ERROR_PARAMETER_VALUE_MISSED", "details": None,
                                    "message": "the notification is kept, but tidings could "
                                               "not read it"}}  # fmt: skip
    odd = sample("ozon", "state_changed.json") | {"new_state": "posting_teleported"}
    assert _hook(client, raw(odd)).status_code == 400
    chat = {"message_type": "TYPE_NEW_MESSAGE", "chat_id": "c1", "seller_id": 15}
    assert _hook(client, raw(chat)).json() == {"result": True}
    novel = {"message_type": "TYPE_SOMETHING_NEW", "seller_id": 15}
    assert _hook(client, raw(novel)).json() == {"result": True}
    assert sorted(_kept(app), key=str) == sorted([
        (None, "failed", "the body is not JSON"),
        ("TYPE_STATE_CHANGED", "failed", "new_state 'posting_teleported' is not one tidings knows"),
        ("TYPE_NEW_MESSAGE", "ignored", "message_type 'TYPE_NEW_MESSAGE' is not about an order"),
        ("TYPE_SOMETHING_NEW", "ignored",
         "message_type 'TYPE_SOMETHING_NEW' is not one tidings knows"),
    ], key=str)  # fmt: skip


def test_a_push_for_a_store_without_the_connector_is_refused_in_ozons_shape(shop):
    client, app = shop
    answer = _hook(client, raw(sample("ozon", "new_posting.json")), shop="bolt")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "ERROR_UNKNOWN"
    assert _kept(app) == []
