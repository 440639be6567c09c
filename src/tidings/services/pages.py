"""What the shopper opens: short links (each opening is a click, kept as an event) and a
parcel's tracking page, readable only with the key its link carries."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Any

from tidings.domain.messages import page_key
from tidings.domain.times import iso, zone
from tidings.services.ingest import click_event, ingest
from tidings.services.ports import UnitOfWork
from tidings.services.world import Keys


def follow(uow: UnitOfWork, token: str, at: datetime) -> str | None:
    """Where a short link leads, its click recorded (the caller commits); None if unknown."""
    found = uow.read.link(token)
    if found is None:
        return None
    store, _, target = found
    ingest(uow, [click_event(f"click-{uuid.uuid4().hex}", store, token, at)], at)
    return target


def tracking(
    uow: UnitOfWork, secret: bytes, store: str, shipment: str, key: str
) -> dict[str, Any] | None:
    """The tracking page of a parcel in the reader's zone and locale; None without the key."""
    path = f"/t/{store}/{shipment}"
    if not hmac.compare_digest(page_key(secret, path).encode(), key.encode()):  # bytes: any key
        return None
    world = uow.state.load(Keys(stores={store}, shipments={(store, shipment)}))
    parcel = world.shipments.get((store, shipment))
    if parcel is None:
        return None
    order = uow.state.load(Keys(orders={(store, parcel.order_id or "")})).orders
    owner = getattr(order.get((store, parcel.order_id or "")), "customer_id", None)
    people = uow.state.load(Keys(customers={(store, owner)} if owner else set())).customers
    reader = people.get((store, owner or ""))
    shop = world.store(store)
    tz = zone(getattr(reader, "timezone", None) or shop.timezone)
    return {
        "store": shop.name or store,
        "locale": getattr(reader, "locale", None) or shop.locale,
        "carrier": parcel.carrier,
        "tracking_number": parcel.tracking_number,
        "order_id": parcel.order_id,
        "status": parcel.status,
        "message": parcel.message,
        "milestones": [
            {"status": s, "at": iso(datetime.fromisoformat(when), tz), "location": where}
            for s, when, where in reversed(parcel.milestones)
        ],
        "pickup": {
            "point": parcel.pickup_point,
            "address": parcel.pickup_address,
            "code": parcel.pickup_code,
            "storage_until": iso(parcel.storage_until, tz) if parcel.storage_until else None,
        }
        if parcel.pickup_point
        else None,
    }
