"""Asking Taobao/Tmall: its message service (TMC) consumed over HTTP, each message kept with
what it needs read, confirmed only once kept (services/pulling.py does the keeping).

    consume (`taobao.tmc.messages.consume`: the app's queue, no session; `group_name` when the
    app routes this store's sellers to a group of their own; `quantity` 10-200)
      → for a trade's message, the trade (`taobao.trade.fullinfo.get`, the store's session),
        for a rating, the buyer's rates (`taobao.traderates.get`), for a refund, the refund
        (`taobao.refund.get`: its reason, whether Taobao's staff stepped in); one read per
        trade a page
      → the deliveries, the message ids to confirm (`taobao.tmc.messages.confirm`)

A message not confirmed is given again by TMC: a crash before the confirm loses nothing, and
its second coming is a duplicate (the delivery's id is the message's).

The one rule: only the fields the translator reads are kept of a trade or a rate, and a
message's content loses every nick, receiver, phone and mobile: a buyer's phone, plaintext or
masked, never reaches the database. A read refused for the call itself (signature, session,
rate limit) fails the whole page, which TMC gives again; a read refused about one trade is kept
with the message as its `read_error`, for the translation to fail by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from tidings.adapters.connectors import top
from tidings.domain.connectors import Credentials, Pulled
from tidings.domain.errors import PlatformError

EVERY: Final = timedelta(seconds=30)
QUANTITY: Final = 100  # TMC's default; it takes 10 to 200
TRADE_READS: Final = frozenset({
    "taobao_trade_TradeCreate", "taobao_trade_TradeBuyerPay", "taobao_trade_TradeClose",
    "taobao_trade_TradeCloseAndModifyDetailOrder", "taobao_trade_TradeSellerShip",
    "taobao_trade_TradePartlySellerShip", "taobao_trade_TradeSuccess",
})  # fmt: skip
RATE_READS: Final = frozenset({"taobao_trade_TradeRated"})
REFUND_READS: Final = frozenset({"taobao_refund_RefundCreated", "taobao_refund_RefundSuccess",
                                 "taobao_refund_RefundClosed"})  # fmt: skip
TRADE_FIELDS: Final = ("tid", "status", "type", "buyer_open_uid", "oaid", "payment", "created",
                       "pay_time", "modified", "consign_time", "end_time",
                       "timeout_action_time")  # fmt: skip
LINE_FIELDS: Final = ("oid", "num_iid", "sku_id", "outer_sku_id", "title", "num", "price",
                      "payment", "status", "refund_status", "logistics_company", "invoice_no",
                      "consign_time", "timeout_action_time")  # fmt: skip
RATE_FIELDS: Final = ("tid", "oid", "role", "result", "created", "content", "num_iid")
REFUND_FIELDS: Final = (
    "refund_id",
    "tid",
    "oid",
    "status",
    "reason",
    "cs_status",
    "modified",
    "refund_phase",
    "has_good_return",
)  # fmt: skip  (never `desc`: free text)


def pull(http: Any, credentials: Credentials, cursor: str | None, now: datetime) -> Pulled:
    """One page of the store's messages, each with what it needs read."""
    quantity = _quantity(credentials.settings)
    params = {"group_name": credentials.settings.get("group", ""), "quantity": str(quantity)}
    got = top.call(http, credentials, "taobao.tmc.messages.consume", params)
    messages = _listed(got.get("messages"), "tmc_message")
    reader = _Reader(http, credentials)
    seller = credentials.settings.get("seller_id", "").strip() or None
    deliveries = [_delivery(m, seller, reader) for m in messages]
    ids = tuple(str(m.get("id")) for m in messages)
    return Pulled(deliveries, cursor=ids[-1] if ids else cursor,
                  more=len(messages) >= quantity, confirm=ids)  # fmt: skip


