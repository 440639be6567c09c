"""Taobao/Tmall: the message service's (TMC) messages, each kept with what the puller read
for it (adapters/connectors/taobao_pull.py), translated into contract events.

A kept delivery is one JSON object: `message` (TMC's `id`, `topic`, `pub_time`, `user_id` and
its `content` as an object), `seller_id` (the store's seller, from its settings), `trade` (the
trade as `taobao.trade.fullinfo.get` gave it, only the fields read here), `rates` (the buyer's
rates from `taobao.traderates.get`) and `read_error` (why a read failed).

The one rule: a buyer is their `buyer_open_uid`, never their nick, and reached only through
the platform's relay (`relay`: the trade and the encrypted `oaid`); no receiver's name, phone
or address is ever read, kept or put into an event. Taobao's times are Beijing time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors.common import currency, event, ident, json_body, money, peek_json
from tidings.adapters.connectors.top import BEIJING
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "taobao"
HEADERS: Final = ("x-tmc-message-id", "x-tmc-topic")

CLOSE_REASONS: Final[Mapping[str, str]] = {
    "TRADE_CLOSED_BY_TAOBAO": "closed_unpaid",  # before payment: by either side, or timed out
    "TRADE_CLOSED": "customer",  # refunded in full after payment: the shopper took it back
}

LOGISTICS_ACTIONS: Final[Mapping[str, str | None]] = {
    "CREATE": "info_received",  # the logistics order is made
    "CONSIGN": "info_received",  # the seller has sent it: not yet with the carrier
    "GOT": "in_transit",  # collected: the first in_transit
    "ARRIVAL": "in_transit",
    "DEPARTURE": "in_transit",
    "SENT_CITY": "in_transit",  # arrived in the city it goes to
    "TO_EMS": "in_transit",  # handed on to EMS
    "SENT_SCAN": "out_for_delivery",  # scanned for delivery
    "SIGNED": "delivered",
    "FAILED": "failed_attempt",  # not signed for, or refused at the door
    "LOST": "exception",
    "OTHER": None,  # nothing to tell the shopper
}

RATE_RESULTS: Final[Mapping[str, int]] = {
    "good": 5,  # 好评
    "neutral": 3,  # 中评
    "bad": 1,  # 差评
}

BILL_KINDS: Final[Mapping[str, str]] = {
    "refund_bill": "refund",  # money only
    "return_bill": "return",  # the goods go back, then the money
    "replace_bill": "exchange",
}

REFUND_PHASES: Final[Mapping[str, str]] = {
    "onsale": "refund asked before the goods were received",  # 售中
    "aftersale": "after-sale claim on received goods",  # 售后
}


@dataclass(frozen=True, slots=True)
class Read:
    """A message with what was read for it."""

    content: dict[str, Any]
    trade: dict[str, Any] | None
    rates: list[dict[str, Any]]
    at: datetime  # the message's pub_time
    delivery: Delivery


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Taobao is pulled, never pushed: a POST to its hook is refused whatever it says."""
    return False


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    found = headers.get("x-tmc-message-id", "").strip()
    return found[:128] or str((peek_json(body).get("message") or {}).get("id") or "")[:128]


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return headers.get("x-tmc-topic", "").strip()[:64]


def answer(outcome: str) -> tuple[int, dict[str, Any]]:
    return 403, {"error": "Taobao is pulled from its message service, not pushed"}


