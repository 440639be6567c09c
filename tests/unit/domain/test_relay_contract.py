"""The relay handle of the contract (a marketplace buyer reached without a phone): where it is
taken, what is refused and by which field, and the recipient it becomes."""

from __future__ import annotations

from typing import Any

import pytest

from tidings.adapters.contract import parse_object
from tidings.domain import relay
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import RelayHandle

T = "2026-11-11T08:00:00+08:00"
HANDLE = {"platform": "taobao", "order_id": "4012345678901234567", "buyer": "AAGq5dEAAeG3Jed"}
ORDER = {"order_id": "4012345678901234567", "customer_id": "c1", "items": [], "total": "1.00",
         "currency": "CNY", "payment": "prepaid", "status": "unpaid"}  # fmt: skip


def _event(type_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": "e1", "type": type_, "store": "acme", "occurred_at": T, "data": data}


def _refusal(type_: str, data: dict[str, Any]) -> str:
    with pytest.raises(InvalidEvent) as caught:
        parse_object(_event(type_, data))
    return str(caught.value)


def test_the_handle_is_taken_on_an_order_a_customer_and_a_relayed_reply():
    order = parse_object(_event("order.created", ORDER | {"relay": HANDLE})).data
    buyer = parse_object(_event("customer.upserted", {"customer_id": "c1", "relay": HANDLE})).data
    reply = {"text": "退订", "relay": {"platform": "jd", "buyer": "JDenc~x=="}}
    inbound = parse_object(_event("message.inbound", reply)).data
    assert order.relay == buyer.relay == RelayHandle("taobao", HANDLE["buyer"], HANDLE["order_id"])
    assert inbound.relay == RelayHandle("jd", "JDenc~x==") and inbound.sender is None


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"platform": "pinduoduo"}, "data.relay.platform", "'taobao' or 'jd'"),
        ({"buyer": ""}, "data.relay.buyer", "1-256 characters"),
        ({"buyer": "a b"}, "data.relay.buyer", "no spaces"),
        ({"buyer": "x" * 257}, "data.relay.buyer", "1-256 characters"),
        ({"buyer": "+86-138-0013-8000"}, "data.relay.buyer", "never a phone"),
        ({"buyer": "13800138000"}, "data.relay.buyer", "never a phone"),
        ({"order_id": "o:1"}, "data.relay.order_id", "no spaces or ':'"),
        ({"order_id": "9" * 65}, "data.relay.order_id", "1-64 characters"),
        ({"order_id": None}, "data.relay.order_id", "required"),
        ({"buyer": 12345678}, "data.relay.buyer", "valid string"),
    ],
)
def test_a_bad_handle_is_refused_naming_its_field(change, field, words):
    handle = {k: v for k, v in (HANDLE | change).items() if v is not None}
    problem = _refusal("order.created", ORDER | {"relay": handle})
    assert f"event 'e1': field {field}: " in problem and words in problem


def test_a_customer_reached_through_a_relay_has_no_phone():
    data = {"customer_id": "c1", "phone": "+8613800138000", "relay": HANDLE}
    assert "field data.phone: a buyer reached through a relay has no phone" in _refusal(
        "customer.upserted", data
    )


@pytest.mark.parametrize(
    "data",
    [{"text": "STOP"}, {"text": "STOP", "from": "+8613800138000", "relay": HANDLE}],
    ids=["neither", "both"],
)
def test_a_reply_comes_from_a_phone_or_through_a_relay(data):
    assert "field data.from: give either from (a phone) or relay" in _refusal(
        "message.inbound", data
    )


def test_the_recipient_of_a_relayed_message_is_the_handle_and_reads_back():
    to = relay.recipient(HANDLE)
    assert to == "taobao:4012345678901234567:AAGq5dEAAeG3Jed"
    assert relay.parse(to) == ("taobao", "4012345678901234567", "AAGq5dEAAeG3Jed")
    assert relay.route(to, "sms") == "taobao"


@pytest.mark.parametrize("to", ["+8613800138000", "a@b.cn", "review:r1", "wechat:1:2", "jd::x"])
def test_a_phone_an_address_or_another_scheme_is_no_relay_recipient(to):
    assert relay.parse(to) is None
    assert relay.route(to, "sms") == "sms"


def test_a_relayed_stop_is_kept_under_the_buyer_and_the_customer():
    assert relay.optout_keys("jd", "JDenc~x==", "c1") == [
        "relay:jd:buyer:JDenc~x==",
        "relay:customer:c1",
    ]
    assert relay.optout_keys("taobao", "oaid1", None) == ["relay:taobao:buyer:oaid1"]
