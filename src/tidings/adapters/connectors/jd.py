"""JD (京东) POP orders and reviews, as tidings pulls them from the JOS router (jd_pull.py):
each order JOS reports changed, and each review, is kept as one delivery (the order's JSON
object with every receiver field stripped, `x-jd-kind` naming what it is) and read here.

The one rule: an order's events are its facts, not its snapshots: created, paid, shipped (one
event a waybill), delivered and cancelled each have one id, made from JD's order id (and the
waybill), so the same order polled again, or reported differently later (cancelled after it
was paid, finished after it shipped), adds only the facts it did not have. The buyer is JD's
open id; the receiver's name and phone never reach tidings' events or tables: the encrypted
consignee id (`oaid`) JOS gives is kept only as the relay handle, never decrypted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from tidings.adapters.connectors.common import (
    currency,
    digest,
    event,
    ident,
    json_body,
    money,
    need,
    peek_json,
    status_answer,
    time_in,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "jd"
HEADERS: Final = ("x-jd-kind", "x-jd-carrier")
BEIJING: Final = ZoneInfo("Asia/Shanghai")  # JOS gives times as yyyy-MM-dd HH:mm:ss, GMT+8

Stage = Literal["open", "shipped", "finished", "cancelled", "held"]

ORDER_STATES: Final[Mapping[str, Stage]] = {
    "WAIT_SELLER_STOCK_OUT": "open",  # 等待出库: paid (or COD), not sent yet
    "WAIT_SELLER_DELIVERY": "open",  # 等待发货: cross-border, waiting to be sent in China
    "WAIT_GOODS_RECEIVE_CONFIRM": "shipped",  # 等待确认收货: out of the seller's hands
    "FINISHED_L": "finished",  # 完成: received (confirmed by the buyer or by time)
    "TRADE_CANCELED": "cancelled",  # 取消
    "LOCKED": "held",  # 已锁定: a cancellation or dispute under review; nothing is decided
    "PAUSE": "held",  # 暂停
    "POP_ORDER_PAUSE": "held",  # POP business paused (phone cards, gold…)
}

PAY_TYPES: Final[Mapping[str, str]] = {
    "1": "cod",  # 货到付款
    "2": "prepaid",  # 邮局汇款
    "3": "prepaid",  # 自提
    "4": "prepaid",  # 在线支付
    "5": "prepaid",  # 公司转账
    "6": "prepaid",  # 银行卡转账
}

# JOS gives the carrier as a number (`logisticsId`); its names come from the store's own list
# of carriers (the `carriers` setting, read by the puller into `x-jd-carrier`).
NO_CARRIER: Final = "other"

PHONE_LIKE = re.compile(r"^[\d\s()+*#-]*$")  # digits, masked or not: a number, not a token
_WAYBILLS = re.compile(r"[\s,;，；]+")


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """JD pushes nothing to tidings: what comes to /hooks/jd is not JD's, and is refused."""
    return False


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    """An order at its modification time, a comment by its id; what has neither, its hash
    (two bad items must not pass for one)."""
    found = peek_json(body)
    if headers.get("x-jd-kind") == "comment" and _given(found.get("commentId")):
        return f"comment:{found['commentId']}"[:128]
    if _given(found.get("orderId")) and _given(found.get("modified")):
        return f"order:{found['orderId']}:{found['modified']}"[:128]
    return f"unnamed:{digest(body)}"


def _given(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool) and str(value) != ""


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return headers.get("x-jd-kind", "")[:64]


answer = status_answer


def translate(delivery: Delivery) -> Translation:
    kind = topic(delivery.body, delivery.headers)
    handler = KINDS.get(kind)
    if handler is None:
        return Translation([], why=f"kind {kind!r} is not one tidings reads")
    return handler(json_body(delivery), delivery)


def relay(order_id: str, consignee: Any) -> dict[str, str] | None:
    """The relay handle of the order's buyer: JD's encrypted consignee id as JOS gives it,
    never decrypted here (None when JOS gave none, or gave what reads as a phone)."""
    buyer = consignee.get("oaid") if isinstance(consignee, dict) else None
    if not isinstance(buyer, str) or not buyer.strip() or PHONE_LIKE.match(buyer):
        return None
    return {"platform": "jd", "order_id": order_id, "buyer": buyer.strip()}


