"""The HTTP API end to end (FastAPI's test client over the real app), on both databases."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fakes_providers import ScriptedProvider
from helpers import (
    Clock,
    at,
    checkpoint,
    customer,
    event,
    inbound,
    live,
    order,
    rounds,
    shipped,
    store,
)
from tidings.adapters.db import tables
from tidings.entrypoints.api.app import create_app


@pytest.fixture
def api(db_url):  # type: ignore[no-untyped-def]
    clock, provider = Clock(at(10)), ScriptedProvider()
    app = live(db_url, clock, {"file": provider}, max_body_bytes=20_000)
    keys = {s: app.create_key(s) for s in ("acme", "bolt")}
    with TestClient(create_app(app)) as client:
        yield client, app, keys, provider, clock
    app.close()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _day() -> list[dict]:
    return [store(), customer(name="王芳", email="wf@mail.example", when=at(-23)),
            order("o1", at(9), status="paid"), shipped("o1", "s1", at(10))]  # fmt: skip


def test_events_are_committed_before_the_answer_and_a_second_copy_is_a_duplicate(api):
    client, app, keys, provider, _ = api
    day = _day()
    answer = client.post("/v1/events", json=day, headers=_auth(keys["acme"]))
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 4 and answer.json()["rejected"] == 0
    with app.db.connect() as conn:  # committed: visible to another connection at once
        assert conn.execute(select(tables.inbox.c.event_id)).scalars().all()
    again = client.post("/v1/events", json=day[0], headers=_auth(keys["acme"]))
    assert again.status_code == 200
    assert again.json()["results"] == [{"index": 0, "id": day[0]["id"], "status": "duplicate"}]
    rounds(app)
    assert [o.to for o in provider.sent] == ["+8613800138000"]


def test_a_bad_event_is_refused_by_field_and_the_good_ones_around_it_are_kept(api):
    client, _, keys, _, _ = api
    bad = event("order.paid", at(10), order_id="o1")  # no amount
    other = store()
    other["store"] = "bolt"
    items = [customer("c7", when=at(10)), bad, other, {"id": "x", "type": "order.teleported"}]
    answer = client.post("/v1/events", json=items, headers=_auth(keys["acme"]))
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "rejected"]
    assert results[1]["code"] == 422 and "field data.amount" in results[1]["error"]
    assert bad["id"] in results[1]["error"]
    assert results[2]["code"] == 403 and "'bolt'" in results[2]["error"]
    assert "unknown event type 'order.teleported'" in results[3]["error"]


def test_a_single_event_of_another_store_is_forbidden(api):
    client, _, keys, _, _ = api
    answer = client.post("/v1/events", json=store(), headers=_auth(keys["bolt"]))
    assert answer.status_code == 403
    assert answer.json()["results"][0]["error"].endswith("this key belongs to 'bolt'")


def test_json_lines_are_taken_line_by_line(api):
    client, _, keys, _, _ = api
    body = "\n".join(json.dumps(e, ensure_ascii=False) for e in _day()) + "\n{oops\n"
    headers = _auth(keys["acme"]) | {"Content-Type": "application/x-ndjson"}
    answer = client.post("/v1/events", content=body.encode(), headers=headers)
    assert answer.status_code == 200 and answer.json()["accepted"] == 4
    assert answer.json()["results"][4]["error"].startswith("line 5: not JSON")


def test_limits_and_keys(api):
    client, _, keys, _, _ = api
    big = [customer(f"c{i}", when=at(10), name="x" * 200) for i in range(100)]
    assert client.post("/v1/events", json=big, headers=_auth(keys["acme"])).status_code == 413
    many = client.post("/v1/events", json=[{}] * 1001, headers=_auth(keys["acme"]))
    assert many.status_code == 422 and "at most 1000" in many.json()["error"]["message"]
    assert client.post("/v1/events", json=_day()).status_code == 401
    wrong = _auth(keys["acme"][:-2] + "zz")
    answer = client.get("/v1/messages", headers=wrong)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"


def test_a_key_of_one_store_can_neither_read_nor_write_another(api):
    client, app, keys, _, _ = api
    client.post("/v1/events", json=_day(), headers=_auth(keys["acme"]))
    rounds(app)
    bolt = _auth(keys["bolt"])
    assert client.get("/v1/messages", headers=bolt).json()["messages"] == []
    assert client.get("/v1/customers/c1", headers=bolt).status_code == 404
    assert client.delete("/v1/customers/c1", headers=bolt).status_code == 404
    assert client.get("/v1/stores/acme", headers=bolt).status_code == 403
    assert client.get("/v1/alerts", headers=bolt).json()["alerts"] == []
    acme = _auth(keys["acme"])
    assert len(client.get("/v1/messages", headers=acme).json()["messages"]) == 1
    assert client.get("/v1/stores/acme", headers=acme).json()["name"] == "Acme"


def test_a_stores_settings_give_the_caps_that_apply(api):
    client, app, keys, _, _ = api
    acme = _auth(keys["acme"])
    client.post("/v1/events", json=[store()], headers=acme)
    rounds(app)
    assert client.get("/v1/stores/acme", headers=acme).json()["caps"] == {
        "marketing_per_day": 1, "any_per_day": 3
    }  # fmt: skip
    client.post("/v1/events", json=[store(at(1), caps={"any_per_day": 6})], headers=acme)
    rounds(app)
    assert client.get("/v1/stores/acme", headers=acme).json()["caps"] == {
        "marketing_per_day": 1, "any_per_day": 6
    }  # fmt: skip


def test_messages_filter_and_page_with_a_cursor(api):
    client, app, keys, _, clock = api
    people = [customer(f"c{i}", phone=f"+86138001380{i:02d}", when=at(-23)) for i in range(5)]
    orders = [order(f"o{i}", at(9, i), cid=f"c{i}") for i in range(5)]
    client.post("/v1/events", json=[store(), *people, *orders], headers=_auth(keys["acme"]))
    clock.now = at(12)
    rounds(app)
    acme = _auth(keys["acme"])
    sent = {"journey": "payment_reminder", "status": "sent", "limit": 2}
    first = client.get("/v1/messages", params=sent, headers=acme).json()
    cursor = {"cursor": first["next_cursor"]}
    second = client.get("/v1/messages", params=sent | cursor, headers=acme).json()
    cursor = {"cursor": second["next_cursor"]}
    third = client.get("/v1/messages", params=sent | cursor, headers=acme).json()
    seen = [m["subject"] for page in (first, second, third) for m in page["messages"]]
    assert seen == ["order:o4", "order:o3", "order:o2", "order:o1", "order:o0"]
    assert third["next_cursor"] is None
    assert first["messages"][0]["deliveries"][0]["state"] == "accepted"
    window = {"from": at(9, 31).isoformat(), "to": at(9, 33).isoformat(), "customer": "c2"}
    found = client.get("/v1/messages", params=window, headers=acme).json()["messages"]
    assert [m["subject"] for m in found] == ["order:o2"]
    delivered = client.get("/v1/messages?status=delivered", headers=acme).json()["messages"]
    assert delivered == []
    naive = client.get("/v1/messages", params={"from": "2026-11-11T09:00:00"}, headers=acme)
    assert naive.status_code == 422 and "offset" in naive.json()["error"]["message"]
    assert client.get("/v1/messages?cursor=nope", headers=acme).status_code == 422


def test_a_customer_shows_consent_and_history_and_erasure_keeps_only_counts(api):
    client, app, keys, _, _ = api
    acme = _auth(keys["acme"])
    client.post("/v1/events", json=[*_day(), inbound("STOP", at(10, 5))], headers=acme)
    rounds(app)
    seen = client.get("/v1/customers/c1", headers=acme).json()
    assert seen["phone"] == "+8613800138000" and seen["name"] == "王芳"
    assert seen["consent"]["phone_opted_out"] is True and seen["consent"]["service_sms"] is False
    assert {m["journey"] for m in seen["messages"]} == {"shipping_notice", "keywords"}
    erased = client.delete("/v1/customers/c1", headers=acme).json()["erased"]
    assert erased["customers"] == 1 and erased["messages"] == 2 and erased["events"] >= 2
    after = client.get("/v1/customers/c1", headers=acme).json()
    assert after["phone"] is after["email"] is after["name"] is None and after["erased_at"]
    assert len(after["messages"]) == 2 and all(
        m["body"] is m["to"] is None for m in after["messages"]
    )
    with app.db.connect() as conn:
        payloads = conn.execute(select(tables.events.c.payload)).scalars().all()
        recipients = conn.execute(select(tables.deliveries.c.recipient)).scalars().all()
    assert not any("王芳" in p or "8613800138000" in p or "wf@mail" in p for p in payloads)
    assert "+8613800138000" not in recipients and len(payloads) == 5


def test_alerts_are_listed_and_acknowledged(api):
    client, app, keys, _, _ = api
    acme = _auth(keys["acme"])
    late = checkpoint("s1", "exception", at(10), order_id="o1", substatus="damaged")
    client.post("/v1/events", json=[*_day(), late], headers=acme)
    rounds(app)
    (alert,) = client.get("/v1/alerts?state=open", headers=acme).json()["alerts"]
    assert alert["kind"] == "exception" and "物流异常" in alert["text"]
    done = client.post(f"/v1/alerts/{alert['alert_id']}/acknowledge", headers=acme)
    assert done.json()["state"] == "acknowledged"
    assert client.get("/v1/alerts?state=open", headers=acme).json()["alerts"] == []
    bolt = _auth(keys["bolt"])
    assert client.post(f"/v1/alerts/{alert['alert_id']}/resolve", headers=bolt).status_code == 404


def test_a_short_link_redirects_and_its_click_is_kept(api):
    client, app, keys, provider, _ = api
    client.post("/v1/events", json=_day(), headers=_auth(keys["acme"]))
    rounds(app)
    token = provider.sent[0].body.rsplit("/l/", 1)[1]
    at_acme = {"host": "acme.example"}  # a short link resolves at its store's host
    answer = client.get(f"/l/{token}", headers=at_acme, follow_redirects=False)
    assert answer.status_code == 302
    assert answer.headers["location"].startswith("https://acme.example/t/acme/s1?k=")
    rounds(app)
    with app.db.connect() as conn:
        assert conn.execute(select(tables.clicks.c.token)).scalars().all() == [token]
    assert client.get("/l/unknown", headers=at_acme, follow_redirects=False).status_code == 404


def test_the_tracking_page_opens_only_with_its_key(api):
    client, app, keys, provider, _ = api
    pickup = {"point": "菜鸟驿站", "address": "建国路88号", "code": "5-2-1017",
              "storage_until": at(24 * 3).isoformat()}  # fmt: skip
    waiting = checkpoint("s1", "available_for_pickup", at(10, 1), order_id="o1", pickup=pickup)
    client.post("/v1/events", json=[*_day(), waiting], headers=_auth(keys["acme"]))
    rounds(app)
    token = provider.sent[0].body.rsplit("/l/", 1)[1]
    at_acme = {"host": "acme.example"}
    target = client.get(f"/l/{token}", headers=at_acme, follow_redirects=False).headers["location"]
    page = client.get(target.removeprefix("https://acme.example"))
    assert page.status_code == 200 and "5-2-1017" in page.text and "待取件" in page.text
    assert "2026-11-14 00:00" in page.text  # storage ends, in Shanghai time
    assert client.get("/t/acme/s1?k=wrong").status_code == 404
    assert client.get("/t/acme/s1").status_code == 404


def _tracking_page(api, *later: dict) -> str:  # type: ignore[no-untyped-def]
    client, app, keys, provider, _ = api
    pickup = {"point": "菜鸟驿站", "address": "建国路88号", "code": "5-2-1017"}
    waiting = checkpoint("s1", "available_for_pickup", at(10, 1), order_id="o1", pickup=pickup)
    client.post("/v1/events", json=[*_day(), waiting, *later], headers=_auth(keys["acme"]))
    rounds(app)
    token = provider.sent[0].body.rsplit("/l/", 1)[1]
    at_acme = {"host": "acme.example"}
    target = client.get(f"/l/{token}", headers=at_acme, follow_redirects=False).headers["location"]
    return str(client.get(target.removeprefix("https://acme.example")).text)


def test_a_collected_parcel_says_so_first_and_shows_no_pickup_code_any_more(api):
    page = _tracking_page(api, checkpoint("s1", "delivered", at(15, 30), order_id="o1"))
    assert page.index('id="status">已签收<') < page.index('<div id="ended">您的包裹已签收。<')
    assert "5-2-1017" not in page and 'id="pickup"' not in page
    assert "最后更新: 2026-11-11 15:30" in page  # when the latest news came, in Shanghai time


def test_a_returned_parcel_says_it_went_back(api):
    page = _tracking_page(api, checkpoint("s1", "returned", at(80), order_id="o1"))
    assert "您的包裹已退回商家。" in page and "5-2-1017" not in page


def test_a_parcel_still_waiting_shows_its_code_and_when_it_arrived(api):
    page = _tracking_page(api)
    assert "5-2-1017" in page and 'id="ended"' not in page
    assert "最后更新: 2026-11-11 10:01" in page


def test_one_click_unsubscribe_stops_emails(api):
    client, app, keys, provider, clock = api
    acme = _auth(keys["acme"])
    shopper = customer(phone=None, email="li@mail.example", sms_consent=True, email_consent=True)
    items = [{"sku": "a", "name": "Tea", "qty": 1, "price": "9.00"}]
    cart = event(
        "cart.updated", at(10), cart_id="k1", customer_id="c1", total="9.00", currency="CNY",
        items=items,
    )  # fmt: skip
    client.post("/v1/events", json=[store(), shopper, cart], headers=acme)
    clock.advance(hours=2)
    rounds(app)
    (mail,) = provider.sent
    assert mail.unsubscribe and mail.unsubscribe in mail.body
    path = mail.unsubscribe.removeprefix("http://127.0.0.1:8000")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    rounds(app)
    consent = client.get("/v1/customers/c1", headers=acme).json()["consent"]
    assert consent["email"] is False
    assert client.post(path[:-3] + "abc").status_code == 404


def test_openapi_is_served(api):
    client, _, _, _, _ = api
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/events", "/v1/messages", "/v1/customers/{customer_id}", "/v1/alerts"} <= set(paths)


def test_an_override_text_that_is_no_template_is_refused_naming_it(api):
    client, _, keys, _, _ = api
    broken = {"payment_reminder": {"templates": {"first": {"en": "Pay {{ links.pay "}}}}
    answer = client.post("/v1/events", json=store(journeys=broken), headers=_auth(keys["acme"]))
    assert answer.status_code == 422
    error = answer.json()["results"][0]["error"]
    assert "field data.journeys.payment_reminder.templates.first.en" in error


def test_a_chunked_body_over_the_limit_is_refused_too(api):
    client, _, keys, _, _ = api
    chunks = (b"x" * 4096 for _ in range(10))  # no Content-Length: sent in chunks
    answer = client.post("/v1/events", content=chunks, headers=_auth(keys["acme"]))
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"


@pytest.fixture
def twilio(db_url):  # type: ignore[no-untyped-def]
    """The live app with an HTTP SMS provider whose webhooks are signed with `tok`."""
    clock, provider = Clock(at(10)), ScriptedProvider("twilio")
    conf = {"twilio": {"type": "http_sms", "base_url": "http://x", "account_sid": "AC1",
                       "auth_token": "tok"}}  # fmt: skip
    app = live(db_url, clock, {"twilio": provider}, providers=conf, channels={"sms": "twilio"})
    key = app.create_key("acme")
    with TestClient(create_app(app)) as client:
        yield client, app, key, provider
    app.close()


def _signed(app, path: str, form: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tidings.adapters.providers.http_sms import signature

    return {"X-Twilio-Signature": signature("tok", app.settings.public_url + path, form)}


def test_a_signed_status_callback_marks_the_message_delivered(twilio):
    client, app, key, provider = twilio
    client.post("/v1/events", json=_day(), headers=_auth(key))
    rounds(app)
    (sent,) = provider.sent
    path = sent.callback.removeprefix(app.settings.public_url)
    assert path == "/v1/providers/twilio/status"  # the receipt's reference names the message
    form = {"MessageSid": "twilio-1", "MessageStatus": "delivered"}
    forged = client.post(path, data=form, headers={"X-Twilio-Signature": "forged"})
    assert forged.status_code == 403
    assert client.post(path, data=form, headers=_signed(app, path, form)).status_code == 204
    rounds(app)
    found = client.get("/v1/messages", headers=_auth(key)).json()["messages"][0]
    assert found["deliveries"][0]["state"] == "delivered"


def test_a_signed_inbound_stop_opts_the_shopper_out(twilio):
    client, app, key, _ = twilio
    client.post("/v1/events", json=_day()[:2], headers=_auth(key))
    rounds(app)
    path = "/v1/providers/twilio/inbound"
    form = {"MessageSid": "SM9", "From": "+8613800138000", "To": "+15550100", "Body": "STOP"}
    assert client.post(path, data=form, headers=_signed(app, path, form)).status_code == 204
    rounds(app)
    consent = client.get("/v1/customers/c1", headers=_auth(key)).json()["consent"]
    assert consent["phone_opted_out"] is True
    assert client.post("/v1/providers/nobody/inbound", data=form).status_code == 404


def test_the_score_and_the_report_are_the_stores_own(api):
    client, app, keys, _, clock = api
    acme, bolt = _auth(keys["acme"]), _auth(keys["bolt"])
    review = {"review_id": "r1", "order_id": "o1", "customer_id": "c1", "rating": 5, "text": "ok"}
    client.post(
        "/v1/events", json=[*_day(), event("review.posted", at(11), **review)], headers=acme
    )
    clock.now = at(24 + 10)
    rounds(app)
    at_ = at(24 + 10).isoformat()
    found = client.get("/v1/stores/acme/score", params={"at": at_}, headers=acme)
    assert found.status_code == 200, found.text
    reviews = found.json()["metrics"]["review_positive_rate"]
    assert (reviews["numerator"], reviews["denominator"], reviews["met"]) == (1, 1, True)
    assert found.json() == app.score("acme", at(24 + 10))
    day = {"from": "2026-11-12", "to": "2026-11-12"}  # when the worker decided them
    report = client.get("/v1/stores/acme/report", params=day, headers=acme).json()
    assert {j["journey"] for j in report["journeys"]} >= {"shipping_notice", "review_reply"}
    assert client.get("/v1/stores/acme/score", headers=bolt).status_code == 403
    assert client.get("/v1/stores/bolt/score", headers=bolt).status_code == 404  # no store yet
    backwards = {"from": "2026-11-12", "to": "2026-11-11"}
    assert client.get("/v1/stores/acme/report", params=backwards, headers=acme).status_code == 422
    naive = client.get("/v1/stores/acme/score", params={"at": "2026-11-12T10:00"}, headers=acme)
    assert naive.status_code == 422
    put = client.put("/v1/stores/acme/score/targets", json={"dispute_rate": "0.01"}, headers=acme)
    assert put.status_code == 200
    targets = client.get("/v1/stores/acme/score/targets", headers=acme).json()
    assert "0.01" in json.dumps(targets)
    wrong = client.put("/v1/stores/acme/score/targets", json={"nope": "1"}, headers=acme)
    assert wrong.status_code == 422
