"""What tidings knows about a store now: stores, customers, carts, orders, coupons, opt-outs;
and, from `state_after`, parcels, reviews, tickets, disputes, alerts, chats, clicks, receipts.

Each `apply_*` folds one event into an entity. Facts keep the time they became true,
so late or out-of-order events land where sorted arrival would have put them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tidings.domain.state_after import (
    Alert,
    ChatLine,
    Click,
    DeliveryReceipt,
    Dispute,
    Review,
    Shipment,
    Ticket,
    apply_checkpoint,
    apply_review,
    apply_shipped,
    apply_ticket_opened,
    apply_ticket_resolved,
    earliest,
)

__all__ = [
    "Alert", "Cart", "ChatLine", "Click", "Coupon", "Customer",
    "DeliveryReceipt", "Dispute", "Order", "PhoneOptOut", "Review", "Shipment", "Store",
    "Ticket", "apply_cart", "apply_checkpoint", "apply_customer", "apply_order_created",
    "apply_review", "apply_shipped", "apply_store", "apply_ticket_opened",
    "apply_ticket_resolved", "earliest", "latest",
]  # fmt: skip
from tidings.domain.events import CartUpdated, CustomerUpserted, OrderCreated, StoreUpserted
from tidings.domain.events_shop import ANY_PER_DAY, MARKETING_PER_DAY
from tidings.domain.relay import handle_of


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
    caps: dict[str, int] = field(default_factory=dict)  # the caps its upsert gave, by name

    @property
    def price(self) -> Decimal:
        return Decimal(self.sms_price)

    @property
    def marketing_per_day(self) -> int:
        """Marketing SMS a customer may get in 24 h: the store's cap, else the contract's."""
        return self.caps.get("marketing_per_day", MARKETING_PER_DAY)

    @property
    def any_per_day(self) -> int:
        """SMS of any kind a customer may get in 24 h: the store's cap, else the contract's."""
        return self.caps.get("any_per_day", ANY_PER_DAY)


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
    relay: dict[str, str] | None = None  # the handle of the latest order (domain/relay.py)


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
    relay: dict[str, str] | None = None  # the platform's handle of its buyer


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
    caps = data.caps
    given = () if caps is None else (("marketing_per_day", caps.marketing_per_day),
                                     ("any_per_day", caps.any_per_day))  # fmt: skip
    store.caps = {name: value for name, value in given if value is not None}
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
    if data.relay is not None and (newer or customer.relay is None):
        customer.relay = handle_of(data.relay)
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
    order.relay = handle_of(data.relay) if data.relay is not None else None
    if data.status == "paid" and (order.paid_at is None or at < order.paid_at):
        order.paid_at = at


def latest(current: datetime | None, at: datetime) -> datetime:
    """The later of a known time and a new one."""
    return at if current is None or at > current else current
