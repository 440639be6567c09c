"""Taobao/Tmall: the message service's (TMC) messages, each kept with what the puller read
for it (adapters/connectors/taobao_pull.py), translated into contract events.

A kept delivery is one JSON object: `message` (TMC's `id`, `topic`, `pub_time`, `user_id` and
its `content` as an object), `seller_id` (the store's seller, from its settings), `trade` (the
trade as `taobao.trade.fullinfo.get` gave it, only the fields read here), `rates` (the buyer's
rates from `taobao.traderates.get`), `refund` (from `taobao.refund.get`) and `read_error` (why
a read failed).

The one rule: a buyer is their `buyer_open_uid`, never their nick, and reached only through
the platform's relay (`relay`: the trade and the encrypted `oaid`); no receiver's name, phone
or address is ever read, kept or put into an event. Taobao's times are Beijing time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from tidings.adapters.connectors import taobao_after as after
from tidings.adapters.connectors import taobao_trades as trades
from tidings.adapters.connectors.common import json_body, peek_json
from tidings.adapters.connectors.taobao_read import Read, beijing
from tidings.adapters.connectors.taobao_trades import relay
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "taobao"
HEADERS: Final = ("x-tmc-message-id", "x-tmc-topic")


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
    refund: dict[str, Any] = body["refund"] if isinstance(body.get("refund"), dict) else {}
    at = beijing(message.get("pub_time"), "message.pub_time")
    return handler(Read(message["content"], trade, rates, refund, at, delivery))


TOPICS: Final[Mapping[str, Callable[[Read], Translation]]] = {
    "taobao_trade_TradeCreate": trades.created,
    "taobao_trade_TradeBuyerPay": trades.paid,
    "taobao_trade_TradeClose": trades.closed,
    "taobao_trade_TradeCloseAndModifyDetailOrder": trades.closed,
    "taobao_trade_TradeSellerShip": trades.shipped,
    "taobao_trade_TradePartlySellerShip": trades.shipped,
    "taobao_trade_TradeSuccess": trades.success,
    "taobao_trade_TradeRated": after.rated,
    "taobao_refund_RefundCreated": after.refund_opened,
    "taobao_refund_RefundSuccess": after.refund_resolved("refunded"),
    "taobao_refund_RefundClosed": after.refund_resolved("withdrawn"),  # closed with no money back
    "taobao_refund_TaobaoInterApplied": after.intervention,  # a side asked Taobao to step in
    "taobao_refund_TaobaoIntervened": after.intervention,  # Taobao stepped in
    "taobao_logistics_LogsticDetailTrace": after.trace,  # "Logstic": Taobao's own spelling
}

__all__ = [
    "HEADERS",
    "NAME",
    "TOPICS",
    "answer",
    "delivery_id",
    "relay",
    "topic",
    "translate",
    "verify",
]
