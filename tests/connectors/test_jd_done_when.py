"""Issue 17's "done when" for JD: a JD store's orders, waybills and reviews, pulled from the
local JOS router as the worker would pull them over two days, drive the store's service score
and the merchant's bad-review alert, and a JD buyer's shipping notice goes through JD's relay on
the same router (its approved template, the order's encrypted consignee): the buyer's phone is
nowhere in tidings. A template the relay refuses is kept with JD's reason, tried once, and the
order's facts kept; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime

import httpx
import pytest
from connector_kit import JD_RECEIVER, jd_comment, jd_order, sample
from sqlalchemy import select
from test_jd_pull import MERCHANT, SHANGHAI

from fakes_providers import ScriptedProvider
from helpers import Clock, found_in_database, live, post, rounds, store
from jd_server import APP_KEY, SECRET, SEND, SIGN_NAME, TOKEN, FakeJos
from tidings.adapters.db import tables
from tidings.adapters.providers.jd_relay import JdRelayProvider

CONSIGNEE = sample("jd", "order.synthetic.json")["consigneeInfo"]["oaid"]  # encrypted by JD


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def jd_store(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(_at(18, 8)), ScriptedProvider()
    with FakeJos(approved={"JD_SHIPPED"}) as jos, httpx.Client() as http:
        conf = {"app_key": APP_KEY, "app_secret": SECRET, "access_token": TOKEN,
                "sign_name": SIGN_NAME, "router": jos.url}  # fmt: skip
        relay = JdRelayProvider("jd", **conf)  # as configured: its templates are registered
        app = live(db_url, clock, {"file": provider, "jd": relay}, channels={"jd": "jd"},
                   providers={"jd": {"type": "jd_relay", **conf}})  # fmt: skip
        post(app, [store(_at(1, 0), merchant_contacts=[{"phone": MERCHANT}])])
        rounds(app)
        app.set_template("acme", "jd", "shipping_notice.shipped", "zh-CN", "JD_SHIPPED")
        settings = {"app_key": APP_KEY, "access_token": TOKEN, "url": jos.url,
                    "carriers": "2087=JD", "history_days": "1"}  # fmt: skip
        app.add_connector("acme", "jd", SECRET, settings)

        def at(when: datetime) -> None:
            """The worker's pull at `when`, then its rounds."""
            clock.now = when
            app.pull("acme", "jd", http=http)
            rounds(app)

        yield app, provider, jos, at
        app.close()


def test_a_jd_stores_orders_waybills_and_reviews_drive_the_score_and_the_alerts(jd_store):
    app, provider, jos, at = jd_store
    # 18 Nov: A paid online at 09:00, B cash on delivery at 09:10: both due out the same day
    jos.put(jd_order("5001", _at(18, 9), orderStartTime=_stamp(_at(18, 9)),
                     paymentConfirmTime=_stamp(_at(18, 9))))  # fmt: skip
    jos.put(jd_order("5002", _at(18, 9, 10), orderStartTime=_stamp(_at(18, 9, 10)),
                     payType="1-货到付款", paymentConfirmTime=""))  # fmt: skip
    at(_at(18, 9, 15))
    # A leaves at 15:00 with its JD waybill; B only the next morning: late
    sent = {"orderState": "WAIT_GOODS_RECEIVE_CONFIRM", "logisticsId": "2087"}
    jos.put(jd_order("5001", _at(18, 15), waybill="JDVA0001", **sent))
    at(_at(18, 15, 5))
    (notice,) = jos.sent  # A's buyer told through JD's relay, by the order and its consignee
    assert (notice["orderId"], notice["encryptedConsignee"]) == ("5001", CONSIGNEE)
    assert (notice["templateId"], notice["signName"]) == ("JD_SHIPPED", SIGN_NAME)
    assert "JDVA0001" in json.loads(notice["templateParam"]).values()
    jos.put(jd_order("5002", _at(19, 10), waybill="JDVA0002", payType="1-货到付款",
                     paymentConfirmTime="", **sent))  # fmt: skip
    at(_at(19, 10, 5))
    # A is received at noon the next day: arrived in time
    jos.put(jd_order("5001", _at(19, 12), waybill="JDVA0001", orderState="FINISHED_L",
                     orderEndTime=_stamp(_at(19, 12))))  # fmt: skip
    at(_at(19, 12, 5))
    # the reviews: five stars for A, one star for B, the merchant alerted at once
    jos.comments.append(jd_comment("8001", "5001", _at(19, 20), 5, "很好喝"))
    jos.comments.append(jd_comment("8002", "5002", _at(19, 21), 1, "包装破损"))
    before = len(provider.sent)
    at(_at(19, 21, 5))
    alerts = [m for m in provider.sent[before:] if m.to == MERCHANT]
    assert [m.body for m in alerts] == [
        "差评提醒：订单5002收到1星评价「包装破损」，请尽快联系买家。"
    ]

    score = app.score("acme", _at(20, 10))["metrics"]
    figures = {name: (m["numerator"], m["denominator"], m["culprits"])
               for name, m in score.items()}  # fmt: skip
    assert figures["review_positive_rate"] == (1, 2, ["8002"])
    assert figures["same_day_collection_rate"] == (1, 2, ["5002"])
    assert figures["next_day_arrival_rate"] == (1, 1, [])
    assert [p for p in JD_RECEIVER for m in provider.sent if p in m.body] == []
    texts = [m.to for m in provider.sent if m.channel == "sms" and m.to != MERCHANT]
    assert texts == []  # a JD buyer is texted by the relay alone (the reviews get replies)
    assert [s["orderId"] for s in jos.sent] == ["5001", "5002"]
    assert [m for m, _ in jos.calls].count(SEND) == 2
    receiver = re.compile("|".join(re.escape(p) for p in JD_RECEIVER))
    assert found_in_database(app, receiver) == []


def test_a_template_jds_relay_refuses_is_kept_with_its_reason_and_nothing_goes_twice(jd_store):
    app, _, jos, at = jd_store
    jos.approved.clear()  # JD withdrew the store's template
    jos.put(jd_order("5001", _at(18, 9)))
    at(_at(18, 9, 5))
    sent = {"orderState": "WAIT_GOODS_RECEIVE_CONFIRM", "logisticsId": "2087"}
    jos.put(jd_order("5001", _at(18, 15), waybill="JDVA0001", **sent))
    at(_at(18, 15, 5))
    jos.put(jd_order("5001", _at(18, 16), waybill="JDVA0001", **sent))  # told again, later
    at(_at(18, 16, 5))
    M, D = tables.messages.c, tables.deliveries.c
    query = (select(M.status, D.state, D.error, D.attempts)
             .join(tables.deliveries, D.message_id == M.message_id)
             .where(M.journey == "shipping_notice"))  # fmt: skip
    with app.db.connect() as conn:
        notices = [tuple(r) for r in conn.execute(query)]
        shipments = conn.execute(select(tables.shipments.c.tracking_number)).scalars().all()
    assert notices == [("sent", "failed", "TEMPLATE_NOT_APPROVED: 模板未审核通过", 1)]
    assert shipments == ["JDVA0001"]  # the order's facts kept all the same
    assert jos.sent == [] and [m for m, _ in jos.calls].count(SEND) == 1
