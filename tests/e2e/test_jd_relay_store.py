"""A store selling on JD and on its own site: JD buyers (no phone) are texted through JD's
relay (a local JOS router that checks the signature), shoppers with a phone through the
store's SMS provider; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import Clock, at, customer, live, order, rounds, store
from jd_server import APP_KEY, SECRET, SIGN_NAME, TOKEN, FakeJos
from tidings.entrypoints.api.app import create_app

JD_ORDER, CONSIGNEE = "300012345678", "JDenc~AbCdEf0123456789=="
HANDLE = {"platform": "jd", "order_id": JD_ORDER, "buyer": CONSIGNEE}


@pytest.fixture
def shop(db_url, tmp_path):  # type: ignore[no-untyped-def]
    with FakeJos(approved={"JD_T1"}) as server:
        server.put({"orderId": JD_ORDER, "consigneeInfo": {"oaid": CONSIGNEE}})
        conf = {"jd": {"type": "jd_relay", "app_key": APP_KEY, "app_secret": SECRET,
                       "access_token": TOKEN, "sign_name": SIGN_NAME,
                       "router": server.url}}  # fmt: skip
        clock = Clock(at(9))
        outbox = tmp_path / "outbox.jsonl"
        app = live(db_url, clock, providers=conf, channels={"jd": "jd"}, outbox=outbox)
        key = app.create_key("acme")
        with TestClient(create_app(app)) as client:
            client.headers["Authorization"] = f"Bearer {key}"
            buyers = [customer("jd1", phone=None, relay=HANDLE), customer("web1")]
            assert client.post("/v1/events", json=[store(), *buyers]).status_code == 200
            rounds(app)
            yield client, app, server, clock, outbox
        app.close()


def _reminders(client: TestClient) -> dict[str, dict[str, Any]]:
    found = client.get("/v1/messages").json()["messages"]
    return {m["customer_id"]: m for m in found if m["journey"] == "payment_reminder"}


def test_a_jd_buyer_goes_through_jds_relay_and_a_web_shopper_through_sms(shop):
    client, app, server, clock, outbox = shop
    app.set_template("acme", "jd", "payment_reminder.first", "zh-CN", "JD_T1")
    orders = [order(JD_ORDER, at(8), cid="jd1", relay=HANDLE), order("w1", at(8), cid="web1")]
    assert client.post("/v1/events", json=orders).status_code == 200
    clock.advance(hours=1)
    rounds(app)
    (sent,) = server.sent
    assert (sent["orderId"], sent["encryptedConsignee"], sent["templateId"]) == (
        JD_ORDER, CONSIGNEE, "JD_T1",
    )  # fmt: skip
    reminders = _reminders(client)
    assert reminders["jd1"]["deliveries"][0]["state"] == "accepted"
    assert reminders["jd1"]["to"] == f"jd:{JD_ORDER}:{CONSIGNEE}"
    (line,) = [json.loads(x) for x in outbox.read_text(encoding="utf-8").splitlines()]
    assert line["to"] == "+8613800138000"  # the web shopper, by the store's own SMS


def test_the_steps_are_written_for_approval_in_the_relays_syntax(shop):
    client, *_ = shop
    steps = client.get("/v1/templates/export", params={"provider": "jd"}).json()["steps"]
    first = next(s for s in steps if s["step"] == "payment_reminder.first")
    assert first["text"] == "【Acme】您的订单${order_id}待付款，点此支付：${pay}"
