"""Issue 17's "done when" for Taobao/Tmall, through its connector: the store's TMC messages
pulled from the local TOP router (tests/taobao_server.py) as the worker pulls them, a trade
created unpaid with its oaid, and its unpaid-order reminder relayed by the same router with the
template the platform approved; no phone in any table or log. And the issue's bad input: a
template the relay refuses is kept with its reason, nothing lost or sent twice. On SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

import httpx
import pytest
from connector_kit import sample
from sqlalchemy import select

from helpers import PHONE, Clock, found_in_database, live, post, rounds, store
from taobao_server import APP_KEY, SECRET, SELLER, SEND, SESSION, SIGN_NAME, FakeTop
from taobao_server import PHONE as RECEIVER
from tidings.adapters.db import tables

NOW = datetime.fromisoformat("2026-11-11T10:00:00+08:00")
TRADE = sample("taobao", "trade_fullinfo.synthetic.json") | {
    "created": "2026-11-11 10:00:00", "modified": "2026-11-11 10:00:00",
    "timeout_action_time": "2026-11-12 10:00:00"}  # fmt: skip
TID, OAID, BUYER = str(TRADE["tid"]), TRADE["oaid"], TRADE["buyer_open_uid"]


@pytest.fixture
def shop(db_url, caplog):  # type: ignore[no-untyped-def]
    """acme sells on Taobao; the platform approved its signature and SMS_1 only."""
    caplog.set_level(logging.DEBUG)
    with FakeTop(approved={"SMS_1"}) as top, httpx.Client(timeout=10) as http:
        top.trades[TID] = TRADE
        relay = {"tb": {"type": "taobao_relay", "app_key": APP_KEY, "app_secret": SECRET,
                        "session": SESSION, "sign_name": SIGN_NAME, "router": top.url}}  # fmt: skip
        clock = Clock(NOW)
        app = live(db_url, clock, providers=relay, stores={"acme": {"taobao": "tb"}})
        post(app, [store(NOW.replace(day=1))])
        rounds(app)
        settings = {"app_key": APP_KEY, "session": SESSION, "seller_id": SELLER, "url": top.url}
        app.add_connector("acme", "taobao", SECRET, settings)

        def worker(**later: float) -> dict[str, int]:
            """The worker `later`: it pulls the store's messages, then takes its rounds."""
            clock.advance(**later)
            pulled = app.pull("acme", "taobao", http=http)
            rounds(app)
            return pulled

        yield app, top, worker
    app.close()


def _created(top: FakeTop) -> int:
    return top.publish("taobao_trade_TradeCreate", sample("taobao", "messages.synthetic.json")[
        "taobao_trade_TradeCreate"])  # fmt: skip


def _events(app: Any) -> list[str]:
    E = tables.events.c
    with app.db.connect() as conn:
        return sorted(conn.execute(select(E.event_id).where(E.type != "store.upserted")).scalars())


def _reminders(app: Any) -> dict[str, dict[str, Any]]:
    """The unpaid-order reminders by step: the message's status, its delivery's state."""
    M, D = tables.messages.c, tables.deliveries.c
    query = (select(M.step, M.status, M.recipient, D.state, D.error)
             .join(tables.deliveries, D.message_id == M.message_id, isouter=True)
             .where(M.journey == "payment_reminder"))  # fmt: skip
    with app.db.connect() as conn:
        return {r.step: dict(r._mapping) for r in conn.execute(query)}


def test_a_trade_pulled_unpaid_gets_its_reminder_through_the_relay_and_no_phone_is_kept(
    shop, caplog
):
    app, top, worker = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_1")
    _created(top)
    assert worker(minutes=1) == {"accepted": 1}
    assert top.queue == {} and top.sent == []  # kept and confirmed; the reminder waits 30 min
    assert worker(minutes=30) == {}
    (sent,) = top.sent
    assert (sent["order_id"], sent["oaid"], sent["template_code"]) == (TID, OAID, "SMS_1")
    assert sent["sms_free_sign_name"] == SIGN_NAME
    assert json.loads(sent["params"])["order_id"] == TID
    reminder = _reminders(app)["first"]
    assert (reminder["status"], reminder["state"]) == ("sent", "accepted")
    assert reminder["recipient"] == f"taobao:{TID}:{OAID}"
    assert RECEIVER in json.dumps(top.trades[TID])  # the router gave the phone; tidings kept none
    assert found_in_database(app) == []
    logged = [r.getMessage() for r in caplog.records]
    assert logged and [line for line in logged if PHONE.search(line)] == []
    assert [line for line in logged if SECRET in line or SESSION in line] == []


def test_a_template_the_relay_refuses_is_kept_with_its_reason_and_nothing_goes_twice(shop):
    app, top, worker = shop
    app.set_template("acme", "tb", "payment_reminder.first", "zh-CN", "SMS_9")  # not approved
    app.set_template("acme", "tb", "payment_reminder.last", "zh-CN", "SMS_1")
    _created(top)
    worker(minutes=1)
    worker(minutes=30)
    first = _reminders(app)["first"]
    assert (first["status"], first["state"]) == ("sent", "failed")  # sent out, refused there
    assert first["error"] == "isv.template-not-approved: 短信模板未审核通过"  # the platform's
    assert top.sent == [] and top.methods().count(SEND) == 1  # refused once, not tried again
    _created(top)  # the platform tells of the trade again, in a message of another id
    worker(minutes=1)
    assert _events(app) == [f"taobao:buyer:{BUYER}:{TID}", f"taobao:trade:{TID}:created"]
    worker(hours=23)  # the last reminder (2 h before the trade closes, after quiet hours)
    reminders = _reminders(app)
    assert reminders["first"] == first  # kept as it was: failed, with the platform's reason
    assert (reminders["last"]["status"], reminders["last"]["state"]) == ("sent", "accepted")
    assert [s["template_code"] for s in top.sent] == ["SMS_1"]
    assert top.methods().count(SEND) == 2 and found_in_database(app) == []
