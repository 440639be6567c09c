"""The event contract (spec/events.md v1) as plain dataclasses.

The edge (adapters.contract) parses JSON straight into these classes; the checks
that types alone cannot express live in `__post_init__`, and name the field.
The data classes live in events_shop (store, people, shopping) and events_after
(logistics, after the sale, messaging feedback); this module is the envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from tidings.domain.checks import STORE_ID, check
from tidings.domain.events_after import (
    AftersaleOpened,
    AftersaleResolved,
    ChatMessage,
    DisputeClosed,
    DisputeOpened,
    LinkClicked,
    MessageInbound,
    MessageStatus,
    Pickup,
    ReviewDeleted,
    ReviewPosted,
    ShipmentCheckpoint,
    TrackingStatus,
)
from tidings.domain.events_shop import (
    Caps,
    CartUpdated,
    Contact,
    CustomerUpserted,
    Item,
    OrderCancelled,
    OrderCreated,
    OrderPaid,
    OrderShipped,
    QuietHours,
    RelayHandle,
    StoreUpserted,
)

__all__ = [
    "DATA_TYPES",
    "AftersaleOpened",
    "AftersaleResolved",
    "Caps",
    "CartUpdated",
    "ChatMessage",
    "Contact",
    "CustomerUpserted",
    "DisputeClosed",
    "DisputeOpened",
    "Event",
    "EventData",
    "EventRecord",
    "Item",
    "LinkClicked",
    "MessageInbound",
    "MessageStatus",
    "OrderCancelled",
    "OrderCreated",
    "OrderPaid",
    "OrderShipped",
    "Pickup",
    "QuietHours",
    "RelayHandle",
    "ReviewDeleted",
    "ReviewPosted",
    "ShipmentCheckpoint",
    "StoreUpserted",
    "TrackingStatus",
]
from tidings.domain.times import OUT_OF_RANGE, in_range, require_aware

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


class EventRecord(NamedTuple):
    """An event as the event log keeps it: checked on entry, its data still as JSON text."""

    id: str
    type: str
    store: str
    occurred_at: datetime
    raw: str


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
        check(in_range(self.occurred_at), "occurred_at", OUT_OF_RANGE)


@lru_cache(maxsize=4096)
def _store_id_ok(store: str) -> bool:
    return STORE_ID.match(store) is not None
