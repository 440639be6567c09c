"""JD: an order's states and pay types, its waybills and its review, each a row with its
expected events; the relay handle as the translator gives it (JSON objects, not through the
contract); and what JOS sends of the receiver stripped before anything is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from connector_kit import SHANGHAI, datas, sample

from tidings.adapters.connectors import jd, jd_pull
from tidings.domain.connectors import Credentials, Delivery
from tidings.domain.errors import Untranslatable

BUYER = "o-buyer-7f3a9c"
PRIVATE = ("138****8000", "010****5678", "~AgAAAAEn5Zb3t7wBLy3kNQ==~1~",
           "~AgAAAAEn5Zb5Q0hZMl9tZQ==~1~", "~AgAAAAEn5Zb6YWRkcmVzcw==~1~",
           "~AgAAAAEn5Zb4cm9aYWxxMg==~1~")  # fmt: skip


def _order(**over: Any) -> dict[str, Any]:
    return sample("jd", "order.synthetic.json") | over


def _delivery(obj: Any, kind: str = "order", carrier: str = "") -> Delivery:
    headers = {"x-jd-kind": kind} | ({"x-jd-carrier": carrier} if carrier else {})
    body = json.dumps(jd_pull.stripped(obj), ensure_ascii=False).encode()
    return Delivery("acme", "jd", body, headers, datetime(2026, 11, 11, tzinfo=UTC), SHANGHAI)


def _types(obj: Any, carrier: str = "") -> list[str]:
    return [e["type"] for e in jd.translate(_delivery(obj, carrier=carrier)).events]


def test_a_paid_order_is_its_buyer_the_order_and_its_payment():
    found = jd.translate(_delivery(_order()))
    assert found.customer_id == BUYER
    assert [e["id"] for e in found.events] == [
        f"jd:customer:{BUYER}:order:300001234567", "jd:order:300001234567:created",
        "jd:order:300001234567:paid"]  # fmt: skip
    created = found.events[1]
    assert created["occurred_at"] == "2026-11-11T09:58:02+08:00"
    assert created["data"] == {
        "order_id": "300001234567",
        "customer_id": BUYER,
        "items": [{"sku": "TEA-200", "name": "明前龙井 200g", "qty": 1, "price": "129.00"}],
        "total": "129.00",
        "currency": "CNY",
        "payment": "prepaid",
        "status": "paid",
        "relay": {"platform": "jd", "order_id": "300001234567", "buyer": "JDOAID-1f2e3d4c5b6a"},
    }
    paid = found.events[2]
    assert (paid["occurred_at"], paid["data"]) == (
        "2026-11-11T09:58:40+08:00", {"order_id": "300001234567", "amount": "129.00"})  # fmt: skip


def test_the_buyer_carries_the_handle_of_this_order():
    customer = jd.translate(_delivery(_order())).events[0]
    assert customer["data"] == {"customer_id": BUYER, "relay": {
        "platform": "jd", "order_id": "300001234567", "buyer": "JDOAID-1f2e3d4c5b6a"}}  # fmt: skip


@pytest.mark.parametrize(
    ("oaid", "handle"),
    [("JDOAID-1f2e3d4c5b6a", True), ("", False), (None, False),
     ("13800138000", False), ("138****8000", False)],
)  # fmt: skip
def test_the_handle_is_the_encrypted_id_never_a_number(oaid, handle):
    consignee = {"oaid": oaid} if oaid is not None else {}
    found = jd.relay("1", consignee)
    assert (
        (found == {"platform": "jd", "order_id": "1", "buyer": oaid}) if handle else found is None
    )


@pytest.mark.parametrize(
    ("state", "types"),
    [("WAIT_SELLER_STOCK_OUT", ["customer.upserted", "order.created", "order.paid"]),
     ("WAIT_SELLER_DELIVERY", ["customer.upserted", "order.created", "order.paid"]),
     ("WAIT_GOODS_RECEIVE_CONFIRM", ["customer.upserted", "order.created", "order.paid",
                                     "order.shipped", "shipment.checkpoint"]),
     ("FINISHED_L", ["customer.upserted", "order.created", "order.paid", "order.shipped",
                     "shipment.checkpoint", "shipment.checkpoint"]),
     ("TRADE_CANCELED", ["customer.upserted", "order.created", "order.paid", "order.cancelled"]),
     ("LOCKED", ["customer.upserted", "order.created", "order.paid"]),
     ("PAUSE", ["customer.upserted", "order.created", "order.paid"]),
     ("POP_ORDER_PAUSE", ["customer.upserted", "order.created", "order.paid"])],
)  # fmt: skip
def test_order_state(state, types):
    sent = (
        {"waybill": "JDVA00012345678"}
        if state in ("WAIT_GOODS_RECEIVE_CONFIRM", "FINISHED_L")
        else {}
    )
    assert _types(_order(orderState=state, orderEndTime="2026-11-13 18:00:00", **sent)) == types


def test_an_unknown_state_says_which():
    with pytest.raises(Untranslatable, match="orderState 'NEW_STATE' is not one tidings knows"):
        jd.translate(_delivery(_order(orderState="NEW_STATE")))


@pytest.mark.parametrize(
    ("pay_type", "payment"),
    [("1-货到付款", "cod"), ("2-邮局汇款", "prepaid"), ("3-自提", "prepaid"),
     ("4-在线支付", "prepaid"), ("5-公司转账", "prepaid"), ("6-银行卡转账", "prepaid"),
     ("4", "prepaid")],
)  # fmt: skip
def test_pay_type(pay_type, payment):
    assert jd.pay_type({"payType": pay_type}, "1") == payment


def test_an_unknown_pay_type_says_which():
    with pytest.raises(Untranslatable, match="payType '9-白条' is not one tidings knows"):
        jd.translate(_delivery(_order(payType="9-白条")))


def test_a_cash_on_delivery_order_is_unpaid_until_it_is_done():
    cod = _order(payType="1-货到付款", paymentConfirmTime="")
    waiting = datas(jd.translate(_delivery(cod)))
    assert [t for t, _ in waiting] == ["customer.upserted", "order.created"]
    assert (waiting[1][1]["payment"], waiting[1][1]["status"]) == ("cod", "unpaid")
    done = cod | {
        "orderState": "FINISHED_L",
        "waybill": "JDV1",
        "orderEndTime": "2026-11-14 11:00:00",
    }
    paid = [e for e in jd.translate(_delivery(done)).events if e["type"] == "order.paid"]
    assert [(e["occurred_at"], e["data"]["amount"]) for e in paid] == [
        ("2026-11-14T11:00:00+08:00", "129.00")]  # the cash, taken at the door  # fmt: skip


def test_a_shipped_order_is_shipped_and_collected_with_its_waybill_and_the_stores_carrier():
    shipped = _order(orderState="WAIT_GOODS_RECEIVE_CONFIRM", waybill="JDVA00012345678",
                     modified="2026-11-11 15:30:00", logisticsId="2087")  # fmt: skip
    events = jd.translate(_delivery(shipped, carrier="JD")).events[3:]
    base = {"shipment_id": "jd-300001234567-JDVA00012345678", "order_id": "300001234567",
            "carrier": "JD", "tracking_number": "JDVA00012345678"}  # fmt: skip
    assert [(e["type"], e["occurred_at"], e["data"]) for e in events] == [
        ("order.shipped", "2026-11-11T15:30:00+08:00", base),
        ("shipment.checkpoint", "2026-11-11T15:30:00+08:00",
         base | {"status": "in_transit", "substatus": "WAIT_GOODS_RECEIVE_CONFIRM"})]  # fmt: skip


def test_without_the_stores_carrier_list_the_carrier_is_other():
    shipped = _order(orderState="WAIT_GOODS_RECEIVE_CONFIRM", waybill="JDV1")
    assert jd.translate(_delivery(shipped)).events[3]["data"]["carrier"] == "other"


def test_several_waybills_are_several_packages():
    shipped = _order(orderState="WAIT_GOODS_RECEIVE_CONFIRM", waybill="SF1001,SF1002")
    parcels = [
        e["data"] for e in jd.translate(_delivery(shipped)).events if e["type"] == "order.shipped"
    ]
    assert [(p["tracking_number"], p["package_index"], p["package_count"]) for p in parcels] == [
        ("SF1001", 1, 2), ("SF1002", 2, 2)]  # fmt: skip


def test_a_cancelled_order_with_a_waybill_adds_no_parcel_of_its_own():
    refused = _order(payType="1-货到付款", orderState="TRADE_CANCELED", waybill="JDV1")
    assert _types(refused) == ["customer.upserted", "order.created", "order.cancelled"]


def test_a_finished_order_is_delivered_when_it_was_done():
    done = _order(orderState="FINISHED_L", waybill="JDV1", orderEndTime="2026-11-13 18:00:00")
    last = jd.translate(_delivery(done)).events[-1]
    assert (last["id"], last["occurred_at"], last["data"]["status"]) == (
        "jd:shipment:300001234567:JDV1:delivered", "2026-11-13T18:00:00+08:00",
        "delivered")  # fmt: skip


def test_an_order_reported_again_differently_adds_only_the_new_facts():
    first = jd.translate(_delivery(_order()))
    cancelled = _order(orderState="TRADE_CANCELED", modified="2026-11-11 12:00:00",
                       orderEndTime="2026-11-11 12:00:00")  # fmt: skip
    later = jd.translate(_delivery(cancelled))
    before = {e["id"] for e in first.events}
    assert [e["id"] for e in later.events if e["id"] not in before] == [
        "jd:order:300001234567:cancelled"]  # fmt: skip
    assert later.events[-1]["data"] == {"order_id": "300001234567", "reason": "other"}


def test_a_bad_review_is_a_one_star_review_of_its_order():
    found = jd.translate(_delivery(sample("jd", "comment.synthetic.json"), kind="comment"))
    [(kind, data)] = datas(found)
    assert kind == "review.posted" and found.customer_id == BUYER
    assert data == {"review_id": "17001234567", "order_id": "300001234567",
                    "customer_id": BUYER, "rating": 1, "text": "包装破损，茶叶洒了一半",
                    "sku": "100012043978"}  # fmt: skip
    assert found.events[0]["occurred_at"] == "2026-11-14T20:15:00+08:00"


@pytest.mark.parametrize("score", [0, 6, "5", None, True])
def test_a_review_score_outside_one_to_five_says_which(score):
    comment = sample("jd", "comment.synthetic.json") | {"score": score}
    with pytest.raises(Untranslatable, match=r"comment 17001234567: score .* is not 1 to 5 stars"):
        jd.translate(_delivery(comment, kind="comment"))


def test_a_review_time_in_epoch_milliseconds_is_read():
    comment = sample("jd", "comment.synthetic.json") | {"creationTime": 1794658500000}
    at = jd.translate(_delivery(comment, kind="comment")).events[0]["occurred_at"]
    assert at == "2026-11-14T20:15:00+08:00"


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"orderId": None}, "orderId is missing or not an id"),
     ({"open_id_buyer": "", "pin": "13800138000"}, "order 300001234567: no buyer id"),
     ({"orderPayment": "abc"}, "order 300001234567: orderPayment: not an amount: 'abc'"),
     ({"orderStartTime": "11/11/2026"},
      "order 300001234567: orderStartTime: not a time: '11/11/2026'"),
     ({"orderState": "WAIT_GOODS_RECEIVE_CONFIRM", "waybill": ""}, "shipped without a waybill")],
)  # fmt: skip
def test_what_cannot_be_translated_says_why(change, reason):
    with pytest.raises(Untranslatable, match=reason):
        jd.translate(_delivery(_order(**change)))


def test_a_pin_that_is_no_phone_serves_when_jos_gives_no_open_id():
    assert jd.translate(_delivery(_order(open_id_buyer=None))).customer_id == "jd_7f3a9c"


def test_an_unknown_kind_tells_nothing_and_jd_pushes_nothing():
    assert (
        jd.translate(_delivery(_order(), kind="refund")).why
        == "kind 'refund' is not one tidings reads"
    )
    assert not jd.verify("any-secret", b"{}", {})


def test_delivery_ids_are_the_order_and_its_modification_time_and_the_comment():
    body = json.dumps(_order()).encode()
    assert jd.delivery_id(body, {"x-jd-kind": "order"}) == "order:300001234567:2026-11-11 10:00:05"
    comment = json.dumps(sample("jd", "comment.synthetic.json")).encode()
    assert jd.delivery_id(comment, {"x-jd-kind": "comment"}) == "comment:17001234567"


def test_items_without_their_ids_are_told_apart_by_their_bodies():
    one, two = (json.dumps(_order(orderId=None, orderPayment=p)).encode() for p in ("1", "2"))
    ids = {jd.delivery_id(body, {"x-jd-kind": "order"}) for body in (one, two)}
    assert len(ids) == 2 and all(i.startswith("unnamed:") for i in ids)
    comment = json.dumps({"score": 5}).encode()
    assert jd.delivery_id(comment, {"x-jd-kind": "comment"}).startswith("unnamed:")


def test_the_receiver_is_stripped_to_its_encrypted_id_and_region():
    kept = jd_pull.stripped(
        _order(pin="13800138000", invoiceEasyInfo={"invoiceConsigneePhone": "1"})
    )
    text = json.dumps(kept, ensure_ascii=False)
    assert kept["consigneeInfo"] == {"oaid": "JDOAID-1f2e3d4c5b6a", "province": "北京",
                                     "city": "北京市", "county": "朝阳区"}  # fmt: skip
    assert "pin" not in kept and "invoiceConsigneePhone" not in text
    assert not [p for p in PRIVATE if p in text]
    assert kept["itemInfoList"][0]["skuName"] == "明前龙井 200g"


def test_translated_events_name_no_receiver():
    shipped = _order(orderState="FINISHED_L", waybill="JDV1", orderEndTime="2026-11-13 18:00:00")
    text = json.dumps(jd.translate(_delivery(shipped)).events, ensure_ascii=False)
    assert not [p for p in (*PRIVATE, "fullname", "mobile", "telephone") if p in text]


def test_the_stores_carriers_setting():
    assert jd_pull.carriers("467=SF, 2087 = JD,bad,=x,9=") == {"467": "SF", "2087": "JD"}
    credentials = Credentials("s", {"carriers": "2087=JD"})
    assert jd_pull._order_headers({"logisticsId": 2087}, credentials) == {
        "x-jd-kind": "order", "x-jd-carrier": "JD"}  # fmt: skip
