"""What tidings knows after the sale: parcels, reviews, tickets, disputes, merchant alerts,
chats, clicks and providers' receipts (the second half of `state`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tidings.domain.events import (
    AftersaleOpened,
    AftersaleResolved,
    OrderShipped,
    ReviewPosted,
    ShipmentCheckpoint,
)


@dataclass(slots=True)
class Shipment:
    """A parcel of an order: its latest milestone and, while it waits, where to collect it."""

    store_id: str
    shipment_id: str
    order_id: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    package_index: int | None = None
    package_count: int | None = None
    shipped_at: datetime | None = None
    status: str | None = None
    substatus: str | None = None
    message: str | None = None
    status_at: datetime | None = None
    pickup_point: str | None = None
    pickup_address: str | None = None
    pickup_code: str | None = None
    storage_until: datetime | None = None
    collected_at: datetime | None = None  # its first in_transit: the carrier has it
    arrived_at: datetime | None = None  # its first delivered or available_for_pickup
    delivered_at: datetime | None = None  # its first delivered
    milestones: list[list[Any]] = field(default_factory=list)  # [status, ISO time, location]

    @property
    def tracking_path(self) -> str:
        """The tracking page of this parcel, under the store's `base_url`."""
        return f"/t/{self.store_id}/{self.shipment_id}"


@dataclass(slots=True)
class Review:
    store_id: str
    review_id: str
    order_id: str | None = None
    customer_id: str | None = None
    rating: int | None = None
    text: str | None = None
    sku: str | None = None
    posted_at: datetime | None = None
    deleted_at: datetime | None = None
    deleted_by: str | None = None


@dataclass(slots=True)
class Ticket:
    """An after-sale request (return, refund, exchange, repair) and how it ended."""

    store_id: str
    ticket_id: str
    order_id: str | None = None
    customer_id: str | None = None
    kind: str | None = None
    reason: str | None = None
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    satisfied: bool | None = None


@dataclass(slots=True)
class Alert:
    """A merchant alert as the dashboard keeps it: open until someone acknowledges or resolves."""

    store_id: str
    message_id: str
    kind: str  # exception, failed_attempt, stalled, refused, bad_review, review_deleted, ...
    subject: str
    state: str = "open"  # open, acknowledged, resolved
    opened_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(slots=True)
class Dispute:
    store_id: str
    dispute_id: str
    order_id: str | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One chat message between a shopper and the store (the service score reads them)."""

    store_id: str
    event_id: str
    conversation_id: str
    customer_id: str | None
    direction: str  # inbound (from the shopper) or outbound (from the store)
    responder: str | None  # human or bot, outbound only
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Click:
    """A shopper opened a short link."""

    store_id: str
    event_id: str
    token: str
    clicked_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """A provider's word on a message it took: by tidings' id or the provider's reference;
    with `provider`, by that provider's reference alone (a delivery of another provider, or
    another message, is never touched)."""

    store_id: str
    status: str  # delivered, failed, undeliverable
    at: datetime
    message_id: str | None = None
    ref: str | None = None
    error: str | None = None
    provider: str | None = None


def apply_shipped(shipment: Shipment, data: OrderShipped, at: datetime) -> None:
    shipment.order_id, shipment.carrier = data.order_id, data.carrier
    shipment.tracking_number = data.tracking_number
    shipment.package_index, shipment.package_count = data.package_index, data.package_count
    shipment.shipped_at = earliest(shipment.shipped_at, at)


MILESTONES_KEPT = 40


def apply_checkpoint(shipment: Shipment, data: ShipmentCheckpoint, at: datetime) -> bool:
    """Take a newer milestone; False for one older than the latest known (never backwards).

    An older one still counts for when the parcel was first collected, arrived or delivered,
    and takes its place among the milestones.
    """
    if data.status == "in_transit":
        shipment.collected_at = earliest(shipment.collected_at, at)
    if data.status in ("delivered", "available_for_pickup"):
        shipment.arrived_at = earliest(shipment.arrived_at, at)
    if data.status == "delivered":
        shipment.delivered_at = earliest(shipment.delivered_at, at)
    entry = [data.status, at.isoformat(), data.location]
    if entry not in shipment.milestones:
        shipment.milestones = sorted([*shipment.milestones, entry], key=lambda m: str(m[1]))
        del shipment.milestones[:-MILESTONES_KEPT]
    if shipment.status_at is not None and at < shipment.status_at:
        return False
    shipment.order_id = shipment.order_id or data.order_id
    shipment.carrier, shipment.tracking_number = data.carrier, data.tracking_number
    shipment.status, shipment.substatus, shipment.status_at = data.status, data.substatus, at
    shipment.message = data.message
    if data.pickup is not None:
        shipment.pickup_point, shipment.pickup_address = data.pickup.point, data.pickup.address
        shipment.pickup_code, shipment.storage_until = data.pickup.code, data.pickup.storage_until
    return True


def apply_review(review: Review, data: ReviewPosted, at: datetime) -> None:
    review.order_id, review.customer_id, review.sku = data.order_id, data.customer_id, data.sku
    review.rating, review.text = data.rating, data.text
    review.posted_at = earliest(review.posted_at, at)


def apply_ticket_opened(ticket: Ticket, data: AftersaleOpened, at: datetime) -> None:
    ticket.order_id, ticket.customer_id = data.order_id, data.customer_id
    ticket.kind, ticket.reason = data.kind, data.reason
    ticket.opened_at = earliest(ticket.opened_at, at)


def apply_ticket_resolved(ticket: Ticket, data: AftersaleResolved, at: datetime) -> None:
    if ticket.resolved_at is None or at >= ticket.resolved_at:
        ticket.resolved_at, ticket.outcome, ticket.satisfied = at, data.outcome, data.satisfied


def earliest(current: datetime | None, at: datetime) -> datetime:
    """The earlier of a known time and a new one: a fact became true when first seen."""
    return at if current is None or at < current else current
