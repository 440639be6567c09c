"""A Chinese store texting through Tencent Cloud SMS (against a local SendSms that checks the
TC3 signature and the values' length): approved templates only, reports and replies by push,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import Clock, at, customer, live, order, rounds, store
from tencent_server import APP_ID, SECRET_ID, SECRET_KEY, SIGN_NAME, FakeTencentSms
from tidings.entrypoints.api.app import create_app

TOKEN = "push-token-acme"
REPORT = f"/v1/providers/tencent/report?token={TOKEN}"
REPLY = f"/v1/providers/tencent/reply?token={TOKEN}"
OK = {"result": 0, "errmsg": "OK"}


def _shop(db_url: str, **options: Any):  # type: ignore[no-untyped-def]
    server = FakeTencentSms(approved={"449739"})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    conf = {"tencent": {"type": "tencent_sms", "secret_id": SECRET_ID, "secret_key": SECRET_KEY,
                        "sdk_app_id": APP_ID, "sign_name": SIGN_NAME, "endpoint": server.url,
                        "callback_token": TOKEN, **options}}  # fmt: skip
    clock = Clock(at(9))
    app = live(db_url, clock, providers=conf, channels={"sms": "tencent"})
    return server, clock, app


@pytest.fixture
def shop(db_url):  # type: ignore[no-untyped-def]
    """acme (zh-CN) texts through `tencent`, whose account takes values of 35 characters."""
    server, clock, app = _shop(db_url, variable_limit=35)
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


def _first(client: TestClient) -> list[dict[str, Any]]:
    found = client.get("/v1/messages").json()["messages"]
    return [m for m in found if (m["journey"], m["step"]) == ("payment_reminder", "first")]


def test_an_approved_template_goes_by_position_and_its_report_comes_back(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tencent", "payment_reminder.first", "zh-CN", "449739")
    report = [{"mobile": "13800138000", "nationcode": "86", "report_status": "SUCCESS",
               "errmsg": "DELIVRD", "sid": "S1"}]  # fmt: skip
    answer = client.post(REPORT, content=json.dumps(report))  # before the send is recorded
    assert (answer.status_code, answer.json()) == (200, OK)
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    (call,) = server.calls
    (reminder,) = _first(client)
    assert call["TemplateId"] == "449739"
    assert call["SessionContext"] == reminder["message_id"]
    order_id, link = call["TemplateParamSet"]  # type: ignore[misc]
    assert order_id == "o1" and link.startswith("acme.example/l/")
    rounds(app)
    (delivery,) = _first(client)[0]["deliveries"]
    assert (delivery["state"], delivery["refs"]) == ("delivered", ["S1"])


def test_a_throttled_call_is_tried_again(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tencent", "payment_reminder.first", "zh-CN", "449739")
    server.refusals.append("RequestLimitExceeded")
    _post(client, [order("o1", at(8))])
    clock.advance(hours=1)
    rounds(app)
    assert _first(client)[0]["deliveries"][0]["state"] == "queued"
    clock.advance(minutes=5)
    rounds(app)
    assert _first(client)[0]["deliveries"][0]["state"] == "accepted"
    assert len(server.calls) == 1


def test_td_by_reply_opts_the_shopper_out(shop):
    client, app, server, clock = shop
    app.set_template("acme", "tencent", "payment_reminder.first", "zh-CN", "449739")
    reply = {"mobile": "13800138000", "nationcode": "86", "text": "TD", "sign": SIGN_NAME,
             "extend": "", "time": 1762822800}  # fmt: skip
    answer = client.post(REPLY, content=json.dumps(reply))
    assert (answer.status_code, answer.json()) == (200, OK)
    _post(client, [order("o1", at(9, 5))])
    clock.advance(hours=1)
    rounds(app)
    (reminder,) = _first(client)
    assert (reminder["status"], reminder["reason"]) == ("suppressed", "opted_out")
    assert server.calls == []


def test_a_link_over_the_account_s_limit_fails_with_the_provider_s_reason(db_url):
    server, clock, app = _shop(db_url)  # the default limit: 12 characters a value
    server.value_limit = 12
    with TestClient(create_app(app)) as client:
        client.headers["Authorization"] = f"Bearer {app.create_key('acme')}"
        _post(client, [store(), customer()])
        rounds(app)
        app.set_template("acme", "tencent", "payment_reminder.first", "zh-CN", "449739")
        _post(client, [order("o1", at(8))])
        clock.advance(hours=1)
        rounds(app)
        (delivery,) = _first(client)[0]["deliveries"]
    app.close()
    server.shutdown()
    server.server_close()
    assert delivery["state"] == "failed"
    assert delivery["error"].startswith("InvalidParameterValue.TemplateParameterLengthLimit")
    assert server.calls == []
