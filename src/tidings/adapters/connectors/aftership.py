"""AfterShip tracking webhooks: `aftership-hmac-sha256` (base64 HMAC-SHA256 of the raw body
with the webhook secret); `event_id` names the delivery, so a retry is a duplicate.

The one rule: the tracking's latest checkpoint is the news; its subtag, where `SUBTAGS`
knows it, says more than its tag (a refused or returning parcel is tagged `Exception`).
A checkpoint time without an offset is the carrier's local time, read in the store's zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from tidings.adapters.connectors.common import (
    digest,
    event,
    event_topic,
    hmac_base64,
    json_body,
    moment,
    need,
    peek_json,
    same,
    status_answer,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "aftership"
HEADERS: Final = ("as-webhook-version", "aftership-hmac-sha256")

TAGS: Final[Mapping[str, str | None]] = {
    "InfoReceived": "info_received",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AttemptFail": "failed_attempt",
    "AvailableForPickup": "available_for_pickup",
    "Delivered": "delivered",
    "Exception": "exception",
    "Pending": None,  # nothing to tell the shopper yet
    "Expired": None,  # AfterShip stopped looking: no news of the parcel itself
}

SUBTAGS: Final[Mapping[str, str]] = {
    "Exception_003": "returning",  # refused by the recipient: it goes back (COD refused)
    "Exception_010": "returning",  # on its way back to the sender
    "Exception_011": "returned",  # back with the sender
}


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return same(hmac_base64(secret, body), headers.get("aftership-hmac-sha256"))


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    found = peek_json(body).get("event_id")
    return str(found)[:128] if isinstance(found, str | int) and found else digest(body)


topic = event_topic


answer = status_answer


def translate(delivery: Delivery) -> Translation:
    body = json_body(delivery)
    if body.get("event") != "tracking_update":
        return Translation([], why=f"event {body.get('event')!r} is not one tidings reads")
    msg = body.get("msg")
    if not isinstance(msg, dict):
        raise Untranslatable("msg is missing")
    number = str(need(msg, "tracking_number", "msg"))
    last = (msg.get("checkpoints") or [{}])[-1]
    tag, subtag = last.get("tag") or msg.get("tag"), last.get("subtag") or msg.get("subtag")
    status = SUBTAGS.get(str(subtag)) or TAGS.get(str(tag))
    if status is None:
        return Translation([], why=f"tag {tag!r} tells the shopper nothing")
    at = moment(last.get("checkpoint_time") or msg.get("updated_at"), delivery, "checkpoint_time")
    carrier = str(last.get("slug") or need(msg, "slug", "msg"))
    data = {
        "shipment_id": f"aftership-{carrier}-{number}",
        "order_id": str(msg["order_id"]) if msg.get("order_id") else None,
        "carrier": carrier,
        "tracking_number": number,
        "status": status,
        "substatus": subtag,
        "location": last.get("location") or last.get("city") or None,
        "message": last.get("message") or msg.get("subtag_message") or None,
    }
    ident = f"aftership:{carrier}:{number}:{at.isoformat()}:{subtag or tag}"
    return Translation([event(ident, "shipment.checkpoint", delivery, at, **data)])
