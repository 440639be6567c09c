"""A shopper's say over their data: one-click email unsubscribe, and erasure on request."""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Any

from tidings.domain.events import CustomerUpserted, Event
from tidings.domain.messages import unsubscribe_token
from tidings.services.ingest import event_of, ingest
from tidings.services.phones import lookup_key
from tidings.services.ports import UnitOfWork
from tidings.services.world import Keys

PERSONAL = {
    "customer.upserted": ("phone", "email", "name", "birthday", "tags"),
    "message.inbound": ("from", "text"),
}


def erase_customer(uow: UnitOfWork, store: str, customer: str, at: datetime) -> dict[str, int]:
    """Erase a customer's phone, email, name, birthday and message texts wherever stored: the
    customer's row, messages and deliveries, and the events that carried them. The rows stay
    (counts keep), and an opt-out stays in force. Raises KeyError for an unknown customer."""
    uow.lock_store(store, wait=True)  # no worker holds the customer meanwhile
    known = uow.state.load(Keys(stores={store}, customers={(store, customer)}))
    found = known.customers.get((store, customer))
    if found is None:
        raise KeyError(customer)
    region = known.store(store).default_region
    counts = uow.privacy.erase_customer(store, customer, at)
    phone = found.phone_key or lookup_key(found.phone, region)
    named = {customer, json.dumps(customer)[1:-1]}  # as sent, or with its escapes
    found_events = uow.privacy.events_mentioning(store, ["customer.upserted"], sorted(named))
    if phone:  # a reply's number may be written any way: each one is read
        found_events += uow.privacy.events_mentioning(store, ["message.inbound"], None)
    events = 0
    for ident, payload in found_events:
        cleaned = _without_personal(payload, customer, phone, region)
        if cleaned is not None:
            uow.privacy.rewrite_event(store, ident, cleaned)
            events += 1
    return counts | {"events": events}


def _without_personal(payload: str, customer: str, phone: str | None, region: str) -> str | None:
    """The event's JSON with the customer's personal fields gone, or None if not theirs."""
    event: dict[str, Any] = json.loads(payload)
    data = event.get("data") or {}
    if event.get("type") == "customer.upserted" and data.get("customer_id") != customer:
        return None
    if event.get("type") == "message.inbound" and (
        phone is None or lookup_key(str(data.get("from", "")), region) != phone
    ):
        return None
    kept = {k: v for k, v in data.items() if k not in PERSONAL[event["type"]]}
    if event["type"] == "message.inbound":
        kept |= {"from": "", "text": ""}
    return json.dumps({**event, "data": kept}, ensure_ascii=False, separators=(",", ":"))


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
