"""Connectors as configuration, and a platform's webhook delivery taken in.

A delivery goes: the caller checks the signature → asks the platform back where it must
(`ReadBack`: CDEK's order, outside the transaction) → `receive` translates it (pure, the
platform's module) → finds the shipments a tracking update is about → keeps the delivery as
received with its outcome → ingests the events like any others. The one rule: the delivery
is kept whatever its translation (a failed one with its reason, for a mapping fix to run
again), and the same delivery twice is kept once and changes nothing the second time.
The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tidings.domain.carriers import carrier_key
from tidings.domain.checks import STORE_ID
from tidings.domain.connectors import NEEDED_SETTINGS, SOURCES, Delivery, Outcome, Translation
from tidings.domain.errors import InvalidEvent, Untranslatable
from tidings.domain.events import Event
from tidings.services.ingest import ingest
from tidings.services.ports import UnitOfWork

Parse = Callable[[dict[str, Any]], Event]
ReadBack = Callable[[Delivery], Delivery]
"""Asks the platform about a delivery before it is translated (CDEK's order read back): the
delivery with the answer in its `context`; the only I/O on a delivery's way in."""
MIN_SECRET = 8
RETRY_BATCH = 1000  # failed deliveries translated again in one go


class Platform(Protocol):
    """A platform's module (adapters/connectors): the same names for each."""

    @property
    def HEADERS(self) -> tuple[str, ...]: ...  # a module's constant

    def verify(self, secret: str, body: bytes, headers: Mapping[str, str]) -> bool: ...

    def delivery_id(self, body: bytes, headers: Mapping[str, str]) -> str: ...

    def topic(self, body: bytes, headers: Mapping[str, str]) -> str: ...

    def translate(self, delivery: Delivery) -> Translation: ...

    def answer(self, outcome: str) -> tuple[int, Any]: ...


@dataclass(frozen=True, slots=True)
class Received:
    outcome: Outcome
    reason: str = ""
    new: int = 0  # events stored for the first time


def add(
    uow: UnitOfWork,
    store: str,
    source: str,
    secret: str,
    at: datetime,
    settings: Mapping[str, str | None] | None = None,
) -> None:
    """Connect `source` to `store` (a second add replaces the secret and the settings);
    `settings` are what tidings needs to ask the platform (an app key, a token, an endpoint,
    CDEK's API client: NEEDED_SETTINGS names the ones a platform cannot do without)."""
    if not STORE_ID.match(store):
        raise InvalidEvent("must match [a-z0-9][a-z0-9_-]{0,63}", field="store")
    if source not in SOURCES:
        raise InvalidEvent(f"must be one of {', '.join(SOURCES)}", field="source")
    if len(secret.strip()) < MIN_SECRET:
        raise InvalidEvent(f"must be at least {MIN_SECRET} characters", field="secret")
    given = {k: v.strip() for k, v in (settings or {}).items() if v and v.strip()}
    for name in NEEDED_SETTINGS.get(source, ()):
        if name not in given:
            raise InvalidEvent(f"{source} needs it to read its orders back", field=name)
    uow.connectors.add(store, source, secret.strip(), at)
    if given:
        uow.connectors.configure(store, source, given)


def receive(uow: UnitOfWork, platform: Platform, delivery: Delivery, parse: Parse) -> Received:
    """Keep a verified `delivery` and ingest what it says."""
    ident = platform.delivery_id(delivery.body, delivery.headers)
    events, customer, outcome, reason = _translated(uow, platform, delivery, parse)
    row = {
        "store_id": delivery.store,
        "source": delivery.source,
        "delivery_id": ident,
        "received_at": delivery.received_at,
        "topic": platform.topic(delivery.body, delivery.headers) or None,
        "headers": {k: v for k, v in delivery.headers.items() if k in platform.HEADERS},
        "body": delivery.body.decode("utf-8", "replace"),
        "outcome": outcome,
        "reason": reason or None,
        "customer_id": customer,
        "events": [e.id for e in events],
    }
    if not uow.connectors.keep(row):
        return Received("duplicate")
    new = ingest(uow, events, delivery.received_at)
    return Received(outcome, reason, sum(new))


def retranslate(
    uow: UnitOfWork,
    platform: Platform,
    store: str,
    source: str,
    parse: Parse,
    at: datetime,
    read_back: ReadBack | None = None,
) -> dict[str, int]:
    """Translate again the store's deliveries from `source` that failed (after a mapping fix,
    or once the shipment they name is known); counts by new outcome. Their events' ids are
    the platform's, so running this twice makes nothing twice. A platform asked back before
    acting (`read_back`) is asked again: what it says now is the truth."""
    facts = uow.connectors.facts(store)
    counts: dict[str, int] = {}
    for ident, body, headers, received in uow.connectors.failed(store, source, RETRY_BATCH):
        delivery = Delivery(store, source, body, headers, received, facts)
        if read_back is not None:
            delivery = read_back(delivery)
        events, customer, outcome, reason = _translated(uow, platform, delivery, parse)
        row = {"outcome": outcome, "reason": reason or None, "customer_id": customer,
               "events": [e.id for e in events]}  # fmt: skip
        uow.connectors.settle(store, source, ident, row)
        ingest(uow, events, at)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _translated(
    uow: UnitOfWork, platform: Platform, delivery: Delivery, parse: Parse
) -> tuple[list[Event], str | None, Outcome, str]:
    try:
        translation = platform.translate(delivery)
        found = [_resolved(uow, delivery.store, obj) for obj in translation.events]
        events = [parse(obj) for obj in found]
    except (Untranslatable, InvalidEvent) as exc:
        return [], None, "failed", str(exc)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        return (
            [],
            None,
            "failed",
            f"the payload is not of the expected shape ({type(exc).__name__})",
        )
    if not events:
        return [], translation.customer_id, "ignored", translation.why
    return (
        events,
        translation.customer_id or _their_customer(uow, delivery.store, found),
        "accepted",
        "",
    )


def _their_customer(uow: UnitOfWork, store: str, found: list[dict[str, Any]]) -> str | None:
    """The customer whose order a delivery names (a tracking update of their parcel carries
    their name or phone at some platforms): erasing them blanks it too."""
    orders = sorted({str(o["data"]["order_id"]) for o in found if o["data"].get("order_id")})
    return uow.connectors.customer_of(store, orders) if orders else None


def _resolved(uow: UnitOfWork, store: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A tracking update names its shipment as its platform knows it: find the store's own
    shipment by tracking number (and by carrier where the number alone is ambiguous), or
    fill in the carrier and number of a shipment named by id."""
    if obj["type"] != "shipment.checkpoint":
        return obj
    data = obj["data"]
    if not data.get("tracking_number"):
        known = uow.connectors.shipment(store, data["shipment_id"])
        if known is None or not known[1]:
            raise Untranslatable(f"shipment {data['shipment_id']!r} is not known yet")
        data["carrier"], data["tracking_number"] = known[0] or "other", known[1]
        return obj
    found = uow.connectors.shipments(store, data["tracking_number"])
    if len(found) > 1:
        mine = carrier_key(data.get("carrier"))
        found = [f for f in found if carrier_key(f[1]) == mine]
    if len(found) == 1:
        data["shipment_id"] = found[0][0]
        if found[0][2] and not data.get("order_id"):
            data["order_id"] = found[0][2]
    return obj
