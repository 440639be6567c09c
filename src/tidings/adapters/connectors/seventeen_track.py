"""17TRACK (API v2) pushes: header `sign` = lower-case hex SHA-256 of the raw body, "/" and
the account's security key; `TRACKING_UPDATED` carries the latest status and event.

The one rule: the main status says what happened, a sub-status in `SUB_STATUSES` says more
(17TRACK files returns and refusals under `Exception`); 17TRACK gives no delivery id, so the
body's hash is one, and the event id comes from the number, the event time and the status.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

from tidings.adapters.connectors.common import (
    digest,
    event,
    event_topic,
    json_body,
    moment,
    need,
    same,
    status_answer,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "17track"
HEADERS: Final = ("sign",)

STATUSES: Final[Mapping[str, str | None]] = {
    "InfoReceived": "info_received",
    "InTransit": "in_transit",
    "OutForDelivery": "out_for_delivery",
    "AvailableForPickup": "available_for_pickup",
    "DeliveryFailure": "failed_attempt",
    "Delivered": "delivered",
    "Exception": "exception",
    "NotFound": None,  # 17TRACK has no news of the number yet
    "Expired": None,  # no news for long: the stalled-parcel alert tells this already
}

SUB_STATUSES: Final[Mapping[str, str]] = {
    "Exception_Returning": "returning",
    "Exception_Returned": "returned",
    "Exception_Rejected": "returning",  # refused by the recipient: it goes back (COD refused)
}


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    expected = hashlib.sha256(body + b"/" + secret.encode()).hexdigest()
    return same(expected, (headers.get("sign") or "").lower())


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    return digest(body)


topic = event_topic


answer = status_answer


def translate(delivery: Delivery) -> Translation:
    body = json_body(delivery)
    if body.get("event") != "TRACKING_UPDATED":
        return Translation([], why=f"event {body.get('event')!r} tells the shopper nothing")
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("track_info"), dict):
        raise Untranslatable("data.track_info is missing")
    number = str(need(data, "number", "data"))
    latest = data["track_info"].get("latest_status") or {}
    last = data["track_info"].get("latest_event") or {}
    main, sub = str(latest.get("status") or ""), latest.get("sub_status")
    status = SUB_STATUSES.get(str(sub)) or STATUSES.get(main)
    if status is None:
        return Translation([], why=f"status {main!r} tells the shopper nothing")
    at = moment(last.get("time_iso") or last.get("time_utc"), delivery, "latest_event.time_iso")
    carrier = str(need(data, "carrier", "data"))
    fields = {
        "shipment_id": f"17track-{carrier}-{number}",
        "order_id": str(data["tag"]) if data.get("tag") else None,
        "carrier": carrier,
        "tracking_number": number,
        "status": status,
        "substatus": sub or main,
        "location": last.get("location") or None,
        "message": last.get("description") or None,
    }
    ident = f"17track:{carrier}:{number}:{at.isoformat()}:{sub or main}"
    return Translation([event(ident, "shipment.checkpoint", delivery, at, **fields)])
