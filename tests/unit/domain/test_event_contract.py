"""Every event type of events.md is accepted; what breaks the contract is refused by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tidings.adapters.contract import parse_line, parse_object
from tidings.domain.errors import InvalidEvent

T = "2026-11-11T00:03:12+08:00"
ITEM = {"sku": "a", "name": "A", "qty": 1, "price": "1.00"}
SAMPLES = {
    "store.upserted": {
        "name": "Acme",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
        "default_region": "CN",
        "currency": "CNY",
        "quiet_hours": {"start": "21:00", "end": "09:00"},
        "sms_signature": "【Acme】",
        "base_url": "https://a.example",
        "merchant_contacts": [{"phone": "+8613800138000", "email": "a@a.cn"}],
        "sms_price": "0.05",
        "monthly_sms_budget": "100.00",
        "journeys": {"cart_recovery": {"enabled": False}},
        "caps": {"marketing_per_day": 2, "any_per_day": 5},
    },
    "customer.upserted": {
        "customer_id": "c1",
        "phone": "+8613800138000",
        "email": "x@y.cn",
        "name": "Li",
        "locale": "en",
        "timezone": "Europe/Moscow",
        "birthday": "02-29",
        "sms_consent": True,
        "email_consent": False,
        "tags": ["vip"],
    },
    "cart.updated": {
        "cart_id": "k",
        "customer_id": "c1",
        "items": [ITEM],
        "total": "1.00",
        "currency": "CNY",
        "url": "https://a.example/c",
    },
    "order.created": {
        "order_id": "o",
        "customer_id": "c1",
        "cart_id": "k",
        "items": [ITEM],
        "total": "1.00",
        "currency": "CNY",
        "payment": "cod",
        "status": "unpaid",
        "pay_url": "https://a.example/p",
        "auto_close_at": T,
        "coupon_code": "X",
    },
    "order.paid": {"order_id": "o", "amount": "1.00"},
    "order.cancelled": {"order_id": "o", "reason": "closed_unpaid"},
    "order.shipped": {
        "order_id": "o",
        "shipment_id": "s",
        "carrier": "SF",
        "tracking_number": "1",
        "package_index": 1,
        "package_count": 2,
        "items": [ITEM],
    },
    "shipment.checkpoint": {
        "shipment_id": "s",
        "order_id": "o",
        "carrier": "SF",
        "tracking_number": "1",
        "status": "available_for_pickup",
        "substatus": "X1",
        "location": "L",
        "message": "M",
        "pickup": {"point": "P", "address": "A", "code": "1", "storage_until": T},
    },
    "review.posted": {
        "review_id": "r",
        "order_id": "o",
        "customer_id": "c1",
        "rating": 1,
        "text": "bad",
        "sku": "a",
    },
    "review.deleted": {"review_id": "r", "by": "platform"},
    "aftersale.opened": {
        "ticket_id": "t",
        "order_id": "o",
        "customer_id": "c1",
        "kind": "return",
        "reason": "size",
    },
    "aftersale.resolved": {"ticket_id": "t", "outcome": "refunded", "satisfied": True},
    "dispute.opened": {"dispute_id": "d", "order_id": "o"},
    "dispute.closed": {"dispute_id": "d", "outcome": "won"},
    "chat.message": {
        "conversation_id": "v",
        "customer_id": "c1",
        "direction": "outbound",
        "responder": "bot",
    },
    "message.inbound": {"from": "+8613800138000", "text": "STOP"},
    "message.status": {"provider_message_id": "p1", "status": "delivered"},
    "link.clicked": {"token": "abc"},
}


def _line(type_, data, **env):
    obj = {"id": "e1", "type": type_, "store": "acme", "occurred_at": T, "data": data}
    obj.update(env)
    return json.dumps(obj, ensure_ascii=False)


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_every_type_is_accepted(type_):
    ev = parse_line(_line(type_, SAMPLES[type_]))
    assert ev.type == type_ and ev.store == "acme"
    assert ev.occurred_at == datetime.fromisoformat(T)  # the same instant, held in UTC
    assert ev.occurred_at.tzinfo is UTC


# What events.md names as required, and nothing more: each type with only these is valid.
REQUIRED = {
    "store.upserted": {
        "name": "Acme",
        "timezone": "Asia/Shanghai",
        "locale": "zh-CN",
        "default_region": "CN",
        "currency": "CNY",
    },
    "customer.upserted": {"customer_id": "c1"},
    "cart.updated": {
        "cart_id": "k",
        "customer_id": "c1",
        "items": [],
        "total": "0.00",
        "currency": "CNY",
    },
    "order.created": {
        "order_id": "o",
        "customer_id": "c1",
        "items": [ITEM],
        "total": "1.00",
        "currency": "CNY",
        "payment": "prepaid",
        "status": "unpaid",
    },
    "order.paid": {"order_id": "o", "amount": "1.00"},
    "order.cancelled": {"order_id": "o", "reason": "customer"},
    "order.shipped": {"order_id": "o", "shipment_id": "s", "carrier": "SF", "tracking_number": "1"},
    "shipment.checkpoint": {
        "shipment_id": "s",
        "carrier": "SF",
        "tracking_number": "1",
        "status": "in_transit",
    },
    "review.posted": {
        "review_id": "r",
        "order_id": "o",
        "customer_id": "c1",
        "rating": 5,
        "text": "",
    },
    "review.deleted": {"review_id": "r"},
    "aftersale.opened": {
        "ticket_id": "t",
        "order_id": "o",
        "customer_id": "c1",
        "kind": "refund",
        "reason": "size",
    },
    "aftersale.resolved": {"ticket_id": "t", "outcome": "refunded"},
    "dispute.opened": {"dispute_id": "d", "order_id": "o"},
    "dispute.closed": {"dispute_id": "d", "outcome": "won"},
    "chat.message": {"conversation_id": "v", "customer_id": "c1", "direction": "inbound"},
    "message.inbound": {"from": "+8613800138000", "text": "STOP"},
    "message.status": {"message_id": "m", "status": "failed"},
    "link.clicked": {"token": "abc"},
}


def test_the_required_samples_cover_every_type():
    assert sorted(REQUIRED) == sorted(SAMPLES)


@pytest.mark.parametrize("type_", sorted(REQUIRED))
def test_only_what_the_spec_requires_is_required(type_):
    assert parse_line(_line(type_, REQUIRED[type_])).type == type_


@pytest.mark.parametrize(
    ("type_", "field"),
    [
        (t, f)
        for t, data in sorted(REQUIRED.items())
        for f in data
        if t != "message.status"  # message_id or provider_message_id: either one will do
    ],
)
def test_each_required_field_missing_is_refused_by_name(type_, field):
    data = {k: v for k, v in REQUIRED[type_].items() if k != field}
    with pytest.raises(InvalidEvent) as info:
        parse_line(_line(type_, data))
    assert info.value.field == f"data.{field}"


def test_a_checkpoint_without_location_or_message_keeps_them_empty():
    ev = parse_line(_line("shipment.checkpoint", REQUIRED["shipment.checkpoint"]))
    assert (ev.data.location, ev.data.message, ev.data.pickup) == (None, None, None)


def test_unknown_fields_are_kept_raw_and_ignored():
    ev = parse_line(_line("order.paid", {**SAMPLES["order.paid"], "extra": {"x": 1}}))
    assert json.loads(ev.raw)["data"]["extra"] == {"x": 1}


def test_the_api_path_validates_objects_the_same_way():
    obj = json.loads(_line("order.paid", SAMPLES["order.paid"]))
    assert parse_object(obj).data == parse_line(json.dumps(obj)).data


@pytest.mark.parametrize(
    ("type_", "data", "env", "field"),
    [
        ("order.paid", {"order_id": "o", "amount": 12.5}, {}, "data.amount"),
        ("order.paid", {"order_id": "o", "amount": "1,00"}, {}, "data.amount"),
        ("order.paid", {"order_id": "o"}, {}, "data.amount"),
        (
            "order.paid",
            SAMPLES["order.paid"],
            {"occurred_at": "2026-11-11T00:03:12"},
            "occurred_at",
        ),
        ("order.paid", SAMPLES["order.paid"], {"store": "Acme!"}, "store"),
        ("order.paid", SAMPLES["order.paid"], {"id": "x" * 129}, "id"),
        ("order.paid", SAMPLES["order.paid"], {"id": ""}, "id"),
        ("order.teleported", {}, {}, "type"),
        ("order.created", {**SAMPLES["order.created"], "payment": "card"}, {}, "data.payment"),
        (
            "order.created",
            {**SAMPLES["order.created"], "auto_close_at": "2026-11-12T00:00:00"},
            {},
            "data.auto_close_at",
        ),
        (
            "store.upserted",
            {**SAMPLES["store.upserted"], "timezone": "Mars/Base"},
            {},
            "data.timezone",
        ),
        ("customer.upserted", {"customer_id": "c", "birthday": "13-01"}, {}, "data.birthday"),
        ("review.posted", {**SAMPLES["review.posted"], "rating": 6}, {}, "data.rating"),
        (
            "shipment.checkpoint",
            {**SAMPLES["shipment.checkpoint"], "status": "lost"},
            {},
            "data.status",
        ),
        ("chat.message", {**SAMPLES["chat.message"], "responder": None}, {}, "data.responder"),
        ("message.status", {"status": "delivered"}, {}, "data.message_id"),
    ],
)
def test_refusals_name_the_event_and_field(type_, data, env, field):
    with pytest.raises(InvalidEvent) as info:
        parse_line(_line(type_, data, **env), "line 7")
    assert info.value.field == field
    assert str(info.value).startswith("line 7")


def test_a_phone_that_is_not_a_phone_does_not_refuse_the_event():
    assert parse_line(_line("customer.upserted", {"customer_id": "c", "phone": "hello"}))


_LINKS = [("order.created", "pay_url"), ("cart.updated", "url"), ("store.upserted", "base_url")]


@pytest.mark.parametrize(("type_", "field"), _LINKS)
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/t/acme/s012", "must be an absolute http or https URL"),  # another store's page
        ("//evil.example/pay", "must be an absolute http or https URL"),
        ("javascript:alert(1)", "not javascript:"),
        ("JavaScript:alert(1)", "not javascript:"),
        ("data:text/html,<b>pay</b>", "not data:"),
        ("ftp://a.example/p", "not ftp:"),
        ("https://", "must be an absolute http or https URL"),
        ("https://[::1/p", "must be an absolute http or https URL"),
        ("a.example/p", "must be an absolute http or https URL"),
        ("", "must be an absolute http or https URL"),
        ("https://a.example/p q", "must not contain spaces or control characters"),
        ("https://a.example/\np", "must not contain spaces or control characters"),
    ],
)
def test_a_link_target_is_an_absolute_web_url(type_, field, url, reason):
    with pytest.raises(InvalidEvent) as info:
        parse_line(_line(type_, {**SAMPLES[type_], field: url}), "line 3")
    assert info.value.field == f"data.{field}"
    assert reason in str(info.value)


@pytest.mark.parametrize(("type_", "field"), _LINKS)
@pytest.mark.parametrize("url", ["https://a.example", "http://127.0.0.1:8000", "HTTPS://A.example"])
def test_http_and_https_links_are_accepted(type_, field, url):
    assert getattr(parse_line(_line(type_, {**SAMPLES[type_], field: url})).data, field) == url


@pytest.mark.parametrize("url", ["https://a.example/?s=1", "https://a.example/#top"])
def test_a_base_url_has_no_query_or_fragment(url):
    data = {**SAMPLES["store.upserted"], "base_url": url}
    with pytest.raises(InvalidEvent, match="must have no query or fragment") as info:
        parse_line(_line("store.upserted", data))
    assert info.value.field == "data.base_url"
