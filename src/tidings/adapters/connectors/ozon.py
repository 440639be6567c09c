"""Ozon Seller push notifications (FBS and rFBS postings). Ozon signs nothing: the URL carries
the connector's secret (`/hooks/ozon/{store}?token={secret}`, compared in constant time). Ozon
checks the URL with a TYPE_PING and wants `{"version", "name", "time"}` back; any other push
`{"result": true}`; a push that cannot be read, its error shape
`{"error": {"code", "message", "details"}}`.

The one rule: order events only. Ozon gives a seller no shopper to write to (no phone, no
email) and its pushes carry no prices: a posting is an order of a customer known only by it,
with its SKUs and quantities and no money (total 0.00); its states are shipment checkpoints
(`STATES`), its cancellation an `order.cancelled` (`CANCEL_REASONS`). Times are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from tidings.adapters.connectors.common import (
    digest,
    event,
    ident,
    json_body,
    moment,
    peek_json,
    url_token_matches,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "ozon"
HEADERS: Final = ("content-type",)
CARRIER: Final = "Ozon"
VERSION: Final = "1"  # of tidings' answer to Ozon's ping

READ: Final = ("TYPE_NEW_POSTING", "TYPE_POSTING_CANCELLED", "TYPE_STATE_CHANGED")
NOT_ORDERS: Final = (  # Ozon's other pushes: known, and none about an order's fate
    "TYPE_CUTOFF_DATE_CHANGED", "TYPE_DELIVERY_DATE_CHANGED", "TYPE_CREATE_ITEM",
    "TYPE_UPDATE_ITEM", "TYPE_CREATE_OR_UPDATE_ITEM", "TYPE_STOCKS_CHANGED",
    "TYPE_PRICE_INDEX_CHANGED", "TYPE_NEW_MESSAGE", "TYPE_UPDATE_MESSAGE",
    "TYPE_MESSAGE_READ", "TYPE_CHAT_CLOSED",
)  # fmt: skip

STATES: Final[Mapping[str, str | None]] = {
    "posting_created": None,  # TYPE_NEW_POSTING told it
    "posting_split_pending": None,
    "posting_awaiting_registration": None,
    "posting_awaiting_passport_data": None,
    "posting_registration_error": None,  # the seller's to fix
    "posting_canceled": None,  # TYPE_POSTING_CANCELLED tells it
    "posting_not_in_carriage": None,  # left out of a shipment: the seller's to fix
    "posting_transferring_to_delivery": "info_received",  # packed, waiting for handover
    "posting_acceptance_in_progress": "in_transit",  # being received at the sorting centre
    "sent_by_seller": "in_transit",
    "posting_in_carriage": "in_transit",
    "posting_driver_pick_up": "in_transit",
    "posting_on_way_to_city": "in_transit",
    "posting_transferred_to_courier_service": "in_transit",
    "posting_on_way_to_pickup_point": "in_transit",
    "posting_in_courier_service": "out_for_delivery",
    "posting_in_pickup_point": "available_for_pickup",  # Ozon tells no storage deadline here
    "posting_conditionally_delivered": "delivered",  # handed over, Ozon still confirming
    "posting_delivered": "delivered",
    "posting_received": "delivered",
    "posting_in_arbitration": "exception",
    "posting_in_client_arbitration": "exception",
    "posting_not_in_sort_center": "exception",  # never reached the sorting centre
    "posting_returned_to_warehouse": "returned",
}

# reason.id of a cancellation -> the contract's reason (any other: "other")
CANCEL_REASONS: Final[Mapping[int, str]] = {
    352: "merchant",  # out of stock at the seller's warehouse
    400: "merchant",  # only faulty goods left
    401: "merchant",  # the seller declined arbitration
    402: "merchant",  # other, the seller's fault
    665: "customer",  # the shopper did not collect it
    666: "other",  # the delivery service does not reach the region
    667: "other",  # lost by the delivery service
}


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return url_token_matches(secret, headers)


def ping(body: bytes, headers: Mapping[str, str]) -> bool:
    return peek_json(body).get("message_type") == "TYPE_PING"


def pong(at: datetime) -> dict[str, str]:
    """What Ozon wants back from a ping: who answers, and when (UTC)."""
    when = at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"version": VERSION, "name": "tidings", "time": when}


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    """Ozon's message id where it sends one, else the body's hash (its resend is the same)."""
    found = peek_json(body).get("message_id")
    return str(found)[:128] if isinstance(found, str) and found else digest(body)


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return str(peek_json(body).get("message_type") or "")[:64]


def answer(outcome: str) -> tuple[int, Any]:
    if outcome == "failed":  # kept for a mapping fix; Ozon is told, in its own words
        return refusal(400, "ERROR_PARAMETER_VALUE_MISSED",
                       "the notification is kept, but tidings could not read it")  # fmt: skip
    return 200, {"result": True}


def refusal(status: int, code: str, message: str) -> tuple[int, Any]:
    return status, {"error": {"code": code, "message": message, "details": None}}


def translate(delivery: Delivery) -> Translation:
    push = json_body(delivery)
    kind = push.get("message_type")
    if kind in NOT_ORDERS:
        return Translation([], why=f"message_type {kind!r} is not about an order")
    if kind not in READ:
        return Translation([], why=f"message_type {str(kind)[:64]!r} is not one tidings knows")
    posting = ident(push.get("posting_number"), "posting_number")
    if kind == "TYPE_NEW_POSTING":
        return _created(push, posting, delivery)
    at = moment(push.get("changed_state_date"), delivery, "changed_state_date")
    if kind == "TYPE_POSTING_CANCELLED":
        reason = push.get("reason")
        code = reason.get("id") if isinstance(reason, dict) else None
        why = CANCEL_REASONS.get(code, "other") if isinstance(code, int) else "other"
        data = {"order_id": posting, "reason": why}
        return Translation([event(f"ozon:{posting}:cancelled", "order.cancelled", delivery, at,
                                  **data)])  # fmt: skip
    return _state(push, posting, at, delivery)


def _created(push: dict[str, Any], posting: str, delivery: Delivery) -> Translation:
    at = moment(push.get("in_process_at"), delivery, "in_process_at")
    products = push.get("products")
    if not isinstance(products, list) or not products:
        raise Untranslatable("products is missing")
    items = [{"sku": ident(p.get("sku"), "products.sku"), "name": str(p.get("sku")),
              "qty": p.get("quantity"), "price": "0.00"} for p in products]  # fmt: skip
    data = {"order_id": posting, "customer_id": f"ozon-{posting}", "items": items,
            "total": "0.00", "currency": delivery.facts.currency or "RUB",
            "payment": "prepaid", "status": "paid"}  # fmt: skip
    return Translation([event(f"ozon:{posting}:created", "order.created", delivery, at, **data)])


def _state(push: dict[str, Any], posting: str, at: datetime, delivery: Delivery) -> Translation:
    state = str(push.get("new_state") or "")
    if state not in STATES:
        raise Untranslatable(f"new_state {state[:64]!r} is not one tidings knows")
    status = STATES[state]
    if status is None:
        return Translation([], why=f"new_state {state!r} tells the shopper nothing")
    data = {"shipment_id": f"ozon-{posting}", "order_id": posting, "carrier": CARRIER,
            "tracking_number": posting, "status": status, "substatus": state}  # fmt: skip
    ident_ = f"ozon:{posting}:{state}:{at.isoformat()}"
    return Translation([event(ident_, "shipment.checkpoint", delivery, at, **data)])
