"""Taobao's topics after the sale: the buyer's rating (read with `taobao.traderates.get`),
refunds opened and resolved (read with `taobao.refund.get`), Taobao's staff stepping in, and
the logistics trace of a waybill.

The one rule: foreign words meet ours in these tables, one test per row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from tidings.adapters.connectors.common import event, ident
from tidings.adapters.connectors.taobao_read import Read, beijing, buyer, optional
from tidings.domain.connectors import Translation
from tidings.domain.errors import Untranslatable

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

CS_STATUSES: Final[Mapping[str, bool]] = {  # a refund's cs_status: did Taobao's staff step in
    "1": False,  # 不需客服介入: not needed
    "2": True,  # 需要客服介入: asked for
    "3": True,  # 客服已经介入
    "4": True,  # 客服初审完成
    "5": True,  # 客服主管复审失败
    "6": True,  # 客服处理完成
}

REFUND_PHASES: Final[Mapping[str, str]] = {
    "onsale": "refund asked before the goods were received",  # 售中
    "aftersale": "after-sale claim on received goods",  # 售后
}


def rated(read: Read) -> Translation:
    if read.content.get("rater") == "seller":
        return Translation([], why="the seller rated the buyer: nothing to tell")
    who, tid = buyer(read), ident(read.content.get("tid"), "tid")
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
                            sku=optional(rate.get("num_iid"))))  # fmt: skip
    if not events:
        return Translation([], why=f"no rate by the buyer of trade {tid} was found")
    return Translation(events, who)


def refund_opened(read: Read) -> Translation:
    refund, tid, who = _refund_ids(read)
    kind = BILL_KINDS.get(str(read.content.get("bill_type") or ""), "refund")
    phase = REFUND_PHASES.get(str(read.content.get("refund_phase") or ""), "refund asked")
    reason = str(read.refund.get("reason") or "").strip()[:200] or phase
    at = beijing(read.content.get("modified") or read.at, "modified")
    opened = event(f"taobao:refund:{refund}:opened", "aftersale.opened", read.delivery, at,
                   ticket_id=f"taobao-{refund}", order_id=tid, customer_id=who, kind=kind,
                   reason=reason)  # fmt: skip
    return Translation([opened], who)


def refund_resolved(outcome: str) -> Callable[[Read], Translation]:
    def resolved(read: Read) -> Translation:
        refund, _, who = _refund_ids(read)
        at = beijing(read.content.get("modified") or read.at, "modified")
        done = event(f"taobao:refund:{refund}:resolved", "aftersale.resolved", read.delivery,
                     at, ticket_id=f"taobao-{refund}", outcome=outcome)  # fmt: skip
        if not CS_STATUSES.get(str(read.refund.get("cs_status") or "1"), False):
            return Translation([done], who)
        settled = event(f"taobao:dispute:{refund}:closed", "dispute.closed", read.delivery, at,
                        dispute_id=f"taobao-refund-{refund}", outcome=outcome)  # fmt: skip
        return Translation([done, settled], who)

    return resolved


def intervention(read: Read) -> Translation:
    refund, tid, who = _refund_ids(read)
    at = beijing(read.content.get("modified") or read.at, "modified")
    opened = event(f"taobao:dispute:{refund}", "dispute.opened", read.delivery, at,
                   dispute_id=f"taobao-refund-{refund}", order_id=tid)  # fmt: skip
    return Translation([opened], who)


def trace(read: Read) -> Translation:
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
                       order_id=optional(read.content.get("tid")), status=status,
                       carrier=str(read.content.get("company_name") or "other"),
                       tracking_number=number, substatus=action,
                       message=optional(read.content.get("desc")))  # fmt: skip
    return Translation([checkpoint])


def _refund_ids(read: Read) -> tuple[str, str, str]:
    refund = ident(read.content.get("refund_id"), "refund_id")
    return refund, ident(read.content.get("tid"), "tid"), buyer(read)