def relay(tid: str, trade: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The handle the platform's SMS relay is reached by: the trade and the encrypted buyer."""
    oaid = str((trade or {}).get("oaid") or "").strip()
    return {"platform": "taobao", "order_id": tid, "buyer": oaid} if oaid else None


def translate(delivery: Delivery) -> Translation:
    body = json_body(delivery)
    message = body.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content"), dict):
        raise Untranslatable("message: not a TMC message with its content")
    name = str(message.get("topic") or "")
    handler = TOPICS.get(name)
    if handler is None:
        return Translation([], why=f"topic {name!r} is not one tidings reads")
    seller, mine = str(message.get("user_id") or ""), str(body.get("seller_id") or "")
    if mine and seller != mine:
        raise Untranslatable(f"message for seller {seller[:20]}, not this store's ({mine[:20]}): "
                             "that seller's store has no Taobao connector here")  # fmt: skip
    if body.get("read_error"):
        raise Untranslatable(f"reading for this message failed: {str(body['read_error'])[:300]}")
    rates = [r for r in body.get("rates") or [] if isinstance(r, dict)]
    trade = body.get("trade") if isinstance(body.get("trade"), dict) else None
    at = beijing(message.get("pub_time"), "message.pub_time")
    return handler(Read(message["content"], trade, rates, at, delivery))


def beijing(value: Any, field: str) -> datetime:
    """A Taobao time ("yyyy-MM-dd HH:mm:ss", Beijing time)."""
    text = str(value or "").strip()
    if not text:
        raise Untranslatable(f"{field} is missing")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Untranslatable(f"{field}: not a time: {text[:32]!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=BEIJING)


def _trade(read: Read) -> dict[str, Any]:
    if read.trade is None:
        tid = read.content.get("tid")
        raise Untranslatable(f"trade {str(tid)[:24]} was not read with this message")
    return read.trade


def _buyer(read: Read) -> str:
    found = read.content.get("buyer_open_uid") or (read.trade or {}).get("buyer_open_uid")
    if not found:
        raise Untranslatable("buyer_open_uid is missing (a Taobao buyer is never known by nick)")
    return ident(found, "buyer_open_uid")


def _order(read: Read) -> list[dict[str, Any]]:
    """customer.upserted (the buyer and their latest order's relay) and order.created."""
    trade, who = _trade(read), _buyer(read)
    tid = ident(trade.get("tid"), "trade.tid")
    created = beijing(trade.get("created"), "trade.created")
    handle = relay(tid, trade)
    buyer = event(f"taobao:buyer:{who}:{tid}", "customer.upserted", read.delivery, created,
                  customer_id=who, relay=handle)  # fmt: skip
    cod = trade.get("type") == "cod"
    paid = bool(trade.get("pay_time")) and not cod
    closes = trade.get("timeout_action_time") if not paid else None
    data = {
        "order_id": tid,
        "customer_id": who,
        "items": _items(trade.get("orders")),
        "total": money(trade.get("payment"), "trade.payment"),
        "currency": currency("CNY", read.delivery),
        "payment": "cod" if cod else "prepaid",
        "status": "paid" if paid else "unpaid",
        "auto_close_at": beijing(closes, "timeout_action_time").isoformat() if closes else None,
        "relay": handle,
    }
    order = event(f"taobao:trade:{tid}:created", "order.created", read.delivery, created, **data)
    return [buyer, order]


def _created(read: Read) -> Translation:
    events = _order(read)
    return Translation(events, events[0]["data"]["customer_id"])


def _paid(read: Read) -> Translation:
    events, trade = _order(read), _trade(read)
    tid = events[1]["data"]["order_id"]
    if not trade.get("pay_time"):
        raise Untranslatable(f"the message says trade {tid} was paid, but Taobao reports it "
                             f"{str(trade.get('status'))[:40]} with no payment")  # fmt: skip
    at = beijing(trade["pay_time"], "trade.pay_time")
    amount = money(trade.get("payment"), "trade.payment")
    paid = event(f"taobao:trade:{tid}:paid", "order.paid", read.delivery, at,
                 order_id=tid, amount=amount)  # fmt: skip
    return Translation([*events, paid], events[0]["data"]["customer_id"])


def _closed(read: Read) -> Translation:
    trade = _trade(read)
    tid, status = ident(trade.get("tid"), "trade.tid"), str(trade.get("status") or "")
    reason = CLOSE_REASONS.get(status)
    if reason is None:
        return Translation([], why=f"Taobao reports trade {tid} as {status[:40]}: not closed "
                                   "(a part of it was), the order goes on")  # fmt: skip
    at = beijing(trade.get("end_time") or trade.get("modified") or read.at, "trade.end_time")
    gone = event(f"taobao:trade:{tid}:closed", "order.cancelled", read.delivery, at,
                 order_id=tid, reason=reason)  # fmt: skip
    return Translation([gone], _buyer(read))


def _shipped(read: Read) -> Translation:
    events, packages = _order(read), _packages(_trade(read))
    tid = events[1]["data"]["order_id"]
    if not packages:
        return Translation([], why=f"trade {tid} was sent without a waybill (no logistics)")
    for index, (carrier, number, sent) in enumerate(packages, start=1):
        at = beijing(sent or read.at, "consign_time")
        more = {"package_index": index, "package_count": len(packages)} if len(packages) > 1 else {}
        events.append(event(f"taobao:waybill:{number}:shipped", "order.shipped", read.delivery, at,
                            order_id=tid, shipment_id=f"taobao-{number}", carrier=carrier,
                            tracking_number=number, **more))  # fmt: skip
    return Translation(events, events[0]["data"]["customer_id"])


def _success(read: Read) -> Translation:
    trade = _trade(read)
    tid = ident(trade.get("tid"), "trade.tid")
    at = beijing(trade.get("end_time") or read.at, "trade.end_time")
    events = [event(f"taobao:waybill:{number}:received", "shipment.checkpoint", read.delivery, at,
                    shipment_id=f"taobao-{number}", order_id=tid, carrier=carrier,
                    tracking_number=number, status="delivered", substatus="TRADE_FINISHED")
              for carrier, number, _ in _packages(trade)]  # fmt: skip
    if not events:
        return Translation([], why=f"trade {tid} succeeded without a waybill to close")
    return Translation(events, _buyer(read))


def _rated(read: Read) -> Translation:
    if read.content.get("rater") == "seller":
        return Translation([], why="the seller rated the buyer: nothing to tell")
    who, tid = _buyer(read), ident(read.content.get("tid"), "tid")
    events = []
    for rate in (r for r in read.rates if r.get("role") == "buyer"):
        result = str(rate.get("result") or "")
        if result not in RATE_RESULTS:
            raise Untranslatable(f"rate of trade {tid}: result {result[:16]!r} is not good, "
                                 "neutral or bad")  # fmt: skip
        oid = ident(rate.get("oid") or tid, "rate.oid")
        at = beijing(rate.get("created") or read.at, "rate.created")
        events.append(event(f"taobao:rate:{tid}:{oid}", "review.posted", read.delivery, at,
                            review_id=f"taobao-{oid}", order_id=tid, customer_id=who,
                            rating=RATE_RESULTS[result], text=str(rate.get("content") or ""),
                            sku=_optional(rate.get("num_iid"))))  # fmt: skip
    if not events:
        return Translation([], why=f"no rate by the buyer of trade {tid} was found")
    return Translation(events, who)


def _refund_opened(read: Read) -> Translation:
    refund, tid, who = _refund_ids(read)
    kind = BILL_KINDS.get(str(read.content.get("bill_type") or ""), "refund")
    reason = REFUND_PHASES.get(str(read.content.get("refund_phase") or ""), "refund asked")
    at = beijing(read.content.get("modified") or read.at, "modified")
    opened = event(f"taobao:refund:{refund}:opened", "aftersale.opened", read.delivery, at,
                   ticket_id=f"taobao-{refund}", order_id=tid, customer_id=who, kind=kind,
                   reason=reason)  # fmt: skip
    return Translation([opened], who)


def _refund_resolved(outcome: str) -> Callable[[Read], Translation]:
    def resolved(read: Read) -> Translation:
        refund, _, who = _refund_ids(read)
        at = beijing(read.content.get("modified") or read.at, "modified")
        done = event(f"taobao:refund:{refund}:resolved", "aftersale.resolved", read.delivery,
                     at, ticket_id=f"taobao-{refund}", outcome=outcome)  # fmt: skip
        return Translation([done], who)

    return resolved


def _intervention(read: Read) -> Translation:
    refund, tid, who = _refund_ids(read)
    at = beijing(read.content.get("modified") or read.at, "modified")
    opened = event(f"taobao:dispute:{refund}", "dispute.opened", read.delivery, at,
                   dispute_id=f"taobao-refund-{refund}", order_id=tid)  # fmt: skip
    return Translation([opened], who)


def _trace(read: Read) -> Translation:
    action = str(read.content.get("action") or "")
    if action not in LOGISTICS_ACTIONS:
        raise Untranslatable(f"logistics action {action[:24]!r} is not one Taobao documents")
    status = LOGISTICS_ACTIONS[action]
    if status is None:
        return Translation([], why=f"logistics action {action} tells the shopper nothing")
    number = ident(read.content.get("out_sid"), "out_sid")
    at = beijing(read.content.get("time"), "time")
    checkpoint = event(f"taobao:trace:{number}:{action}:{at.isoformat()}", "shipment.checkpoint",
                       read.delivery, at, shipment_id=f"taobao-{number}",
                       order_id=_optional(read.content.get("tid")), status=status,
                       carrier=str(read.content.get("company_name") or "other"),
                       tracking_number=number, substatus=action,
                       message=_optional(read.content.get("desc")))  # fmt: skip
    return Translation([checkpoint])


def _refund_ids(read: Read) -> tuple[str, str, str]:
    refund = ident(read.content.get("refund_id"), "refund_id")
    return refund, ident(read.content.get("tid"), "tid"), _buyer(read)


def _packages(trade: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """(carrier, waybill, sent at) of each package, in the order of the trade's sub-orders."""
    found: dict[str, tuple[str, str, Any]] = {}
    for line in trade.get("orders") or []:
        number = str(line.get("invoice_no") or "").strip()
        if number and number not in found:
            carrier = str(line.get("logistics_company") or "other")
            found[number] = (carrier, number, line.get("consign_time") or trade.get("consign_time"))
    return list(found.values())


def _items(lines: Any) -> list[dict[str, Any]]:
    out = []
    for index, line in enumerate(lines or []):
        where = f"trade.orders.{index}"
        sku = line.get("outer_sku_id") or line.get("sku_id") or line.get("num_iid")
        out.append({"sku": ident(sku, f"{where}.sku_id"), "name": str(line.get("title") or ""),
                    "qty": int(line.get("num") or 0),
                    "price": money(line.get("price"), f"{where}.price")})  # fmt: skip
    return out


def _optional(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


TOPICS: Final[Mapping[str, Callable[[Read], Translation]]] = {
    "taobao_trade_TradeCreate": _created,
    "taobao_trade_TradeBuyerPay": _paid,
    "taobao_trade_TradeClose": _closed,
    "taobao_trade_TradeCloseAndModifyDetailOrder": _closed,
    "taobao_trade_TradeSellerShip": _shipped,
    "taobao_trade_TradePartlySellerShip": _shipped,
    "taobao_trade_TradeSuccess": _success,
    "taobao_trade_TradeRated": _rated,
    "taobao_refund_RefundCreated": _refund_opened,
    "taobao_refund_RefundSuccess": _refund_resolved("refunded"),
    "taobao_refund_RefundClosed": _refund_resolved("withdrawn"),  # closed with no money back
    "taobao_refund_TaobaoInterApplied": _intervention,  # a side asked Taobao to step in
    "taobao_refund_TaobaoIntervened": _intervention,  # Taobao stepped in
    "taobao_logistics_LogsticDetailTrace": _trace,  # "Logstic": Taobao's own spelling
}
