"""Event data of the contract, part 1: store and people, shopping (spec/events.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tidings.domain.checks import (
    _BIRTHDAY,
    _CLOCK,
    Currency,
    Money,
    Region,
    check,
    check_aware,
    check_web_url,
    check_zone,
)

Locale = Literal["zh-CN", "en", "ru"]

# --- store and people ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: str
    end: str

    def __post_init__(self) -> None:
        check(bool(_CLOCK.match(self.start)), "quiet_hours.start", "use HH:MM")
        check(bool(_CLOCK.match(self.end)), "quiet_hours.end", "use HH:MM")


MARKETING_PER_DAY, ANY_PER_DAY = 1, 3  # journeys.md's caps, per customer per 24 h
MOST_MARKETING_PER_DAY, MOST_ANY_PER_DAY = 20, 50


@dataclass(frozen=True, slots=True)
class Caps:
    """A store's own frequency caps per customer per 24 h; an absent one is the contract's."""

    marketing_per_day: int | None = None
    any_per_day: int | None = None

    def __post_init__(self) -> None:
        if self.marketing_per_day is not None:
            ok = 0 <= self.marketing_per_day <= MOST_MARKETING_PER_DAY
            check(ok, "marketing_per_day", f"must be 0-{MOST_MARKETING_PER_DAY}")
        if self.any_per_day is not None:
            ok = 1 <= self.any_per_day <= MOST_ANY_PER_DAY
            check(ok, "any_per_day", f"must be 1-{MOST_ANY_PER_DAY}")


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None = None
    email: str | None = None


RelayPlatform = Literal["taobao", "jd"]
_TEXT = re.compile(r"^[^\x00-\x20\x7f]+$")  # no spaces or control characters
_PHONE_LIKE = re.compile(r"^\+?[\d\- ]{7,20}$")
ORDER_ID_MAX, BUYER_MAX = 64, 256


@dataclass(frozen=True, slots=True)
class RelayHandle:
    """How a marketplace buyer is reached without their phone: the platform relays the SMS,
    keyed by its order and its encrypted buyer id (Taobao's oaid, JD's encrypted consignee)."""

    platform: RelayPlatform
    buyer: str
    order_id: str | None = None  # absent only on a reply the platform reports

    def __post_init__(self) -> None:
        buyer_ok = bool(_TEXT.match(self.buyer)) and len(self.buyer) <= BUYER_MAX
        check(buyer_ok, "buyer", f"must be 1-{BUYER_MAX} characters, no spaces")
        never = "looks like a phone number: give the platform's encrypted buyer id, never a phone"
        check(not _PHONE_LIKE.match(self.buyer), "buyer", never)
        if self.order_id is not None:
            ok = bool(_TEXT.match(self.order_id)) and len(self.order_id) <= ORDER_ID_MAX
            check(ok and ":" not in self.order_id, "order_id",
                  f"must be 1-{ORDER_ID_MAX} characters, no spaces or ':'")  # fmt: skip


def check_relay(relay: RelayHandle | None, phone: str | None = None) -> None:
    """A handle on an order or a customer names its order; its buyer has no phone here."""
    if relay is None:
        return
    check(relay.order_id is not None, "relay.order_id", "required (the order to send about)")
    check(phone is None, "phone",
          "a buyer reached through a relay has no phone: tidings never holds one")  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoreUpserted:
    name: str
    timezone: str
    locale: Locale
    default_region: Region
    currency: Currency
    quiet_hours: QuietHours | None = None
    sms_signature: str | None = None
    base_url: str | None = None
    merchant_contacts: tuple[Contact, ...] = ()
    sms_price: Money | None = None
    monthly_sms_budget: Money | None = None
    journeys: dict[str, dict[str, Any]] | None = None
    caps: Caps | None = None

    def __post_init__(self) -> None:
        check_zone(self.timezone, "timezone")
        check_web_url(self.base_url, "base_url", base=True)


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
    relay: RelayHandle | None = None  # the handle of the buyer's latest order

    def __post_init__(self) -> None:
        check(bool(self.customer_id), "customer_id", "must not be empty")
        check_relay(self.relay, self.phone)
        if self.timezone is not None:
            check_zone(self.timezone, "timezone")
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
    price: Money

    def __post_init__(self) -> None:
        check(self.qty > 0, "items.qty", "must be positive")


@dataclass(frozen=True, slots=True)
class CartUpdated:
    cart_id: str
    customer_id: str
    items: tuple[Item, ...]
    total: Money
    currency: Currency
    url: str | None = None

    def __post_init__(self) -> None:
        check_web_url(self.url, "url")


@dataclass(frozen=True, slots=True)
class OrderCreated:
    order_id: str
    customer_id: str
    items: tuple[Item, ...]
    total: Money
    currency: Currency
    payment: Literal["prepaid", "cod"]
    status: Literal["unpaid", "paid"]
    cart_id: str | None = None
    pay_url: str | None = None
    auto_close_at: datetime | None = None
    coupon_code: str | None = None
    relay: RelayHandle | None = None  # messages about this order go through the platform

    def __post_init__(self) -> None:
        check_aware(self.auto_close_at, "auto_close_at")
        check_relay(self.relay)
        check_web_url(self.pay_url, "pay_url")


@dataclass(frozen=True, slots=True)
class OrderPaid:
    order_id: str
    amount: Money


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
