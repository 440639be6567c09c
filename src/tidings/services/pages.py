"""What the shopper opens: short links (an opening is a click, kept as an event, once a short
window per link) and a parcel's tracking page, readable only with the key its link carries.
A short link belongs to its store and resolves only under that store's host."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidings.domain.checks import web_host
from tidings.domain.messages import page_key
from tidings.domain.times import iso, zone
from tidings.services.ingest import click_event, ingest
from tidings.services.ports import UnitOfWork
from tidings.services.world import Keys

CLICK_WINDOW = timedelta(seconds=30)  # a shopper's clicks on one link within it count once
log = logging.getLogger(__name__)


def follow(uow: UnitOfWork, token: str, host: str, at: datetime, shared: str = "") -> str | None:
    """Where a short link asked for at `host` leads, its click recorded (the caller commits);
    None if unknown there. A link resolves only at its store's own host: the host of the
    store's `base_url` when no other store names that host too, or `shared`, the host tidings
    itself is reached at, which stores may share."""
    host = web_host(f"//{host}")
    for store, target, base_url in uow.read.links(token):
        if host and web_host(base_url) == host and (host == shared or _owns(uow, store, host)):
            window = int(at.timestamp() // CLICK_WINDOW.total_seconds())
            ingest(uow, [click_event(f"click-{token}-{window}", store, token, at)], at)
            return target
    return None


def _owns(uow: UnitOfWork, store: str, host: str) -> bool:
    """Whether `store` alone names `host` in its base_url: a host two stores claim is neither's
    (a store cannot take over the short links of another store's domain)."""
    claims = {s for s, url in uow.read.base_urls(host).items() if web_host(url) == host}
    if claims != {store}:
        log.warning("short link refused: stores %s all claim host %s", sorted(claims), host)
    return claims == {store}


@dataclass(frozen=True, slots=True)
class Milestone:
    status: str
    at: str  # ISO 8601 in the reader's zone
    location: str | None


@dataclass(frozen=True, slots=True)
class PickupPoint:
    point: str
    address: str | None
    code: str | None
    storage_until: str | None  # ISO 8601 in the reader's zone


@dataclass(frozen=True, slots=True)
class TrackingPage:
    """A parcel as its shopper sees it. The pickup point, with its code, shows only while the
    parcel waits there: once it is collected or on its way back the code is no use."""

    store: str
    locale: str
    carrier: str | None
    tracking_number: str | None
    order_id: str | None
    status: str | None
    message: str | None
    updated_at: str | None  # the latest milestone's time, ISO 8601 in the reader's zone
    milestones: tuple[Milestone, ...]
    pickup: PickupPoint | None

    @property
    def ended(self) -> str | None:
        """`delivered` or `returned`: the parcel's story is over; `returning`: it goes back."""
        return self.status if self.status in ("delivered", "returning", "returned") else None


def tracking(
    uow: UnitOfWork, secret: bytes, store: str, shipment: str, key: str
) -> TrackingPage | None:
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
    waiting = parcel.pickup_point and parcel.status == "available_for_pickup"
    return TrackingPage(
        store=shop.name or store,
        locale=getattr(reader, "locale", None) or shop.locale,
        carrier=parcel.carrier,
        tracking_number=parcel.tracking_number,
        order_id=parcel.order_id,
        status=parcel.status,
        message=parcel.message,
        updated_at=iso(parcel.status_at, tz) if parcel.status_at else None,
        milestones=tuple(
            Milestone(s, iso(datetime.fromisoformat(when), tz), where)
            for s, when, where in reversed(parcel.milestones)
        ),
        pickup=PickupPoint(
            parcel.pickup_point or "",
            parcel.pickup_address,
            parcel.pickup_code,
            iso(parcel.storage_until, tz) if parcel.storage_until else None,
        )
        if waiting
        else None,
    )
