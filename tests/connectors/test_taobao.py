"""Taobao/Tmall's translator: each topic on its documented content (fixtures/taobao), with the
trade and rates as the puller keeps them; one test per mapping row, the expected value written
here; the buyer by open uid with the relay handle, never a nick or a phone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connector_kit import NY, SHANGHAI, datas, delivery, sample

from tidings.adapters.connectors import taobao, taobao_pull
from tidings.domain.connectors import StoreFacts, Translation
from tidings.domain.errors import Untranslatable

TID, BUYER = "3456789012345678901", "AAHm5d-EAAeGwJedwSHpg8bT"
OAID = "1ZQh2ZsmNTw1bDlXYkVFwlr7kdvEH0BT3B7aEOIaxqibx4pAYRRphgA7Pp2mmv3NLcrPaHC"


def _trade(**over: Any) -> dict[str, Any]:
    trade = sample("taobao", "trade_fullinfo.synthetic.json")
    lines = over.pop("lines", None)
    trade |= over
    for line, more in zip(trade["orders"]["order"], lines or [], strict=False):
        line |= more
    return taobao_pull.kept_trade(trade)


def _kept(topic: str, content: dict[str, Any] | None = None, facts: StoreFacts = SHANGHAI,
          user_id: str = "2200", **more: Any) -> Any:  # fmt: skip
    found = content if content is not None else _content(topic)
    message = {"id": 1001, "topic": topic, "pub_time": "2026-11-11 10:00:00", "user_id": user_id,
               "content": taobao_pull.scrubbed(found)}  # fmt: skip
    body = json.dumps({"message": message, "seller_id": "2200", **more}, ensure_ascii=False)
    headers = {"x-tmc-message-id": "1001", "x-tmc-topic": topic}
    return delivery("taobao", (body.encode(), headers), facts)


def _content(topic: str) -> dict[str, Any]:
    """The sample content of `topic`, else of its family (a trade's, a refund's)."""
    found = sample("taobao", "messages.synthetic.json")
    family = "taobao_refund_RefundCreated" if "refund" in topic else "taobao_trade_TradeCreate"
    return dict(found.get(topic) or found[family])


def _translate(topic: str, **more: Any) -> Translation:
    return taobao.translate(_kept(topic, **more))


def test_a_created_trade_is_its_buyer_by_open_uid_and_an_unpaid_order_with_the_relay():
    found = _translate("taobao_trade_TradeCreate", trade=_trade())
    handle = {"platform": "taobao", "order_id": TID, "buyer": OAID}
    assert datas(found) == [
        ("customer.upserted", {"customer_id": BUYER, "relay": handle}),
        ("order.created", {
            "order_id": TID, "customer_id": BUYER, "total": "129.00", "currency": "CNY",
            "items": [{"sku": "TEA-250G", "name": "西湖龙井 250g", "qty": 1, "price": "99.00"},
                      {"sku": "4987654321013", "name": "青瓷茶杯", "qty": 1, "price": "20.00"}],
            "payment": "prepaid", "status": "unpaid",
            "auto_close_at": "2026-11-12T00:03:12+08:00", "relay": handle}),
    ]  # fmt: skip
    assert found.customer_id == BUYER
    assert [e["id"] for e in found.events] == [f"taobao:buyer:{BUYER}:{TID}",
                                               f"taobao:trade:{TID}:created"]  # fmt: skip


def test_the_relay_handle_is_the_trade_and_the_encrypted_buyer_or_nothing():
    assert taobao.relay("7", {"oaid": "enc-1"}) == {
        "platform": "taobao",
        "order_id": "7",
        "buyer": "enc-1",
    }
    assert taobao.relay("7", {"oaid": ""}) is None
    found = _translate("taobao_trade_TradeCreate", trade=_trade(oaid=None))
    assert "relay" not in found.events[1]["data"] and "relay" not in found.events[0]["data"]


def test_the_auto_close_time_is_the_trades_else_its_sub_orders_earliest():
    lines = [{"timeout_action_time": "2026-11-12 08:00:00"},
             {"timeout_action_time": "2026-11-12 06:00:00"}]  # fmt: skip
    found = _translate("taobao_trade_TradeCreate", trade=_trade(timeout_action_time=None,
                                                                lines=lines))  # fmt: skip
    assert found.events[1]["data"]["auto_close_at"] == "2026-11-12T06:00:00+08:00"


def test_taobao_times_are_beijing_time_whatever_the_stores_zone():
    found = _translate("taobao_trade_TradeCreate", trade=_trade(), facts=StoreFacts(
        "America/New_York", "US", "CNY"))  # fmt: skip
    assert found.events[1]["occurred_at"] == "2026-11-11T00:03:12+08:00"


def test_a_store_selling_in_another_currency_refuses_the_trade():
    with pytest.raises(Untranslatable, match="the store sells in USD, this is in CNY"):
        _translate("taobao_trade_TradeCreate", trade=_trade(), facts=NY)


def test_a_cash_on_delivery_trade_is_cod_and_unpaid():
    trade = _trade(type="cod", pay_time="2026-11-11 00:04:00")
    data = _translate("taobao_trade_TradeCreate", trade=trade).events[1]["data"]
    assert (data["payment"], data["status"]) == ("cod", "unpaid")


def test_a_paid_trade_is_the_order_and_its_payment():
    trade = _trade(status="WAIT_SELLER_SEND_GOODS", pay_time="2026-11-11 00:05:00")
    found = _translate("taobao_trade_TradeBuyerPay", trade=trade)
    assert found.events[1]["data"]["status"] == "paid"
    assert "auto_close_at" not in found.events[1]["data"]
    assert datas(found)[2] == ("order.paid", {"order_id": TID, "amount": "129.00"})
    assert found.events[2]["occurred_at"] == "2026-11-11T00:05:00+08:00"


def test_a_payment_the_platform_later_reports_otherwise_is_refused_by_name():
    trade = _trade(status="TRADE_CLOSED_BY_TAOBAO")
    with pytest.raises(Untranslatable, match=f"says trade {TID} was paid, but Taobao reports it "
                                             "TRADE_CLOSED_BY_TAOBAO with no payment"):  # fmt: skip
        _translate("taobao_trade_TradeBuyerPay", trade=trade)


@pytest.mark.parametrize(
    ("status", "reason"),
    [("TRADE_CLOSED_BY_TAOBAO", "closed_unpaid"), ("TRADE_CLOSED", "customer"),
     ("WAIT_SELLER_SEND_GOODS", None)],
)  # fmt: skip
def test_close_reason(status, reason):
    for topic in ("taobao_trade_TradeClose", "taobao_trade_TradeCloseAndModifyDetailOrder"):
        found = _translate(topic, trade=_trade(status=status, end_time="2026-11-12 00:03:12"))
        if reason is None:
            assert found.events == [] and "not closed" in found.why
        else:
            assert datas(found) == [("order.cancelled", {"order_id": TID, "reason": reason})]


def test_shipped_in_two_packages_reads_each_carrier_and_waybill_from_the_trade():
    lines = [{"logistics_company": "中通快递", "invoice_no": "78123456789012",
              "consign_time": "2026-11-12 09:00:00"},
             {"logistics_company": "顺丰速运", "invoice_no": "SF1234567890123"}]  # fmt: skip
    trade = _trade(status="WAIT_BUYER_CONFIRM_GOODS", pay_time="2026-11-11 00:05:00", lines=lines,
                   consign_time="2026-11-12 10:00:00")  # fmt: skip
    for topic in ("taobao_trade_TradeSellerShip", "taobao_trade_TradePartlySellerShip"):
        found = _translate(topic, trade=trade)
        assert datas(found)[2:] == [
            ("order.shipped", {"order_id": TID, "shipment_id": "taobao-78123456789012",
                               "carrier": "中通快递", "tracking_number": "78123456789012",
                               "package_index": 1, "package_count": 2}),
            ("order.shipped", {"order_id": TID, "shipment_id": "taobao-SF1234567890123",
                               "carrier": "顺丰速运", "tracking_number": "SF1234567890123",
                               "package_index": 2, "package_count": 2}),
        ]  # fmt: skip
        sent = [e["occurred_at"][:19] for e in found.events[2:]]
        assert sent == ["2026-11-12T09:00:00", "2026-11-12T10:00:00"]


def test_shipped_without_a_waybill_tells_nothing():
    found = _translate("taobao_trade_TradeSellerShip", trade=_trade())
    assert found.events == [] and "without a waybill" in found.why


def test_a_successful_trade_is_each_package_received():
    lines = [{"logistics_company": "中通快递", "invoice_no": "78123456789012"}]
    trade = _trade(status="TRADE_FINISHED", end_time="2026-11-19 08:00:00", lines=lines)
    assert datas(_translate("taobao_trade_TradeSuccess", trade=trade)) == [
        ("shipment.checkpoint", {"shipment_id": "taobao-78123456789012", "order_id": TID,
                                 "carrier": "中通快递", "tracking_number": "78123456789012",
                                 "status": "delivered", "substatus": "TRADE_FINISHED"}),
    ]  # fmt: skip


def _rates(**over: Any) -> list[dict[str, Any]]:
    return [{k: r[k] for k in taobao_pull.RATE_FIELDS if k in r} | over
            for r in sample("taobao", "rates.synthetic.json")]  # fmt: skip


def test_a_rating_is_each_review_the_buyer_wrote():
    found = _translate("taobao_trade_TradeRated", rates=_rates())
    assert datas(found) == [
        ("review.posted", {"review_id": "taobao-3456789012345678902", "order_id": TID,
                           "customer_id": BUYER, "rating": 5, "text": "茶很香，包装完好",
                           "sku": "650123456789"}),
        ("review.posted", {"review_id": "taobao-3456789012345678903", "order_id": TID,
                           "customer_id": BUYER, "rating": 1, "text": "杯子有裂纹",
                           "sku": "650123456790"}),
    ]  # fmt: skip


@pytest.mark.parametrize(("result", "rating"), [("good", 5), ("neutral", 3), ("bad", 1)])
def test_rate_result(result, rating):
    found = _translate("taobao_trade_TradeRated", rates=_rates(result=result))
    assert found.events[0]["data"]["rating"] == rating


def test_a_rate_of_no_known_result_is_refused_and_the_sellers_rating_tells_nothing():
    with pytest.raises(Untranslatable, match="result 'great' is not good, neutral or bad"):
        _translate("taobao_trade_TradeRated", rates=_rates(result="great"))
    content = sample("taobao", "messages.synthetic.json")["taobao_trade_TradeRated"]
    found = _translate("taobao_trade_TradeRated", content=content | {"rater": "seller"})
    assert found.events == [] and "seller rated" in found.why


@pytest.mark.parametrize(
    ("bill_type", "kind"),
    [("refund_bill", "refund"), ("return_bill", "return"), ("replace_bill", "exchange")],
)
def test_refund_bill_kind(bill_type, kind):
    content = sample("taobao", "messages.synthetic.json")["taobao_refund_RefundCreated"]
    found = _translate("taobao_refund_RefundCreated", content=content | {"bill_type": bill_type})
    assert found.events[0]["data"]["kind"] == kind


@pytest.mark.parametrize(
    ("phase", "reason"),
    [("onsale", "refund asked before the goods were received"),
     ("aftersale", "after-sale claim on received goods")],
)  # fmt: skip
def test_refund_phase(phase, reason):
    content = sample("taobao", "messages.synthetic.json")["taobao_refund_RefundCreated"]
    found = _translate("taobao_refund_RefundCreated", content=content | {"refund_phase": phase})
    assert found.events[0]["data"]["reason"] == reason


def _refund(**over: Any) -> dict[str, Any]:
    found = sample("taobao", "refund.synthetic.json") | over
    return {k: found[k] for k in taobao_pull.REFUND_FIELDS if k in found}


def test_a_refund_opened_gives_the_buyers_reason_as_read():
    found = _translate("taobao_refund_RefundCreated", refund=_refund())
    assert datas(found) == [("aftersale.opened", {
        "ticket_id": "taobao-178901234567890", "order_id": TID, "customer_id": BUYER,
        "kind": "return", "reason": "七天无理由退换货"})]  # fmt: skip
    assert found.events[0]["occurred_at"] == "2026-11-15T09:30:00+08:00"
    unread = _translate("taobao_refund_RefundCreated")  # no reason read: the phase says it
    assert unread.events[0]["data"]["reason"] == "after-sale claim on received goods"


def test_a_refund_resolved_or_closed():
    content = _content("taobao_refund_RefundCreated")
    for topic, outcome in (("taobao_refund_RefundSuccess", "refunded"),
                           ("taobao_refund_RefundClosed", "withdrawn")):  # fmt: skip
        found = _translate(topic, content=content, refund=_refund(status="SUCCESS"))
        assert datas(found) == [("aftersale.resolved", {"ticket_id": "taobao-178901234567890",
                                                        "outcome": outcome})]  # fmt: skip


@pytest.mark.parametrize(
    ("cs_status", "stepped_in"),
    [(1, False), (2, True), (3, True), (4, True), (5, True), (6, True)],
)
def test_refund_cs_status(cs_status, stepped_in):
    content = _content("taobao_refund_RefundCreated")
    found = _translate("taobao_refund_RefundSuccess", content=content,
                       refund=_refund(cs_status=cs_status))  # fmt: skip
    closed = [d for t, d in datas(found) if t == "dispute.closed"]
    assert closed == ([{"dispute_id": "taobao-refund-178901234567890", "outcome": "refunded"}]
                      if stepped_in else [])  # fmt: skip


def test_taobao_stepping_in_is_a_dispute_on_the_order():
    content = sample("taobao", "messages.synthetic.json")["taobao_refund_TaobaoInterApplied"]
    for topic in ("taobao_refund_TaobaoInterApplied", "taobao_refund_TaobaoIntervened"):
        found = _translate(topic, content=content)
        assert datas(found) == [("dispute.opened", {"dispute_id": "taobao-refund-178901234567890",
                                                    "order_id": TID})]  # fmt: skip
        assert found.events[0]["id"] == "taobao:dispute:178901234567890"


@pytest.mark.parametrize(
    ("action", "status"),
    [("CREATE", "info_received"), ("CONSIGN", "info_received"), ("GOT", "in_transit"),
     ("ARRIVAL", "in_transit"), ("DEPARTURE", "in_transit"), ("SENT_CITY", "in_transit"),
     ("TO_EMS", "in_transit"), ("SENT_SCAN", "out_for_delivery"), ("SIGNED", "delivered"),
     ("FAILED", "failed_attempt"), ("LOST", "exception"), ("OTHER", None)],
)  # fmt: skip
def test_logistics_action(action, status):
    content = sample("taobao", "messages.synthetic.json")["taobao_logistics_LogsticDetailTrace"]
    found = _translate("taobao_logistics_LogsticDetailTrace", content=content | {"action": action})
    assert (found.events[0]["data"]["status"] if found.events else None) == status


def test_a_logistics_trace_is_a_checkpoint_of_the_waybill():
    assert datas(_translate("taobao_logistics_LogsticDetailTrace")) == [
        ("shipment.checkpoint", {"shipment_id": "taobao-78123456789012", "order_id": TID,
                                 "status": "in_transit", "carrier": "中通快递",
                                 "tracking_number": "78123456789012", "substatus": "GOT",
                                 "message": "【杭州市】中通快递 已揽收"}),
    ]  # fmt: skip
    content = _content("taobao_logistics_LogsticDetailTrace") | {"action": "TELEPORTED"}
    with pytest.raises(Untranslatable, match="logistics action 'TELEPORTED'"):
        _translate("taobao_logistics_LogsticDetailTrace", content=content)


def test_an_unknown_topic_is_ignored_with_its_reason():
    found = _translate("taobao_item_ItemAdd", content={"num_iid": 1})
    assert found.events == []
    assert found.why == "topic 'taobao_item_ItemAdd' is not one tidings reads"


def test_a_message_for_another_seller_or_a_failed_read_is_refused_by_name():
    with pytest.raises(Untranslatable, match=r"seller 9999, not this store's \(2200\)"):
        _translate("taobao_trade_TradeCreate", trade=_trade(), user_id="9999")
    with pytest.raises(Untranslatable, match=r"failed: Taobao refused .*\(isv.trade-not-exist"):
        why = "Taobao refused taobao.trade.fullinfo.get: code 15 (isv.trade-not-exist: x)"
        _translate("taobao_trade_TradeCreate", read_error=why)
    with pytest.raises(Untranslatable, match="was not read with this message"):
        _translate("taobao_trade_TradeCreate")
    content = sample("taobao", "messages.synthetic.json")["taobao_trade_TradeCreate"]
    content = {k: v for k, v in content.items() if k != "buyer_open_uid"}
    trade = _trade(buyer_open_uid=None)
    with pytest.raises(Untranslatable, match=r"buyer_open_uid is missing .*never known by nick"):
        _translate("taobao_trade_TradeCreate", content=content, trade=trade)


def test_the_same_message_twice_gives_the_same_ids_and_no_nick_or_phone():
    first = _translate("taobao_trade_TradeCreate", trade=_trade())
    again = _translate("taobao_trade_TradeCreate", trade=_trade())
    assert [e["id"] for e in first.events] == [e["id"] for e in again.events]
    kept = _kept("taobao_trade_TradeCreate", trade=_trade()).body.decode()
    for personal in ("t**1", "13812345678", "138****5678", "张*", "文一西路", "acme旗舰店"):
        assert personal not in kept and personal not in json.dumps(first.events,
                                                                    ensure_ascii=False)  # fmt: skip


def test_taobao_is_never_pushed_and_its_ids_come_from_the_headers():
    body, headers = b'{"message": {"id": 5}}', {"x-tmc-message-id": "1001", "x-tmc-topic": "t"}
    assert not taobao.verify("any-secret", body, headers)
    assert taobao.answer("accepted")[0] == 403
    assert (taobao.delivery_id(body, headers), taobao.topic(body, headers)) == ("1001", "t")
    assert taobao.delivery_id(body, {}) == "5"


def test_content_that_is_no_json_object_is_not_kept_and_fails_by_name():
    not_json = taobao_pull._content("tid=1&mobile=13812345678")
    assert not_json == "(content that is not JSON, not kept)"
    assert taobao_pull._content("[1]") == "(content that is no object, not kept)"
    message = {"id": 1, "topic": "taobao_trade_TradeCreate", "pub_time": "2026-11-11 10:00:00",
               "content": taobao_pull._content("tid=1")}  # fmt: skip
    body = json.dumps({"message": message}).encode()
    with pytest.raises(Untranslatable, match="not a TMC message with its content"):
        taobao.translate(delivery("taobao", (body, {}), SHANGHAI))