def _order(body: dict[str, Any], delivery: Delivery) -> Translation:
    order_id = ident(body.get("orderId"), "orderId")
    state = str(need(body, "orderState", f"order {order_id}"))
    stage = ORDER_STATES.get(state)
    if stage is None:
        raise Untranslatable(
            f"order {order_id}: orderState {state[:40]!r} is not one tidings knows"
        )
    buyer = buyer_id(body, f"order {order_id}")
    handle = relay(order_id, body.get("consigneeInfo"))
    events = [
        _customer(buyer, order_id, body, delivery, handle),
        _created(body, delivery, order_id, buyer, handle),
    ]
    events += _paid(body, delivery, order_id)
    if stage in ("shipped", "finished"):  # a cancelled one keeps what was seen of it before
        events += _shipped(body, delivery, order_id, stage)
    if stage == "cancelled":
        at = _beijing(
            body.get("orderEndTime") or body.get("modified"), f"order {order_id}: modified"
        )
        # JOS does not say who cancelled: unpaid COD and paid orders alike read "other"
        events.append(event(f"jd:order:{order_id}:cancelled", "order.cancelled", delivery, at,
                            order_id=order_id, reason="other"))  # fmt: skip
    return Translation(events, buyer)


def _customer(buyer: str, order_id: str, body: dict[str, Any], delivery: Delivery,
              handle: dict[str, str] | None) -> dict[str, Any]:  # fmt: skip
    at = _beijing(
        need(body, "orderStartTime", f"order {order_id}"), f"order {order_id}: orderStartTime"
    )
    return event(f"jd:customer:{buyer}:order:{order_id}", "customer.upserted", delivery, at,
                 customer_id=buyer, relay=handle)  # fmt: skip


def _created(body: dict[str, Any], delivery: Delivery, order_id: str, buyer: str,
             handle: dict[str, str] | None) -> dict[str, Any]:  # fmt: skip
    payment = pay_type(body, order_id)
    paid = payment == "prepaid" and bool(body.get("paymentConfirmTime"))
    data = {
        "order_id": order_id,
        "customer_id": buyer,
        "items": _items(body.get("itemInfoList"), order_id),
        "total": money(
            need(body, "orderPayment", f"order {order_id}"), f"order {order_id}: orderPayment"
        ),
        "currency": currency("CNY", delivery),  # JD sells in yuan
        "payment": payment,
        "status": "paid" if paid else "unpaid",
        "relay": handle,
    }
    at = _beijing(body.get("orderStartTime"), f"order {order_id}: orderStartTime")
    return event(f"jd:order:{order_id}:created", "order.created", delivery, at, **data)


def _paid(body: dict[str, Any], delivery: Delivery, order_id: str) -> list[dict[str, Any]]:
    """Paid online when JOS gives the payment's time; paid in cash when a COD order is done."""
    amount = money(body.get("orderPayment"), f"order {order_id}: orderPayment")
    if pay_type(body, order_id) == "prepaid" and body.get("paymentConfirmTime"):
        at = _beijing(body["paymentConfirmTime"], f"order {order_id}: paymentConfirmTime")
    elif ORDER_STATES.get(str(body.get("orderState"))) == "finished":
        at = _beijing(
            body.get("orderEndTime") or body.get("modified"), f"order {order_id}: orderEndTime"
        )
    else:
        return []
    return [event(f"jd:order:{order_id}:paid", "order.paid", delivery, at,
                  order_id=order_id, amount=amount)]  # fmt: skip


