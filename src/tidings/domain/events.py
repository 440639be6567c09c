"""The event contract (spec/events.md v1) as plain dataclasses.

The edge (adapters.contract) parses JSON straight into these classes; the checks
that types alone cannot express live in `__post_init__`, and name the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from tidings.domain.times import require_aware, zone

STORE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_MONEY = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
_BIRTHDAY = re.compile(r"^(\d{4}-)?(\d{2})-(\d{2})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
Locale = Literal["zh-CN", "en", "ru"]


def check(ok: bool, field: str, reason: str) -> None:
    """Raise a ValueError naming `field` unless `ok`."""
    if not ok:
        raise ValueError(f"{field}: {reason}")


def check_money(value: str | None, field: str) -> None:
    """Money is a decimal string such as "129.00"."""
    if value is not None:
        check(bool(_MONEY.match(value)), field, f"money must be a decimal string, got {value!r}")


def money(value: str | None) -> Decimal | None:
    """The Decimal of a checked money string."""
    try:
        return None if value is None else Decimal(value)
    except InvalidOperation:  # pragma: no cover - checked on entry
        return None


def check_aware(value: datetime | None, field: str) -> None:
    """Timestamps inside data need an offset too."""
    if value is not None:
        check(
            value.tzinfo is not None and value.utcoffset() is not None,
            field,
            "a time zone offset is required",
        )


# --- store and people ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: str
    end: str

    def __post_init__(self) -> None:
        check(bool(_CLOCK.match(self.start)), "quiet_hours.start", "use HH:MM")
        check(bool(_CLOCK.match(self.end)), "quiet_hours.end", "use HH:MM")


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class StoreUpserted:
    name: str
    timezone: str
    locale: Locale
    default_region: str
    currency: str
    quiet_hours: QuietHours | None = None
    sms_signature: str | None = None
    base_url: str | None = None
    merchant_contacts: tuple[Contact, ...] = ()
    sms_price: str | None = None
    monthly_sms_budget: str | None = None
    journeys: dict[str, dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        try:
            zone(self.timezone)
        except ValueError as exc:
            raise ValueError(f"timezone: {exc}") from None
        check(
            bool(re.match(r"^[A-Z]{2}$", self.default_region)),
            "default_region",
            "ISO 3166 alpha-2, e.g. CN",
        )
        check(bool(re.match(r"^[A-Z]{3}$", self.currency)), "currency", "ISO 4217, e.g. CNY")
        check_money(self.sms_price, "sms_price")
        check_money(self.monthly_sms_budget, "monthly_sms_budget")


@dataclass(frozen=True, slots=True)
class CustomerUpserted:
    customer_id: str
    phone: str | None = None
    email: str | None = None
    name: str | None = None
    locale: Locale | None = None
    timezone: str | None = None
    birthday: str | None = None
    sms_consent: bool | None = None
    email_consent: bool | None = None
    tags: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check(bool(self.customer_id), "customer_id", "must not be empty")
        if self.timezone is not None:
            try:
                zone(self.timezone)
            except ValueError as exc:
                raise ValueError(f"timezone: {exc}") from None
        if self.birthday is not None:
            match = _BIRTHDAY.match(self.birthday)
            ok = match is not None and 1 <= int(match[2]) <= 12 and 1 <= int(match[3]) <= 31
            check(ok, "birthday", "use MM-DD or YYYY-MM-DD")


# --- shopping -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    sku: str
    name: str
    qty: int
    price: str

    def __post_init__(self) -> None:
        check(self.qty > 0, "items.qty", "must be positive")
        check_money(self.price, "items.price")


@dataclass(frozen=True, slots=True)
class CartUpdated:
    cart_id: str
    customer_id: str
    items: tuple[Item, ...]
    total: str
    currency: str
    url: str | None = None

    def __post_init__(self) -> None:
        check_money(self.total, "total")


@dataclass(frozen=True, slots=True)
class OrderCreated:
    order_id: str
    customer_id: str
    items: tuple[Item, ...]
    total: str
    currency: str
    payment: Literal["prepaid", "cod"]
    status: Literal["unpaid", "paid"]
    cart_id: str | None = None
    pay_url: str | None = None
    auto_close_at: datetime | None = None
    coupon_code: str | None = None

    def __post_init__(self) -> None:
        check_money(self.total, "total")
        check_aware(self.auto_close_at, "auto_close_at")


@dataclass(frozen=True, slots=True)
class OrderPaid:
    order_id: str
    amount: str

    def __post_init__(self) -> None:
        check_money(self.amount, "amount")


@dataclass(frozen=True, slots=True)
class OrderCancelled:
    order_id: str
    reason: Literal["closed_unpaid", "customer", "merchant", "other"]


@dataclass(frozen=True, slots=True)
class OrderShipped:
    order_id: str
    shipment_id: str
    carrier: str
    tracking_number: str
    package_index: int | None = None
    package_count: int | None = None
    items: tuple[Item, ...] | None = None

    def __post_init__(self) -> None:
        if self.package_count is not None:
            check(self.package_count >= 1, "package_count", "must be at least 1")
        if self.package_index is not None:
            top = self.package_count or self.package_index
            check(1 <= self.package_index <= top, "package_index", "must be 1..package_count")


# --- logistics ----------------------------------------------------------------------

TrackingStatus = Literal[
    "info_received",
    "in_transit",
    "out_for_delivery",
    "available_for_pickup",
    "delivered",
    "failed_attempt",
    "exception",
    "returning",
    "returned",
]


@dataclass(frozen=True, slots=True)
class Pickup:
    point: str
    address: str
    code: str | None = None
    storage_until: datetime | None = None

    def __post_init__(self) -> None:
        check_aware(self.storage_until, "pickup.storage_until")


@dataclass(frozen=True, slots=True)
class ShipmentCheckpoint:
    shipment_id: str
    carrier: str
    tracking_number: str
    status: TrackingStatus
    location: str
    message: str
    order_id: str | None = None
    substatus: str | None = None
    pickup: Pickup | None = None


# --- after the sale -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewPosted:
    review_id: str
    order_id: str
    customer_id: str
    rating: int
    text: str
    sku: str | None = None

    def __post_init__(self) -> None:
        check(1 <= self.rating <= 5, "rating", "must be 1-5")


@dataclass(frozen=True, slots=True)
class ReviewDeleted:
    review_id: str
    by: Literal["platform", "customer"] | None = None


@dataclass(frozen=True, slots=True)
class AftersaleOpened:
    ticket_id: str
    order_id: str
    customer_id: str
    kind: Literal["return", "refund", "exchange", "repair"]
    reason: str


@dataclass(frozen=True, slots=True)
class AftersaleResolved:
    ticket_id: str
    outcome: Literal["refunded", "exchanged", "repaired", "rejected", "withdrawn"]
    satisfied: bool | None = None


@dataclass(frozen=True, slots=True)
class DisputeOpened:
    dispute_id: str
    order_id: str


@dataclass(frozen=True, slots=True)
class DisputeClosed:
    dispute_id: str
    outcome: str


@dataclass(frozen=True, slots=True)
class ChatMessage:
    conversation_id: str
    customer_id: str
    direction: Literal["inbound", "outbound"]
    responder: Literal["human", "bot"] | None = None

    def __post_init__(self) -> None:
        if self.direction == "outbound":
            check(self.responder is not None, "responder", "required on outbound messages")
        else:
            check(self.responder is None, "responder", "only outbound messages have one")


# --- messaging feedback -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageInbound:
    sender: str  # "from" on the wire
    text: str


@dataclass(frozen=True, slots=True)
class MessageStatus:
    status: Literal["delivered", "failed", "undeliverable"]
    message_id: str | None = None
    provider_message_id: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        check(
            bool(self.message_id or self.provider_message_id),
            "message_id",
            "message_id or provider_message_id is required",
        )


@dataclass(frozen=True, slots=True)
class LinkClicked:
    token: str


EventData = (
    StoreUpserted
    | CustomerUpserted
    | CartUpdated
    | OrderCreated
    | OrderPaid
    | OrderCancelled
    | OrderShipped
    | ShipmentCheckpoint
    | ReviewPosted
    | ReviewDeleted
    | AftersaleOpened
    | AftersaleResolved
    | DisputeOpened
    | DisputeClosed
    | ChatMessage
    | MessageInbound
    | MessageStatus
    | LinkClicked
)

DATA_TYPES: dict[str, type[Any]] = {
    "store.upserted": StoreUpserted,
    "customer.upserted": CustomerUpserted,
    "cart.updated": CartUpdated,
    "order.created": OrderCreated,
    "order.paid": OrderPaid,
    "order.cancelled": OrderCancelled,
    "order.shipped": OrderShipped,
    "shipment.checkpoint": ShipmentCheckpoint,
    "review.posted": ReviewPosted,
    "review.deleted": ReviewDeleted,
    "aftersale.opened": AftersaleOpened,
    "aftersale.resolved": AftersaleResolved,
    "dispute.opened": DisputeOpened,
    "dispute.closed": DisputeClosed,
    "chat.message": ChatMessage,
    "message.inbound": MessageInbound,
    "message.status": MessageStatus,
    "link.clicked": LinkClicked,
}
"""Every event type of the contract and the class of its `data`."""


@dataclass(frozen=True, slots=True)
class Event:
    """One fact about a store: the envelope plus its typed `data`; `raw` is the JSON as received."""

    id: str
    type: str
    store: str
    occurred_at: datetime
    data: EventData
    raw: str = ""

    def __post_init__(self) -> None:
        check(1 <= len(self.id) <= 128, "id", "must be 1-128 characters")
        check(_store_id_ok(self.store), "store", "must match [a-z0-9][a-z0-9_-]{0,63}")
        require_aware(self.occurred_at, "occurred_at")


@lru_cache(maxsize=4096)
def _store_id_ok(store: str) -> bool:
    return STORE_ID.match(store) is not None
