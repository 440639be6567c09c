"""Done when (issue 17, item 1): a Taobao store, against a local TOP router that checks the
signature, gets its unpaid-order reminder through the platform's relay with an approved
template, and no buyer's phone is written anywhere (database or logs); on SQLite and
PostgreSQL. The events are written by hand in the contract's shape (the connector is apart)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from helpers import PHONE, Clock, at, customer, event, found_in_database, live, order, rounds, store
from taobao_server import APP_KEY, SECRET, SEND, SESSION, SIGN_NAME, FakeTop
from tidings.entrypoints.api.app import create_app

TID, OAID = "4012345678901234567", "AAGq5dEAAeG3JedwSFpZMe1"
HANDLE = {"platform": "taobao", "order_id": TID, "buyer": OAID}


@pytest.fixture
def shop(db_url, caplog):  # type: ignore[no-untyped-def]
    """acme (zh-CN) texts its Taobao buyers through `tb`; the platform approved SMS_1 only."""
    caplog.set_level(logging.DEBUG)
    server = FakeTop(approved={"SMS_1"})
    server.trades[TID] = {"tid": TID, "oaid": OAID}
    conf = {"tb": {"type": "taobao_relay", "app_key": APP_KEY, "app_secret": SECRET,
                   "session": SESSION, "sign_name": SIGN_NAME, "router": server.url}}  # fmt: skip
    clock = Clock(at(9))
    app = live(db_url, clock, providers=conf, stores={"acme": {"taobao": "tb"}})
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        _post(client, [store(), customer("c1", phone=None, relay=HANDLE)])
        rounds(app)
        yield client, app, server, clock
    app.close()
    server.stop()


def _post(client: TestClient, events: list[dict[str, Any]]) -> None:
    answer = client.post("/v1/events", json=events)
    assert answer.status_code == 200, answer.text


def _unpaid(**over: Any) -> dict[str, Any]:
    return order(TID, at(8), relay=HANDLE, id_="tb-trade-create", **over)


def _reminders(client: TestClient, step: str = "first") -> list[dict[str, Any]]:
    found = client.get("/v1/messages").json()["messages"]
    return [m for m in found if (m["journey"], m["step"]) == ("payment_reminder", step)]


def test_the_scan_would_see_a_phone():
    assert PHONE.search('{"from": "+8613800138000"}') and PHONE.search("13800138000")
    assert not PHONE.search(f"taobao:{TID}:{OAID}")  # a 19-digit trade id is no phone


def test_the_unpaid_reminder_goes_through_the_relay_and_no_phone_is_written(shop, caplog):
    client, app, server, clock = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    _post(client, [_unpaid()])
    clock.advance(hours=1)
    rounds(app)
    (sent,) = server.sent
    (reminder,) = _reminders(client)
    assert (sent["order_id"], sent["oaid"], sent["template_code"]) == (TID, OAID, "SMS_1")
    assert sent["sms_free_sign_name"] == SIGN_NAME and sent["extend"] == reminder["message_id"]
    values = json.loads(sent["params"])
    assert values["order_id"] == TID and values["pay"].startswith("acme.example/l/")
    assert (reminder["status"], reminder["to"]) == ("sent", f"taobao:{TID}:{OAID}")
    assert reminder["deliveries"][0]["state"] == "accepted"
    assert found_in_database(app) == []
    logged = [r.getMessage() for r in caplog.records]
    assert logged and [line for line in logged if PHONE.search(line)] == []
    assert [line for line in logged if SECRET in line or SESSION in line] == []


def test_without_an_approved_template_the_step_is_suppressed_and_alerted_once(shop):
    client, app, server, clock = shop
    _post(client, [_unpaid(), order("o2", at(8, 1), relay=HANDLE | {"order_id": "o2"})])
    clock.advance(hours=1)
    rounds(app)
    reasons = [(m["status"], m["reason"]) for m in _reminders(client)]
    assert reasons == [("suppressed", "template_not_approved")] * 2
    alerts = [m for m in client.get("/v1/messages").json()["messages"] if m["channel"] == "alert"]
    assert [(a["step"], "tb" in a["body"]) for a in alerts] == [("template_not_approved", True)]
    assert server.calls == []  # nothing went as free text


def test_a_rate_limit_is_tried_again_and_a_refused_template_fails_with_its_reason(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    app.set_template("acme", "tb", "payment_reminder.last", "zh-CN", "SMS_9")  # not approved
    server.limited = 1
    _post(client, [_unpaid(auto_close_at=at(14).isoformat())])
    clock.advance(hours=1)
    rounds(app)
    (delivery,) = _reminders(client)[0]["deliveries"]
    assert delivery["state"] == "queued" and "limited-by-app" in delivery["error"]
    clock.advance(minutes=5)
    rounds(app)
    assert _reminders(client)[0]["deliveries"][0]["state"] == "accepted"
    clock.advance(hours=3)  # the last reminder, 2 h before the trade closes
    rounds(app)
    (last,) = _reminders(client, "last")[0]["deliveries"]
    assert (last["state"], last["error"]) == (
        "failed",
        "isv.template-not-approved: 短信模板未审核通过",
    )
    assert len(server.sent) == 1


def test_a_trade_delivered_again_sends_nothing_twice(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    _post(client, [_unpaid()])
    clock.advance(hours=1)
    rounds(app)
    _post(client, [_unpaid(), _unpaid()])  # the platform's message redelivered
    clock.advance(hours=1)
    rounds(app)
    assert len(server.sent) == 1 and server.methods() == [SEND]
    assert len(_reminders(client)) == 1


def test_a_stop_the_relay_reports_stops_the_reminder(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    stop = event("message.inbound", at(8, 30), text="退订", relay=HANDLE)
    _post(client, [_unpaid(), stop])
    clock.advance(hours=1)
    rounds(app)
    (reminder,) = _reminders(client)
    assert (reminder["status"], reminder["reason"]) == ("suppressed", "opted_out")
    assert server.calls == []
    seen = client.get("/v1/customers/c1").json()
    assert seen["relay"] == {"platform": "taobao", "order_id": TID} and seen["phone"] is None
    assert seen["consent"]["relay_opted_out"] is True and seen["consent"]["service_sms"] is False


def test_a_taobao_customer_with_a_phone_is_refused_by_name(shop):
    client, *_ = shop
    bad = customer("c2", phone="+8613800138000", relay=HANDLE)
    answer = client.post("/v1/events", json=[bad])
    assert answer.status_code == 422
    (result,) = answer.json()["results"]
    assert (
        result["error"].startswith("item 0, event 'e") and "field data.phone: " in result["error"]
    )
    assert found_in_database(shop[1]) == []  # refused whole: its phone kept nowhere


def test_an_erased_buyer_leaves_no_handle_on_their_rows_or_events(shop):
    client, app, _server, clock = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    _post(client, [_unpaid()])
    clock.advance(hours=1)
    rounds(app)
    _post(client, [event("message.inbound", at(9, 30), text="好的", relay=HANDLE)])
    rounds(app)
    assert client.delete("/v1/customers/c1").status_code == 200
    meta = MetaData()
    meta.reflect(app.db, only=["customers", "orders", "messages", "deliveries", "events"])
    with app.db.connect() as conn:
        rows = {name: [dict(r._mapping) for r in conn.execute(select(table))]
                for name, table in meta.tables.items()}  # fmt: skip
    kept = [(name, row) for name, found in rows.items() for row in found if OAID in str(row)]
    assert kept == []
    assert [m["to"] for m in _reminders(client)] == [None]
