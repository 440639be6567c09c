"""The read side: messages as `tidings replay` prints them and their summary; the API's
listings of messages, customers, alerts and stores."""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from tidings.domain.consent import consent_reason
from tidings.domain.messages import Message
from tidings.domain.relay import optout_keys
from tidings.domain.times import iso, require_aware, zone
from tidings.services.ports import MessageFilter, UnitOfWork
from tidings.services.world import Keys


def message_line(message: Message, timezone: str) -> dict[str, Any]:
    """One output object of replay.md, times in the store's zone."""
    tz = zone(timezone)
    return {
        "message_id": message.message_id,
        "store": message.store_id,
        "journey": message.journey,
        "step": message.step,
        "kind": message.kind,
        "channel": message.channel,
        "to": message.recipient,
        "customer_id": message.customer_id,
        "subject": message.subject,
        "status": message.status,
        "reason": message.reason,
        "due_at": iso(message.due_at, tz),
        "decided_at": iso(message.decided_at, tz) if message.decided_at else None,
        "body": message.body,
        "segments": message.segments,
        "cost": message.cost,
    }


@dataclass
class Summary:
    by_journey: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    segments: int = 0
    cost: Decimal = Decimal(0)

    def add(self, message: Message) -> None:
        self.by_journey[(message.journey, message.status)] += 1
        if message.reason:
            self.by_reason[message.reason] += 1
        if message.status == "sent":
            self.segments += message.segments
            self.cost += Decimal(message.cost)


# --- the API's read side ------------------------------------------------------------

PAGE = 100


def encode_cursor(message: Message) -> str:
    raw = json.dumps([message.due_at.isoformat(), message.message_id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor stands for; ValueError for one this service never gave."""
    try:
        due, ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return require_aware(datetime.fromisoformat(due), "cursor"), str(ident)
    except (ValueError, TypeError, RecursionError):  # RecursionError: `[[[…` in base64
        raise ValueError(f"not a cursor: {cursor[:40]!r}") from None


def list_messages(
    uow: UnitOfWork, store: str, where: MessageFilter, cursor: str | None, limit: int = PAGE
) -> dict[str, Any]:
    """A page of the store's messages, newest due first, and the cursor of the next page."""
    after = decode_cursor(cursor) if cursor else None
    found = uow.read.messages(store, where, after, limit + 1)
    page, more = found[:limit], len(found) > limit
    return {
        "messages": _views(uow, store, page),
        "next_cursor": encode_cursor(page[-1]) if more and page else None,
    }


def _views(uow: UnitOfWork, store: str, messages: list[Message]) -> list[dict[str, Any]]:
    tz = _zone_of(uow, store)
    deliveries = uow.read.deliveries(store, [m.message_id for m in messages])
    return [message_view(m, tz, deliveries.get(m.message_id, [])) for m in messages]


def message_view(
    message: Message, timezone: str, deliveries: list[dict[str, Any]]
) -> dict[str, Any]:
    """A message as the API shows it: replay's line, its subject line and its deliveries."""
    tz = zone(timezone)
    out = message_line(message, timezone) | {"title": message.title}
    out["deliveries"] = [
        {**d, **{k: iso(d[k], tz) for k in ("accepted_at", "final_at") if d.get(k)}}
        for d in deliveries
    ]
    return out


def customer_view(uow: UnitOfWork, store: str, customer_id: str) -> dict[str, Any] | None:
    """A customer's data, consent by channel and message history (the newest 50)."""
    world = uow.state.load(Keys(stores={store}, customers={(store, customer_id)}))
    customer = world.customers.get((store, customer_id))
    if customer is None:
        return None
    phone = customer.phone_key
    handle = customer.relay
    keys = optout_keys(handle["platform"], handle["buyer"], customer_id) if handle else []
    wanted = {(store, k) for k in [*keys, *([phone] if phone else [])]}
    optouts = uow.state.load(Keys(phones=wanted)).optouts
    optout = optouts.get((store, phone)) if phone else None
    relayed = [o for k in keys if (o := optouts.get((store, k))) is not None]
    stop = next((o for o in relayed if o.opted_out), relayed[0] if relayed else None)
    tz = world.store(store).timezone
    at = partial(_iso, zone(tz))
    return {
        "customer_id": customer.customer_id,
        **{k: getattr(customer, k) for k in ("phone", "email", "name", "locale", "timezone")},
        "tags": customer.tags,
        "erased_at": at(customer.erased_at),
        "consent": {
            "sms": customer.sms_consent,
            "sms_changed_at": at(customer.sms_consent_at),
            "email": customer.email_consent,
            "phone_opted_out": bool(optout and optout.opted_out),
            "phone_changed_at": at(optout.changed_at if optout else None),
            "relay_opted_out": bool(stop and stop.opted_out),  # a STOP the platform reported
            "marketing_sms": consent_reason("marketing", customer, optout or stop) is None,
            "service_sms": consent_reason("service", customer, optout or stop) is None,
        },
        "relay": {k: handle[k] for k in ("platform", "order_id")} if handle else None,
        "messages": _views(uow, store, uow.read.of_customer(store, customer_id, 50)),
    }


def alerts_view(uow: UnitOfWork, store: str, state: str | None) -> list[dict[str, Any]]:
    at = partial(_iso, zone(_zone_of(uow, store)))
    return [
        {
            "alert_id": alert.message_id,
            "kind": alert.kind,
            "subject": alert.subject,
            "state": alert.state,
            "text": body,
            "opened_at": at(alert.opened_at),
            "acknowledged_at": at(alert.acknowledged_at),
            "resolved_at": at(alert.resolved_at),
        }
        for alert, body in uow.read.alerts(store, state, 200)
    ]


def store_view(uow: UnitOfWork, store: str) -> dict[str, Any] | None:
    found = uow.state.load(Keys(stores={store})).stores.get(store)
    if found is None:
        return None
    names = ["name", "timezone", "locale", "default_region", "currency", "sms_signature"]
    names += ["base_url", "merchant_contacts", "sms_price", "monthly_sms_budget", "journeys"]
    view = {"store": store, **{n: getattr(found, n) for n in names}}
    caps = {"marketing_per_day": found.marketing_per_day, "any_per_day": found.any_per_day}
    quiet = {"start": found.quiet_start, "end": found.quiet_end}
    return view | {"quiet_hours": quiet, "caps": caps}


def _zone_of(uow: UnitOfWork, store: str) -> str:
    return uow.state.load(Keys(stores={store})).store(store).timezone


def _iso(tz: ZoneInfo, value: datetime | None) -> str | None:
    return iso(value, tz) if value is not None else None
