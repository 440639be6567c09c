"""Ingest for the live service: events are stored once and wait in the inbox for a worker."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from tidings.domain.delivery import Receipt, Reply
from tidings.domain.events import Event, LinkClicked, MessageInbound, MessageStatus
from tidings.services.ports import EventLog, Inbox


class Intake(Protocol):
    """What ingest writes to: the event log and the inbox (any unit of work that has both)."""

    @property
    def events(self) -> EventLog: ...

    @property
    def inbox(self) -> Inbox: ...


def ingest(uow: Intake, events: Sequence[Event], received_at: datetime) -> list[bool]:
    """Store `events` (the caller commits); for each, True if new, False for a duplicate
    (the same store and id as an event stored before, or earlier in `events`)."""
    first: dict[tuple[str, str], Event] = {}
    for ev in events:
        first.setdefault((ev.store, ev.id), ev)
    new = uow.events.add(list(first.values()), received_at)
    uow.inbox.add([ev for key, ev in first.items() if key in new])
    seen: set[tuple[str, str]] = set()
    out = []
    for ev in events:
        key = (ev.store, ev.id)
        out.append(key in new and key not in seen)
        seen.add(key)
    return out


def receipt_event(item: Receipt, store: str, message_id: str) -> Event:
    """A provider's receipt as the contract's `message.status` (its id makes a second copy of
    the same receipt a duplicate). It names the provider: it acts only on the delivery that
    provider took under that reference (`message_id` is what the reference was found to be)."""
    data = MessageStatus(item.status, message_id, item.ref, item.error, item.provider)
    ident = f"dlr-{item.provider}-{item.ref}-{item.status}"
    body = {"message_id": message_id, "provider_message_id": item.ref, "status": item.status}
    body["provider"] = item.provider
    if item.error:
        body["error"] = item.error
    return event_of(ident, "message.status", store, item.at, data, body)


def reply_event(item: Reply, store: str) -> Event:
    """A shopper's SMS reply as the contract's `message.inbound`."""
    ref = item.ref or _digest(item.sender, item.to, item.text, item.at.isoformat())
    data = MessageInbound(item.text, sender=item.sender)
    body = {"from": item.sender, "text": item.text}
    return event_of(f"mo-{item.provider}-{ref}", "message.inbound", store, item.at, data, body)


def _digest(*parts: str) -> str:
    """A stable id for what has none of its own, that names no phone or text."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


def click_event(ident: str, store: str, token: str, at: datetime) -> Event:
    return event_of(ident, "link.clicked", store, at, LinkClicked(token), {"token": token})


def event_of(
    ident: str, type_: str, store: str, at: datetime, data: Any, body: dict[str, Any]
) -> Event:
    at = at.astimezone(UTC)
    envelope: dict[str, Any] = {"id": ident[:128], "type": type_, "store": store}
    envelope |= {"occurred_at": at.isoformat(), "data": body}
    raw = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return Event(ident[:128], type_, store, at, data, raw)
