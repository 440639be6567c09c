"""A shopper's say over their data: one-click email unsubscribe, and erasure on request."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tidings.domain.consent import ERASED
from tidings.domain.events import CustomerUpserted, Event
from tidings.domain.messages import unsubscribe_token
from tidings.domain.state import Customer
from tidings.services.ingest import event_of, ingest
from tidings.services.phones import lookup_key, national_digits
from tidings.services.ports import UnitOfWork
from tidings.services.world import Keys

PERSONAL = {  # what goes from an event: dropped, or emptied where the contract needs it
    "customer.upserted": ("phone", "email", "name", "birthday", "tags", "relay"),
    "order.created": ("relay",),  # the platform's id of its buyer
    "message.inbound": ("from", "text"),  # a relayed one's buyer id: blanked in its handle
    "review.posted": ("text",),
    "aftersale.opened": ("reason",),
}
EMPTIED = {"message.inbound": "", "review.posted": ERASED, "aftersale.opened": ERASED}
BY_CUSTOMER = ("customer.upserted", "order.created", "review.posted", "aftersale.opened")
QUOTING = ("review:", "ticket:")  # alerts about these quote the shopper's own words


@dataclass(frozen=True)
class Erasure:
    """What an erasure changed: counts by table, and the messages whose texts went (a copy
    kept outside the database, such as the file provider's, goes with them)."""

    counts: dict[str, int]
    messages: frozenset[str]


def erase_customer(uow: UnitOfWork, store: str, customer: str, at: datetime) -> Erasure:
    """Erase a customer's phone, email, name, birthday, own words (reviews, after-sale
    reasons) and message texts wherever stored: the customer's row, messages and deliveries,
    the merchant's alerts that quote or name them, and the events that carried them. The rows
    stay (counts keep), and an opt-out stays in force (it is kept under a digest of the
    number). Raises KeyError for an unknown customer."""
    uow.lock_store(store, wait=True)  # no worker holds the customer meanwhile
    known = uow.state.load(Keys(stores={store}, customers={(store, customer)}))
    found = known.customers.get((store, customer))
    if found is None:
        raise KeyError(customer)
    region = known.store(store).default_region
    phone = found.phone_key or lookup_key(found.phone, region)
    alerts = _alerts_naming(uow, store, customer, _needles(found, phone))
    messages = frozenset(uow.privacy.messages_to(store, customer)) | alerts
    counts = uow.privacy.erase_customer(store, customer, at)
    counts |= uow.privacy.replace_their_words(store, customer)
    counts["alerts"] = uow.privacy.replace_alert_texts(store, alerts)
    buyer = (found.relay or {}).get("buyer")
    counts["events"] = _erase_events(uow, store, customer, phone, region, buyer)
    return Erasure(counts, messages)


def _needles(found: Customer, phone: str | None) -> set[str]:
    """How the customer may be written in a text: name, email, number as stored, in E.164,
    and as dialled at home."""
    said = {found.name, found.email, found.phone, phone, national_digits(phone)}
    return {needle for needle in said if needle}


def _alerts_naming(uow: UnitOfWork, store: str, customer: str, needles: set[str]) -> frozenset[str]:
    """The merchant's alerts about the customer that quote their words or name them."""
    return frozenset(
        ident
        for ident, subject, title, body in uow.privacy.alerts_about(store, customer)
        if subject.startswith(QUOTING) or any(n in title or n in body for n in needles)
    )


def _erase_events(
    uow: UnitOfWork, store: str, customer: str, phone: str | None, region: str,
    buyer: str | None,
) -> int:  # fmt: skip
    found_events = uow.privacy.events_of(store, customer, BY_CUSTOMER)
    if phone or buyer:  # a reply's number may be written any way: each one is read
        found_events += uow.privacy.replies(store)
    events = 0
    for ident, payload in found_events:
        cleaned = _without_personal(payload, customer, phone, region, buyer)
        if cleaned is not None:
            uow.privacy.rewrite_event(store, ident, cleaned)
            events += 1
    return events


def _without_personal(
    payload: str, customer: str, phone: str | None, region: str, buyer: str | None
) -> str | None:
    """The event's JSON with the customer's personal fields gone, or None if not theirs or
    holding none (a reply is theirs from their number, or relayed from their buyer id)."""
    event: dict[str, Any] = json.loads(payload)
    data, kind = event.get("data") or {}, event.get("type")
    if kind in BY_CUSTOMER and data.get("customer_id") != customer:
        return None
    if kind == "message.inbound" and not _theirs(data, phone, region, buyer):
        return None
    kept = {k: v for k, v in data.items() if k not in PERSONAL[event["type"]]}
    if kind in EMPTIED:
        kept |= {k: EMPTIED[kind] for k in PERSONAL[kind] if k in data}
    if kind == "message.inbound" and isinstance(data.get("relay"), dict):
        kept["relay"] = {**data["relay"], "buyer": ""}  # the platform and order stay
    if kept == data:
        return None  # nothing of theirs in it (an order bought with a phone)
    return json.dumps({**event, "data": kept}, ensure_ascii=False, separators=(",", ":"))


def _theirs(data: dict[str, Any], phone: str | None, region: str, buyer: str | None) -> bool:
    relayed = data.get("relay")
    if isinstance(relayed, dict):
        return buyer is not None and relayed.get("buyer") == buyer
    return phone is not None and lookup_key(str(data.get("from", "")), region) == phone


def unsubscribe(uow: UnitOfWork, secret: bytes, token: str, at: datetime) -> bool:
    """A one-click unsubscribe: the message's customer gets `email_consent: false`, as an
    event of its own. False for a token that does not open."""
    message_id, _, _ = token.partition(".")
    expected = unsubscribe_token(secret, message_id).encode()
    if not hmac.compare_digest(expected, token.encode()):  # bytes: any token
        return False
    message = uow.read.message(message_id)
    if message is None or message.customer_id is None:
        return False
    data = CustomerUpserted(message.customer_id, email_consent=False)
    body = {"customer_id": message.customer_id, "email_consent": False}
    event: Event = event_of(
        f"unsub-{message_id}", "customer.upserted", message.store_id, at, data, body
    )
    ingest(uow, [event], at)
    return True
