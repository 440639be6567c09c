"""What tidings knows about a store now: stores, customers, carts, orders, shipments, reviews,
after-sale tickets, opt-outs.

Each `apply_*` folds one event into an entity. Facts keep the time they became true,
so late or out-of-order events land where sorted arrival would have put them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tidings.domain.events import (
    AftersaleOpened,
    AftersaleResolved,
    CartUpdated,
    CustomerUpserted,
    OrderCreated,
    OrderShipped,
    ReviewPosted,
    ShipmentCheckpoint,
    StoreUpserted,
)


@dataclass(slots=True)
class Store:
    store_id: str
    name: str = ""
    timezone: str = "UTC"
    locale: str = "en"
    default_region: str = "US"
    currency: str = "USD"
    quiet_start: str = "21:00"
    quiet_end: str = "09:00"
    sms_signature: str = ""
    base_url: str = ""
    merchant_contacts: list[dict[str, Any]] = field(default_factory=list)
    sms_price: str = "0"
    monthly_sms_budget: str | None = None
    journeys: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated_at: datetime | None = None
    variants: dict[str, list[Any]] = field(default_factory=dict)  # per step: [pick, message]
    coupons_issued: int = 0  # numbers the store's coupon codes

    @property
    def price(self) -> Decimal:
        return Decimal(self.sms_price)


@dataclass(slots=True)
class Customer:
    store_id: str
    customer_id: str
    phone: str | None = None
    phone_key: str | None = None
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    timezone: str | None = None
    birthday: str | None = None
    sms_consent: bool | None = None
    sms_consent_at: datetime | None = None
    email_consent: bool | None = None
    tags: list[str] = field(default_factory=list)
    last_order_at: datetime | None = None
    updated_at: datetime | None = None
    erased_at: datetime | None = None  # personal data erased on request; the counts stay


@dataclass(slots=True)
class Cart:
    store_id: str
    cart_id: str
    customer_id: str | None = None
    item_count: int = 0
    total: str | None = None
    currency: str | None = None
    url: str | None = None
    updated_at: datetime | None = None
    ordered_at: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.item_count == 0


@dataclass(slots=True)
class Order:
    store_id: str
    order_id: str
    customer_id: str | None = None
    cart_id: str | None = None
    total: str | None = None
    currency: str | None = None
    payment: str | None = None
    created_at: datetime | None = None
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    pay_url: str | None = None
    auto_close_at: datetime | None = None
    coupon_code: str | None = None
    reviewed_at: datetime | None = None
    pickup_at: datetime | None = None  # one of its parcels waited at a pickup point


@dataclass(slots=True)
class Coupon:
    """A one-time code a message gave a shopper, and the order that redeemed it."""

    store_id: str
    code: str
    message_id: str | None = None
    journey: str | None = None
    customer_id: str | None = None
    issued_at: datetime | None = None
    redeemed_at: datetime | None = None
    order_id: str | None = None


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
    """A provider's word on a message it took: by tidings' id or the provider's reference."""

    store_id: str
    status: str  # delivered, failed, undeliverable
    at: datetime
    message_id: str | None = None
    ref: str | None = None
    error: str | None = None


@dataclass(slots=True)
class PhoneOptOut:
    """A shopper's own STOP / START by SMS, per store and phone (E.164)."""

    store_id: str
    phone: str
    opted_out: bool = False
    changed_at: datetime | None = None


def apply_store(store: Store, data: StoreUpserted, at: datetime) -> None:
    """Take the newest settings of a store."""
    if store.updated_at is not None and at < store.updated_at:
        return
    store.name, store.timezone, store.locale = data.name, data.timezone, data.locale
    store.default_region, store.currency = data.default_region, data.currency
    if data.quiet_hours is not None:
        store.quiet_start, store.quiet_end = data.quiet_hours.start, data.quiet_hours.end
    store.sms_signature = data.sms_signature or ""
    store.base_url = (data.base_url or "").rstrip("/")
    store.merchant_contacts = [{"phone": c.phone, "email": c.email} for c in data.merchant_contacts]
    store.sms_price = data.sms_price or "0"
    store.monthly_sms_budget = data.monthly_sms_budget
    store.journeys = dict(data.journeys or {})
    store.updated_at = at


_CUSTOMER_FIELDS = ("phone", "email", "name", "locale", "timezone", "birthday", "email_consent")


def apply_customer(customer: Customer, data: CustomerUpserted, at: datetime) -> None:
    """Merge the fields an upsert gives; absent fields keep what was known."""
    newer = customer.updated_at is None or at >= customer.updated_at
    for name in _CUSTOMER_FIELDS:
        value = getattr(data, name)
        if value is not None and (newer or getattr(customer, name) is None):
            setattr(customer, name, value)
    if data.tags is not None and newer:
        customer.tags = list(data.tags)
    consent_newer = customer.sms_consent_at is None or at >= customer.sms_consent_at
    if data.sms_consent is not None and consent_newer:
        customer.sms_consent, customer.sms_consent_at = data.sms_consent, at
    if newer:
        customer.updated_at = at


def apply_cart(cart: Cart, data: CartUpdated, at: datetime) -> bool:
    """Take the newest contents of a cart; False when the update is older than what we have."""
    if cart.updated_at is not None and at < cart.updated_at:
        return False
    cart.customer_id = data.customer_id
    cart.item_count = sum(item.qty for item in data.items)
    cart.total, cart.currency = data.total, data.currency
    cart.url = data.url or cart.url
    cart.updated_at = at
    return True


def apply_order_created(order: Order, data: OrderCreated, at: datetime) -> None:
    """Fill an order; a payment or cancellation that came first is kept."""
    order.customer_id, order.cart_id = data.customer_id, data.cart_id
    order.total, order.currency, order.payment = data.total, data.currency, data.payment
    order.created_at = at
    order.pay_url, order.auto_close_at = data.pay_url, data.auto_close_at
    order.coupon_code = data.coupon_code
    if data.status == "paid" and (order.paid_at is None or at < order.paid_at):
        order.paid_at = at


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


def latest(current: datetime | None, at: datetime) -> datetime:
    """The later of a known time and a new one."""
    return at if current is None or at > current else current
