"""Taobao's trade topics: created, paid, closed, shipped (whole or in part), succeeded, each
read with the trade (`taobao.trade.fullinfo.get`) as the puller kept it.

The one rule: the message says what happened, the trade read says what it is; where they
disagree (a payment for a trade Taobao reports unpaid) the message is refused by name, and no
event is made of it. Every trade gives its order (same id each time: a duplicate after the
first), so that a lost or late TradeCreate loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from tidings.adapters.connectors.common import currency, event, ident, money
from tidings.adapters.connectors.taobao_read import Read, beijing, buyer
from tidings.domain.connectors import Translation
from tidings.domain.errors import Untranslatable

CLOSE_REASONS: Final[Mapping[str, str]] = {
    "TRADE_CLOSED_BY_TAOBAO": "closed_unpaid",  # before payment: by either side, or timed out
    "TRADE_CLOSED": "customer",  # refunded in full after payment: the shopper took it back
}


def relay(tid: str, trade: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The handle the platform's SMS relay is reached by: the trade and the encrypted buyer."""
    oaid = str((trade or {}).get("oaid") or "").strip()
    return {"platform": "taobao", "order_id": tid, "buyer": oaid} if oaid else None


def _trade(read: Read) -> dict[str, Any]:
    if read.trade is None:
        tid = read.content.get("tid")
        raise Untranslatable(f"trade {str(tid)[:24]} was not read with this message")
    return read.trade


def _order(read: Read) -> list[dict[str, Any]]:
    """customer.upserted (the buyer and their latest order's relay) and order.created."""
    trade, who = _trade(read), buyer(read)
    tid = ident(trade.get("tid"), "trade.tid")
    created = beijing(trade.get("created"), "trade.created")
    handle = relay(tid, trade)
    shopper = event(f"taobao:buyer:{who}:{tid}", "customer.upserted", read.delivery, created,
                  customer_id=who, relay=handle)  # fmt: skip
    cod = trade.get("type") == "cod"
    paid = bool(trade.get("pay_time")) and not cod
    closes = None if paid else _closes(trade)
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
    return [shopper, order]


def created(read: Read) -> Translation:
    events = _order(read)
    return Translation(events, events[0]["data"]["customer_id"])


def paid(read: Read) -> Translation:
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


def closed(read: Read) -> Translation:
    trade = _trade(read)
    tid, status = ident(trade.get("tid"), "trade.tid"), str(trade.get("status") or "")
    reason = CLOSE_REASONS.get(status)
    if reason is None:
        return Translation([], why=f"Taobao reports trade {tid} as {status[:40]}: not closed "
                                   "(a part of it was), the order goes on")  # fmt: skip
    at = beijing(trade.get("end_time") or trade.get("modified") or read.at, "trade.end_time")
    gone = event(f"taobao:trade:{tid}:closed", "order.cancelled", read.delivery, at,
                 order_id=tid, reason=reason)  # fmt: skip
    return Translation([gone], buyer(read))


def shipped(read: Read) -> Translation:
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


def success(read: Read) -> Translation:
    trade = _trade(read)
    tid = ident(trade.get("tid"), "trade.tid")
    at = beijing(trade.get("end_time") or read.at, "trade.end_time")
    events = [event(f"taobao:waybill:{number}:received", "shipment.checkpoint", read.delivery, at,
                    shipment_id=f"taobao-{number}", order_id=tid, carrier=carrier,
                    tracking_number=number, status="delivered", substatus="TRADE_FINISHED")
              for carrier, number, _ in _packages(trade)]  # fmt: skip
    if not events:
        return Translation([], why=f"trade {tid} succeeded without a waybill to close")
    return Translation(events, buyer(read))


def _closes(trade: Mapping[str, Any]) -> Any:
    """When Taobao closes the trade unpaid: the trade's time, else its sub-orders' earliest
    (the field is documented on the sub-order; a trade may carry it too)."""
    lines = [line.get("timeout_action_time") for line in trade.get("orders") or []]
    return trade.get("timeout_action_time") or min((t for t in lines if t), default=None)


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
