"""Event data of the contract, part 2: logistics, after the sale, messaging feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tidings.domain.checks import check, check_aware
from tidings.domain.events_shop import RelayHandle

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
    address: str | None = None  # a locker or a post office is often named without one
    code: str | None = None
    storage_until: datetime | None = None

    def __post_init__(self) -> None:
        check_aware(self.storage_until, "storage_until")  # under data.pickup


@dataclass(frozen=True, slots=True)
class ShipmentCheckpoint:
    shipment_id: str
    carrier: str
    tracking_number: str
    status: TrackingStatus
    order_id: str | None = None
    substatus: str | None = None
    location: str | None = None  # carriers often send a milestone with no place or text
    message: str | None = None
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
    """A shopper's SMS reply: from their phone, or reported by a marketplace's relay."""

    text: str
    sender: str | None = None  # "from" on the wire
    relay: RelayHandle | None = None  # the buyer a platform's relay reports the reply of

    def __post_init__(self) -> None:
        check((self.sender is None) != (self.relay is None), "from",
              "give either from (a phone) or relay (a platform's buyer), not both")  # fmt: skip


@dataclass(frozen=True, slots=True)
class MessageStatus:
    status: Literal["delivered", "failed", "undeliverable"]
    message_id: str | None = None
    provider_message_id: str | None = None
    error: str | None = None
    provider: str | None = None  # set on a provider's own receipt: its reference is its own

    def __post_init__(self) -> None:
        check(
            bool(self.message_id or self.provider_message_id),
            "message_id",
            "message_id or provider_message_id is required",
        )
        check(
            not self.provider or bool(self.provider_message_id),
            "provider_message_id",
            "a provider's status needs the provider's reference",
        )


@dataclass(frozen=True, slots=True)
class LinkClicked:
    token: str
