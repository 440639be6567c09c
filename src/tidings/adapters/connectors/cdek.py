"""CDEK order-status webhooks (API v2, `type` ORDER_STATUS). CDEK signs nothing: the webhook
URL carries the connector's secret (`/hooks/cdek/{store}?token={secret}`, compared in constant
time), and nothing a push says is believed. Before translating, tidings reads the order back
from CDEK (`cdek_api`, GET /v2/orders/{uuid}); the translation reads that order.

    push (names the order) → read back (cdek_api, the one I/O) → translate (pure, here)

The one rule: the order's newest status as CDEK tells it is the news (`STATUSES`), whatever
the push claims. At a pickup point or in a parcel locker the deadline is the order's
`keep_free_until`; NOT_DELIVERED means the parcel goes back, its reason code (`REASONS`)
saying why; a return order (`is_return`) is news of the direct order's parcel coming back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors.common import (
    digest,
    event,
    ident,
    json_body,
    moment,
    peek_json,
    status_answer,
    url_token_matches,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "cdek"
HEADERS: Final = ("content-type",)
CARRIER: Final = "CDEK"

STATUSES: Final[Mapping[str, str | None]] = {
    "ACCEPTED": None,  # registered, still being checked: nothing has moved
    "CREATED": "info_received",
    "REMOVED": None,  # deleted by the shop before it reached CDEK
    "INVALID": None,  # CDEK refused the order's data: the shop's to fix, not the shopper's news
    "RECEIVED_AT_SHIPMENT_WAREHOUSE": "in_transit",  # the collection
    "READY_TO_SHIP_AT_SENDING_OFFICE": "in_transit",
    "READY_FOR_SHIPMENT_IN_TRANSIT_CITY": "in_transit",
    "RETURNED_TO_SENDER_CITY_WAREHOUSE": "in_transit",  # not handed on yet: it waits, not returns
    "TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY": "in_transit",
    "SENT_TO_TRANSIT_CITY": "in_transit",
    "ACCEPTED_IN_TRANSIT_CITY": "in_transit",
    "ACCEPTED_AT_TRANSIT_WAREHOUSE": "in_transit",
    "RETURNED_TO_TRANSIT_WAREHOUSE": "in_transit",  # back on the transit shelf, not to the shop
    "READY_TO_SHIP_IN_TRANSIT_OFFICE": "in_transit",
    "TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY": "in_transit",
    "SENT_TO_SENDER_CITY": "in_transit",
    "SENT_TO_RECIPIENT_CITY": "in_transit",
    "ACCEPTED_IN_SENDER_CITY": "in_transit",
    "ACCEPTED_IN_RECIPIENT_CITY": "in_transit",
    "ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE": "in_transit",  # waits for its courier
    "IN_CUSTOMS_INTERNATIONAL": "in_transit",
    "SHIPPED_TO_DESTINATION": "in_transit",
    "PASSED_TO_TRANSIT_CARRIER": "in_transit",
    "IN_CUSTOMS_LOCAL": "in_transit",
    "CUSTOMS_COMPLETE": "in_transit",
    "TAKEN_BY_COURIER": "out_for_delivery",
    "RETURNED_TO_RECIPIENT_CITY_WAREHOUSE": "failed_attempt",  # the courier brought it back
    "ACCEPTED_AT_PICK_UP_POINT": "available_for_pickup",
    "POSTOMAT_POSTED": "available_for_pickup",  # in a parcel locker
    "DELIVERED": "delivered",
    "POSTOMAT_RECEIVED": "delivered",  # taken from the locker by the shopper
    "POSTOMAT_SEIZED": "returning",  # its time in the locker ran out: it goes back
    "NOT_DELIVERED": "returning",  # final for the order: the parcel goes back to the shop
}
WAITING: Final = ("available_for_pickup",)
_UUID: Final = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")

# NOT_DELIVERED's reason (CDEK's additional status code): what it tells the shop
REASONS: Final[Mapping[str, str]] = {
    "1": "wrong address",
    "2": "the recipient could not be reached",
    "3": "the recipient does not live at the address",
    "11": "refused by the recipient",
    "12": "refused by the recipient: the quality",
    "13": "refused by the recipient: items missing",
    "14": "refused by the recipient: wrong items",
    "15": "refused by the recipient: too late",
    "16": "refused by the recipient: bought elsewhere",
    "17": "refused by the recipient: changed their mind",
    "18": "refused by the recipient: ordered by mistake",
    "19": "refused by the recipient: damaged packaging",
    "21": "refused by the recipient: no money",
    "22": "refused by the recipient: did not like it",
    "23": "storage period expired",
    "26": "lost",
}
LOST: Final = "26"  # not delivered because lost: nothing comes back


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return url_token_matches(secret, headers)


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    """CDEK sends no id: the order, its status and its time name a push (a resend is one)."""
    push = peek_json(body)
    attributes = _object(push.get("attributes"))
    parts = (push.get("uuid"), attributes.get("code") or attributes.get("status_code"),
             attributes.get("status_date_time") or push.get("date_time"))  # fmt: skip
    if all(isinstance(p, str | int) and str(p) for p in parts):
        return ":".join(str(p) for p in parts)[:128]
    return digest(body)


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return str(peek_json(body).get("type") or "")[:64]


answer = status_answer


def order_uuid(body: bytes) -> str | None:
    """The order an ORDER_STATUS push names (None for any other push, or no uuid in it)."""
    push = peek_json(body)
    found = push.get("uuid")
    if push.get("type") != "ORDER_STATUS" or not isinstance(found, str):
        return None
    return found if _UUID.match(found) else None


def translate(delivery: Delivery) -> Translation:
    push = json_body(delivery)
    if push.get("type") != "ORDER_STATUS":
        return Translation([], why=f"type {push.get('type')!r} is not one tidings reads")
    if order_uuid(delivery.body) is None:
        raise Untranslatable("uuid is missing or not a CDEK order id")
    unread = delivery.context.get("unread")
    if unread:
        raise Untranslatable(str(unread))
    order = delivery.context.get("order")
    if not isinstance(order, dict):
        raise Untranslatable("the order was not read back from CDEK")
    if str(order.get("uuid")) != str(push.get("uuid")):
        raise Untranslatable(f"CDEK answered with another order than {push.get('uuid')!r}")
    return _checkpoint(order, delivery.context.get("direct"), delivery)


def _checkpoint(order: dict[str, Any], direct: Any, delivery: Delivery) -> Translation:
    last = newest(order, delivery)
    code = str(last.get("code") or "")
    if code not in STATUSES:
        raise Untranslatable(f"status {code!r} of order {order.get('uuid')!r} is not one "
                             "tidings knows")  # fmt: skip
    status, reason = STATUSES[code], str(last.get("reason_code") or "")
    if code == "NOT_DELIVERED" and reason == LOST:
        status = "exception"
    returned = bool(order.get("is_return"))
    if returned and status is not None:
        status = "returned" if status == "delivered" else "returning"
    if status is None:
        return Translation([], why=f"status {code!r} tells the shopper nothing")
    parcel = direct if returned and isinstance(direct, dict) else order
    number = ident(parcel.get("cdek_number"), "cdek_number")
    at = moment(last.get("date_time"), delivery, "statuses.date_time")
    data = {
        "shipment_id": f"cdek-{number}",
        "order_id": str(parcel["number"]) if parcel.get("number") else None,
        "carrier": CARRIER,
        "tracking_number": number,
        "status": status,
        "substatus": f"{code}:{reason}" if reason else code,
        "location": last.get("city") or None,
        "message": REASONS.get(reason) or last.get("name") or None,
        "pickup": _pickup(order, delivery) if status in WAITING else None,
    }
    ident_ = f"cdek:{order.get('uuid')}:{code}:{at.isoformat()}"
    return Translation([event(ident_, "shipment.checkpoint", delivery, at, **data)])


def newest(order: dict[str, Any], delivery: Delivery) -> dict[str, Any]:
    """The order's latest status by its time (CDEK lists them newest first, but says not)."""
    found = [s for s in order.get("statuses") or [] if isinstance(s, dict) and s.get("code")]
    if not found:
        raise Untranslatable(f"order {order.get('uuid')!r} has no status yet")
    return max(found, key=lambda s: _when(s, delivery))


def _when(status: dict[str, Any], delivery: Delivery) -> datetime:
    return moment(status.get("date_time"), delivery, "statuses.date_time")


def _pickup(order: dict[str, Any], delivery: Delivery) -> dict[str, Any]:
    """Where the parcel waits and until when CDEK keeps it free (its own `keep_free_until`;
    a bare date is kept to that day's end in the store's zone)."""
    until = str(order.get("keep_free_until") or "").strip()
    if len(until) == 10:
        until += "T23:59:59"
    place = _object(order.get("to_location"))
    found = {
        "point": str(order.get("delivery_point") or "CDEK"),
        "address": place.get("address") or None,
        "storage_until": moment(until, delivery, "keep_free_until").isoformat() if until else None,
    }
    return {k: v for k, v in found.items() if v is not None}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