def _shipped(body: dict[str, Any], delivery: Delivery, order_id: str, stage: Stage
             ) -> list[dict[str, Any]]:  # fmt: skip
    """Each waybill a parcel: shipped and collected when JOS first reports it out of the
    seller's hands (JD's 出库 is the handover to the carrier; the order list gives no time of
    its own, so `modified` of the first snapshot that shows it, and for an order first seen
    already done, the time it was done), delivered when the order is done. A carrier's own
    tracking (kuaidi100, 17track) adds the steps between."""
    numbers = _waybills(body)
    if not numbers:
        if stage == "shipped":
            raise Untranslatable(f"order {order_id}: shipped without a waybill")
        return []
    carrier = delivery.headers.get("x-jd-carrier") or NO_CARRIER
    sent = _beijing(need(body, "modified", f"order {order_id}"), f"order {order_id}: modified")
    done = _beijing(
        body.get("orderEndTime") or body.get("modified"), f"order {order_id}: orderEndTime"
    )
    events = []
    for index, number in enumerate(numbers, start=1):
        base = {"shipment_id": f"jd-{order_id}-{number}", "order_id": order_id,
                "carrier": carrier, "tracking_number": number}  # fmt: skip
        parts = {"package_index": index, "package_count": len(numbers)} if len(numbers) > 1 else {}
        stem = f"jd:shipment:{order_id}:{number}"
        events.append(event(f"{stem}:shipped", "order.shipped", delivery, sent, **base, **parts))
        events.append(event(f"{stem}:collected", "shipment.checkpoint", delivery, sent,
                            status="in_transit", substatus="WAIT_GOODS_RECEIVE_CONFIRM",
                            **base))  # fmt: skip
        if stage == "finished":
            events.append(event(f"{stem}:delivered", "shipment.checkpoint", delivery, done,
                                status="delivered", substatus="FINISHED_L", **base))  # fmt: skip
    return events


def _comment(body: dict[str, Any], delivery: Delivery) -> Translation:
    review = ident(body.get("commentId"), "commentId")
    score = body.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Untranslatable(f"comment {review}: score {str(score)[:8]!r} is not 1 to 5 stars")
    buyer = buyer_id(body, f"comment {review}")
    data = {
        "review_id": review,
        "order_id": ident(body.get("orderId"), f"comment {review}: orderId"),
        "customer_id": buyer,
        "rating": score,
        "text": str(body.get("content") or ""),
        "sku": None if body.get("skuid") in (None, "") else str(body["skuid"]),
    }
    at = _beijing(
        need(body, "creationTime", f"comment {review}"), f"comment {review}: creationTime"
    )
    return Translation([event(f"jd:review:{review}", "review.posted", delivery, at, **data)], buyer)


def buyer_id(body: dict[str, Any], where: str) -> str:
    """The buyer as JOS names it to this app: the open id (`open_id_buyer`), else the pin
    when it is no phone number (a pin may be one: it is then left out, never kept)."""
    for field in ("open_id_buyer", "pin"):
        value = body.get(field)
        if isinstance(value, str) and value.strip() and not PHONE_LIKE.match(value):
            return value.strip()[:128]
    raise Untranslatable(f"{where}: no buyer id (open_id_buyer)")


def pay_type(body: dict[str, Any], order_id: str) -> str:
    """`payType` reads "4-在线支付": the number before the dash says how the buyer pays."""
    raw = str(need(body, "payType", f"order {order_id}"))
    found = PAY_TYPES.get(raw.split("-", 1)[0].strip())
    if found is None:
        raise Untranslatable(f"order {order_id}: payType {raw[:40]!r} is not one tidings knows")
    return found


def _waybills(body: dict[str, Any]) -> list[str]:
    raw = str(body.get("waybill") or "").strip()
    return [n for n in _WAYBILLS.split(raw) if n] if raw else []


def _items(lines: Any, order_id: str) -> list[dict[str, Any]]:
    out = []
    for index, line in enumerate(lines or []):
        where = f"order {order_id}: itemInfoList.{index}"
        out.append({"sku": ident(line.get("outerSkuId") or line.get("skuId"), f"{where}.skuId"),
                    "name": str(line.get("skuName") or ""),
                    "qty": int(line.get("itemTotal") or 0),
                    "price": money(line.get("jdPrice") or 0, f"{where}.jdPrice")})  # fmt: skip
    return out


def _beijing(value: Any, field: str) -> datetime:
    """A JOS time: "yyyy-MM-dd HH:mm:ss" in GMT+8, or a Java date in epoch milliseconds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, BEIJING)
    return time_in(value, BEIJING, field)


KINDS: Final[Mapping[str, Callable[[dict[str, Any], Delivery], Translation]]] = {
    "order": _order,
    "comment": _comment,
}
