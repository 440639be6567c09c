"""A Chinese store texting through Alibaba Cloud SMS (against a local Dysms that checks the
signature and the encoding): approved templates only, reports and replies by push, on SQLite
and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aliyun_server import KEY_ID, SECRET, SIGN_NAME, FakeDysms
from helpers import Clock, at, customer, live, order, rounds, store
from tidings.entrypoints.api.app import create_app

TOKEN = "push-token-acme"
REPORT, UP = (
    f"/v1/providers/aliyun/report?token={TOKEN}",
    f"/v1/providers/aliyun/reply?token={TOKEN}",
)


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    """acme (zh-CN) texts through `aliyun`; its Dysms approved SMS_1 only."""
    server = FakeDysms(approved={"SMS_1"})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conf = {"aliyun": {"type": "aliyun_sms", "access_key_id": KEY_ID,
                       "access_key_secret": SECRET, "sign_name": SIGN_NAME,
                       "endpoint": server.url, "callback_token": TOKEN}}  # fmt: skip
    clock = Clock(at(9))
    app = live(db_url, clock, providers=conf, channels={"sms": "aliyun"})
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        _post(client, [store(), customer()])
        rounds(app)
        yield client, app, server, clock
    app.close()
    server.shutdown()
    server.server_close()


def _post(client: TestClient, events: list[dict[str, Any]]) -> None:
    answer = client.post("/v1/events", json=events)
    assert answer.status_code == 200, answer.text


def _messages(client: TestClient, **query: str) -> list[dict[str, Any]]:
    answer = client.get("/v1/messages", params=query)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["messages"]
    return found


def _reminders(client: TestClient, step: str = "first") -> list[dict[str, Any]]:
    found = _messages(client)
    return [m for m in found if (m["journey"], m["step"]) == ("payment_reminder", step)]


def test_a_step_without_an_approved_template_is_suppressed_and_alerted_once(shop):
    client, app, server, clock = shop
    _post(client, [order("o1", at(8)), order("o2", at(8, 1))])
    clock.advance(hours=1)
    rounds(app)
    reminders = _reminders(client)
    assert [(m["status"], m["reason"]) for m in reminders] == [
        ("suppressed", "template_not_approved")
    ] * 2
    assert server.forms == []  # nothing went as free text
    alerts = [m for m in _messages(client) if m["channel"] == "alert"]
    assert [(a["journey"], a["step"]) for a in alerts] == [
        ("template_watch", "template_not_approved")
    ]
    assert "payment_reminder.first" in alerts[0]["body"]
    only = _messages(client, reason="template_not_approved")
    assert {m["message_id"] for m in only} == {m["message_id"] for m in reminders}
    assert [m for m in _reminders(client, "last") if m["status"] != "pending"] == []
    report = client.get("/v1/stores/acme/report", params={"from": "2026-11-11", "to": "2026-11-11"})
    assert report.status_code == 200, report.text
    (row,) = [j for j in report.json()["journeys"] if j["journey"] == "payment_reminder"]
    assert row["suppressed"] == {"template_not_approved": 2}


def test_an_approved_template_goes_with_its_values_and_its_receipt_comes_back(shop):
    client, app, server, clock = shop
    app.set_template("acme", "aliyun", "payment_reminder.first", "zh-CN", "SMS_1")
    # the provider's report comes before tidings recorded the send (B1 is its next BizId)
    report = [{"phone_number": "13800138000", "success": True, "biz_id": "B1",
               "err_code": "DELIVERED", "err_msg": "用户接收成功"}]  # fmt: skip
    answer = client.post(REPORT, content=json.dumps(report))
    assert (answer.status_code, answer.json()) == (200, {"code": 0, "msg": "成功"})
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    (form,) = server.forms
    (reminder,) = _reminders(client)
    assert form["PhoneNumbers"] == "13800138000"
    assert form["TemplateCode"] == "SMS_1"
    assert form["OutId"] == reminder["message_id"]
    values = json.loads(form["TemplateParam"])
    assert values["order_id"] == "o1"
    assert values["pay"].startswith("acme.example/l/")  # the short link, its scheme off to fit
    assert len(values["pay"]) <= 35
    rounds(app)
    (delivery,) = _reminders(client)[0]["deliveries"]
    assert (delivery["state"], delivery["refs"]) == ("delivered", ["B1"])


def test_a_throttle_is_tried_again_and_a_refused_template_fails_with_its_reason(shop):
    client, app, server, clock = shop
    app.set_template("acme", "aliyun", "payment_reminder.first", "zh-CN", "SMS_1")
    app.set_template("acme", "aliyun", "payment_reminder.last", "zh-CN", "SMS_9")  # not approved
    server.refusals.append("Throttling.User")
    _post(client, [order("o1", at(8), auto_close_at=at(14).isoformat())])
    clock.advance(hours=1)
    rounds(app)
    (first,) = _reminders(client)
    assert first["deliveries"][0]["state"] == "queued"
    assert "Throttling.User" in first["deliveries"][0]["error"]
    clock.advance(minutes=5)
    rounds(app)
    (first,) = _reminders(client)
    assert first["deliveries"][0]["state"] == "accepted"
    clock.advance(hours=3)  # the last reminder, 2 h before the order closes
    rounds(app)
    (last,) = _reminders(client, "last")
    assert last["deliveries"][0]["state"] == "failed"
    assert last["deliveries"][0]["error"].startswith("isv.SMS_TEMPLATE_ILLEGAL")
    assert len(server.forms) == 1  # each went once, or not at all


def test_a_reply_of_tuiding_opts_the_shopper_out(shop):
    client, app, server, clock = shop
    app.set_template("acme", "aliyun", "payment_reminder.first", "zh-CN", "SMS_1")
    up = [{"phone_number": "13800138000", "content": "退订", "sign_name": SIGN_NAME,
           "dest_code": "", "sequence_id": 501, "send_time": "2026-11-11 09:00:00"}]  # fmt: skip
    answer = client.post(UP, content=json.dumps(up, ensure_ascii=False).encode())
    assert (answer.status_code, answer.json()) == (200, {"code": 0, "msg": "成功"})
    _post(client, [order("o1", at(9, 5))])
    clock.advance(hours=1)
    rounds(app)
    (reminder,) = _reminders(client)
    assert (reminder["status"], reminder["reason"]) == ("suppressed", "opted_out")
    assert all(f["TemplateCode"] == "SMS_1" for f in server.forms) and not any(
        f.get("OutId") == reminder["message_id"] for f in server.forms
    )


@pytest.mark.parametrize("path", [REPORT.replace(TOKEN, "wrong"), REPORT.split("?")[0]])
def test_a_push_without_the_token_is_refused_and_nothing_kept(shop, path):  # type: ignore[no-untyped-def]
    client, app, _server, clock = shop
    app.set_template("acme", "aliyun", "payment_reminder.first", "zh-CN", "SMS_1")
    report = [{"phone_number": "13800138000", "success": False, "biz_id": "B1"}]
    assert client.post(path, content=json.dumps(report)).status_code == 403
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    (reminder,) = _reminders(client)
    assert reminder["deliveries"][0]["state"] == "accepted"  # the forged report was not kept


def test_the_store_registers_its_templates_through_the_api(shop):
    client, app, server, clock = shop
    steps = client.get("/v1/templates/export", params={"provider": "aliyun"}).json()["steps"]
    first = next(s for s in steps if s["step"] == "payment_reminder.first")
    assert first["text"] == "【Acme】您的订单${order_id}待付款，点此支付：${pay}"
    given = {"provider": "aliyun", "step": "payment_reminder.first", "locale": "zh-CN",
             "code": "SMS_1", "variables": [{"name": "order_id", "field": "order.order_id"},
                                            {"name": "pay", "field": "links.pay"}]}  # fmt: skip
    answer = client.put("/v1/templates", json=given)
    assert answer.status_code == 200, answer.text
    listed = client.get("/v1/templates").json()["templates"]
    assert [(t["step"], t["code"]) for t in listed] == [("payment_reminder.first", "SMS_1")]
    refused = client.put("/v1/templates", json=given | {"provider": "file"})
    assert refused.status_code == 422
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    assert [f["TemplateCode"] for f in server.forms] == ["SMS_1"]