def confirm(http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None:
    """Tell TMC these messages are kept (it gives them no more); a page is at most 200, as
    many as one confirm takes."""
    params = {"group_name": credentials.settings.get("group", ""), "s_message_ids": ",".join(ids)}
    got = top.call(http, credentials, "taobao.tmc.messages.confirm", params)
    if got.get("is_success") is False:
        raise PlatformError("Taobao did not confirm the kept messages (is_success false)")


class _Reader:
    """The reads of one page, each trade read once."""

    def __init__(self, http: Any, credentials: Credentials) -> None:
        self.http, self.credentials = http, credentials
        self.trades: dict[str, dict[str, Any]] = {}

    def trade(self, tid: str) -> dict[str, Any]:
        if tid not in self.trades:
            fields = ",".join((*TRADE_FIELDS, "orders"))
            got = top.call(self.http, self.credentials, "taobao.trade.fullinfo.get",
                           {"tid": tid, "fields": fields}, session=True)  # fmt: skip
            self.trades[tid] = kept_trade(got.get("trade"))
        return self.trades[tid]

    def refund(self, refund_id: str) -> dict[str, Any]:
        params = {"refund_id": refund_id, "fields": ",".join(REFUND_FIELDS)}
        got = top.call(self.http, self.credentials, "taobao.refund.get", params, session=True)
        found = got.get("refund")
        if not isinstance(found, dict):
            raise PlatformError("Taobao answered taobao.refund.get without a refund")
        return {k: found[k] for k in REFUND_FIELDS if k in found}

    def rates(self, tid: str) -> list[dict[str, Any]]:
        params = {"tid": tid, "rate_type": "get", "role": "buyer",
                  "fields": ",".join(RATE_FIELDS)}  # fmt: skip
        got = top.call(self.http, self.credentials, "taobao.traderates.get", params, session=True)
        found = _listed(got.get("trade_rates"), "trade_rate")
        return [{k: r[k] for k in RATE_FIELDS if k in r} for r in found]


def _delivery(message: dict[str, Any], seller: str | None, reader: _Reader
              ) -> tuple[bytes, dict[str, str]]:  # fmt: skip
    name = str(message.get("topic") or "")
    content = _content(message.get("content"))
    kept: dict[str, Any] = {"message": {k: message.get(k) for k in ("id", "topic", "pub_time",
                                                                     "user_id")},
                            "seller_id": seller}  # fmt: skip
    kept["message"]["content"] = content
    theirs = seller is not None and str(message.get("user_id") or "") != seller
    if isinstance(content, dict) and not theirs:
        try:
            kept |= _read(name, content, reader)
        except top.Refusal as exc:
            if exc.of_the_call:
                raise  # nothing of this page is kept: TMC gives it all again
            kept["read_error"] = str(exc)
    headers = {"x-tmc-message-id": str(message.get("id") or ""), "x-tmc-topic": name}
    return json.dumps(kept, ensure_ascii=False).encode(), headers


def _read(name: str, content: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    """What the message needs read: its trade, its rates or its refund (or nothing)."""
    tid, refund = str(content.get("tid") or ""), str(content.get("refund_id") or "")
    if name in TRADE_READS and tid:
        return {"trade": reader.trade(tid)}
    if name in RATE_READS and tid:
        return {"rates": reader.rates(tid)}
    if name in REFUND_READS and refund:
        return {"refund": reader.refund(refund)}
    return {}


def kept_trade(trade: Any) -> dict[str, Any]:
    """Of a trade, only what the translator reads: never a receiver's name, phone or address."""
    if not isinstance(trade, dict):
        raise PlatformError("Taobao answered taobao.trade.fullinfo.get without a trade")
    kept = {k: trade[k] for k in TRADE_FIELDS if k in trade}
    lines = _listed(trade.get("orders"), "order")
    kept["orders"] = [{k: line[k] for k in LINE_FIELDS if k in line} for line in lines]
    return kept


def scrubbed(content: Mapping[str, Any]) -> dict[str, Any]:
    """A message's content without nicks, receivers, phones or mobiles."""
    return {k: v for k, v in content.items() if not _personal(k)}


def _personal(key: str) -> bool:
    name = key.lower()
    return (
        name.endswith("nick")
        or name.startswith("receiver")
        or any(word in name for word in ("mobile", "phone"))
    )


def _content(raw: Any) -> Any:
    """TMC's content (JSON text) as an object, scrubbed; text that is no object stays text,
    for the translation to fail by name."""
    try:
        found = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return "(content that is not JSON, not kept)"
    return scrubbed(found) if isinstance(found, dict) else "(content that is no object, not kept)"


def _listed(value: Any, name: str) -> list[dict[str, Any]]:
    """TOP's JSON lists: `{"<name>": [...]}` (or a bare list, or nothing)."""
    if isinstance(value, dict):
        value = value.get(name)
    return [v for v in value or [] if isinstance(v, dict)] if isinstance(value, list) else []


def _quantity(settings: Mapping[str, str]) -> int:
    raw = settings.get("quantity", str(QUANTITY))
    if not raw.isdigit() or not 10 <= int(raw) <= 200:
        raise PlatformError(f"setting quantity: must be 10 to 200, not {raw[:8]!r}")
    return int(raw)
