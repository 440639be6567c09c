"""What the console's Messages and Alerts screens show, named as the seller sees it.

The rule: a phone number leaves this module masked (`+86 138****8000`), an email too; alerts
are read and changed by the API's own read model, so both show the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import phonenumbers

from tidings.domain import relay
from tidings.domain.catalogue import Catalogue
from tidings.domain.delivery import mask
from tidings.domain.messages import Message
from tidings.services.console_ports import ConsoleUnitOfWork
from tidings.services.phones import to_e164
from tidings.services.ports import MessageFilter
from tidings.services.world import Keys

LIMIT = 200
ALERT_STATES = ("open", "acknowledged", "resolved")
STATUSES = ("pending", "sent", "suppressed", "accepted", "delivered", "failed", "expired")


@dataclass(frozen=True)
class AlertRow:
    alert_id: str
    kind: str
    subject: str
    state: str
    text: str | None
    opened_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class AlertsPage:
    store: str
    timezone: str
    state: str | None
    rows: tuple[AlertRow, ...]


@dataclass(frozen=True)
class MessageSearch:
    text: str = ""
    journey: str | None = None
    status: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MessageRow:
    message_id: str
    journey: str
    step: str
    subject: str
    channel: str
    to: str  # masked
    customer_id: str | None
    status: str
    reason: str | None
    due_at: datetime
    decided_at: datetime | None
    segments: int
    cost: Decimal


@dataclass(frozen=True)
class MessagesPage:
    store: str
    timezone: str
    currency: str
    search: MessageSearch
    rows: tuple[MessageRow, ...]
    journeys: tuple[str, ...] = ()  # the store's journeys, for the filter


@dataclass(frozen=True)
class Moment:
    """One thing that happened to a message: decided, sent, suppressed, accepted, delivered,
    failed, expired or clicked."""

    what: str
    at: datetime | None
    detail: str | None = None


@dataclass(frozen=True)
class MessageTimeline:
    store: str
    timezone: str
    currency: str
    row: MessageRow
    title: str | None
    body: str | None
    moments: tuple[Moment, ...]


def alerts(uow: ConsoleUnitOfWork, store: str, state: str | None) -> AlertsPage:
    with uow:
        found = uow.read.alerts(store, state, LIMIT)
        timezone = uow.state.load(Keys(stores={store})).store(store).timezone
    rows = tuple(
        AlertRow(a.message_id, a.kind, a.subject, a.state, text, a.opened_at,
                 a.acknowledged_at, a.resolved_at)
        for a, text in found
    )  # fmt: skip
    return AlertsPage(store, timezone, state, rows)


def messages(
    uow: ConsoleUnitOfWork, catalogue: Catalogue, store: str, search: MessageSearch
) -> MessagesPage:
    """The newest LIMIT messages that match, about an order, cart, shipment, customer or
    phone number; with the store's journeys (`catalogue`'s, as it switched them) to filter by."""
    where = MessageFilter(search.journey, search.status, search.reason)
    with uow:
        shop = uow.state.load(Keys(stores={store})).store(store)
        phone = to_e164(search.text, shop.default_region or "CN") if search.text else None
        owners = uow.state.customers_by_phone([(store, phone)]) if phone else []
        customers = [customer for _, customer in owners]
        found = uow.console.search(store, where, search.text, phone, customers, LIMIT)
    rows = tuple(_row(m) for m in found)
    journeys = tuple(catalogue.for_store(shop.journeys))
    return MessagesPage(store, shop.timezone, shop.currency or "", search, rows, journeys)


def timeline(uow: ConsoleUnitOfWork, store: str, message_id: str) -> MessageTimeline | None:
    """One message, what became of it in time order; None when the store has no such one."""
    with uow:
        found = uow.console.message(store, message_id)
        if found is None:
            return None
        shop = uow.state.load(Keys(stores={store})).store(store)
        deliveries = uow.read.deliveries(store, [message_id]).get(message_id, [])
        clicks = uow.console.clicks(store, message_id)
    moments = [
        Moment("decided", found.decided_at, found.reason or found.status),
        *_delivered(deliveries),
    ]
    moments += [Moment("clicked", at) for at in clicks]
    return MessageTimeline(
        store, shop.timezone, shop.currency or "", _row(found), found.title, found.body,
        tuple(moments),
    )  # fmt: skip


def masked(address: str | None) -> str:
    """A phone as `+86 138****8000` (country code, then the national number's first three
    and last four digits), an email as `em***@mail.example`, a buyer reached through a
    platform's relay as `taobao:<order id>` (the encrypted buyer id left out), '-' for none."""
    handle = relay.parse(address) if address else None
    if handle is not None:
        return f"{handle[0]}:{handle[1]}"
    if not address or "@" in address or not address.startswith("+"):
        return mask(address)
    try:
        number = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        return mask(address)
    national = str(number.national_number)
    if len(national) < 9:
        return f"+{number.country_code} {mask(national)}"
    return f"+{number.country_code} {national[:3]}****{national[-4:]}"


def _row(m: Message) -> MessageRow:
    return MessageRow(
        m.message_id, m.journey, m.step, m.subject, m.channel, masked(m.recipient),
        m.customer_id, m.status, m.reason, m.due_at, m.decided_at, m.segments, Decimal(m.cost),
    )  # fmt: skip


def _delivered(deliveries: list[dict[str, object]]) -> list[Moment]:
    out = []
    for d in deliveries:
        accepted, final = d.get("accepted_at"), d.get("final_at")
        if isinstance(accepted, datetime):
            out.append(Moment("accepted", accepted, str(d.get("provider") or "")))
        if isinstance(final, datetime):
            out.append(Moment(str(d.get("state")), final, _text(d.get("error"))))
    return out


def _text(value: object) -> str | None:
    return None if value is None else str(value)
