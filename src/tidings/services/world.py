"""The state one batch works on: what the batch loaded, changed and decided, in memory.

A unit of work loads a World in a few set-based queries, the services change it, and the
unit of work writes back only what changed, in bulk. A World that outlives its batches (the
replay's, the database's only writer) may keep its new messages back while they are pending
(`unwritten`): each is then written once, when decided or when the World is let go, instead
of once pending and once more decided. Of a decided message a World keeps the key (and its
customer) only: nothing reads it again but to know the step was taken for its subject.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import filterfalse
from typing import Any, NamedTuple, TypeVar

from tidings.domain.messages import PENDING, Message
from tidings.domain.state import (
    Alert,
    Cart,
    ChatLine,
    Click,
    Coupon,
    Customer,
    DeliveryReceipt,
    Dispute,
    Order,
    PhoneOptOut,
    Review,
    Shipment,
    Store,
    Ticket,
)

Pair = tuple[str, str]
MessageKey = tuple[str, str, str, str]  # store, journey, step, subject: a step once a subject
T = TypeVar("T")
KINDS = (
    "stores",
    "customers",
    "orders",
    "carts",
    "shipments",
    "reviews",
    "tickets",
    "disputes",
    "coupons",
    "phones",
)


Schedule = Callable[[Message], None]  # a new or moved message, for the engine's queue
CAPPED = ("sms", "email")  # the channels the frequency caps count, each on its own


class Sent(NamedTuple):
    """A sent SMS or email as the caps see it."""

    store_id: str
    customer_id: str
    decided_at: datetime
    kind: str
    journey: str
    channel: str = "sms"


@dataclass
class Found:
    """The messages storage holds for what a batch asked: the pending ones whole, the decided
    ones as their key and customer (all a World keeps of them)."""

    pending: list[Message] = field(default_factory=list)
    decided: dict[MessageKey, str | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.pending or self.decided)


@dataclass
class Keys:
    """What a batch needs loaded, as (store, id) pairs."""

    stores: set[str] = field(default_factory=set)
    customers: set[Pair] = field(default_factory=set)
    orders: set[Pair] = field(default_factory=set)
    carts: set[Pair] = field(default_factory=set)
    shipments: set[Pair] = field(default_factory=set)
    reviews: set[Pair] = field(default_factory=set)
    tickets: set[Pair] = field(default_factory=set)
    disputes: set[Pair] = field(default_factory=set)
    coupons: set[Pair] = field(default_factory=set)
    phones: set[Pair] = field(default_factory=set)


@dataclass
class World:
    stores: dict[str, Store] = field(default_factory=dict)
    customers: dict[Pair, Customer] = field(default_factory=dict)
    orders: dict[Pair, Order] = field(default_factory=dict)
    carts: dict[Pair, Cart] = field(default_factory=dict)
    shipments: dict[Pair, Shipment] = field(default_factory=dict)
    reviews: dict[Pair, Review] = field(default_factory=dict)
    tickets: dict[Pair, Ticket] = field(default_factory=dict)
    disputes: dict[Pair, Dispute] = field(default_factory=dict)
    coupons: dict[Pair, Coupon] = field(default_factory=dict)
    alerts: dict[Pair, Alert] = field(default_factory=dict)  # raised by this batch, by message
    optouts: dict[Pair, PhoneOptOut] = field(default_factory=dict)
    messages: dict[MessageKey, Message] = field(default_factory=dict)  # pending, or this batch's
    decided: dict[MessageKey, str | None] = field(default_factory=dict)  # the rest: key → customer
    sent: dict[Pair, list[Sent]] = field(default_factory=dict)
    spent: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    spent_delta: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    links: list[tuple[str, str, str, str]] = field(default_factory=list)
    appended: list[ChatLine | Click] = field(default_factory=list)  # rows that are only added
    receipts: list[DeliveryReceipt] = field(default_factory=list)
    dirty: set[tuple[str, Pair | str]] = field(default_factory=set)
    new_messages: list[Message] = field(default_factory=list)
    changed_messages: dict[str, Message] = field(default_factory=dict)
    unwritten: dict[str, Message] = field(default_factory=dict)  # pending, not yet in storage

    seen: dict[str, dict[Any, int]] = field(default_factory=dict)  # kind → key → last asked
    batches: int = 0  # batches this world served (its clock for what it asked when)
    _by_customer: dict[Pair, list[Message]] = field(default_factory=dict)
    _by_phone: dict[Pair, set[str]] = field(default_factory=dict)
    _unwritten_times: list[tuple[datetime, str]] = field(default_factory=list)  # a heap

    def unseen(self, keys: Keys) -> Keys:
        """The keys this world has not asked storage for yet (and marks them asked)."""
        out = Keys()
        for kind in KINDS:
            setattr(out, kind, self._unseen(kind, getattr(keys, kind)))
        return out

    def unseen_subjects(self, subjects: set[Pair]) -> set[Pair]:
        return self._unseen("subject", subjects)

    def unseen_senders(self, customers: set[Pair]) -> set[Pair]:
        return self._unseen("sent", customers)

    def _unseen(self, kind: str, keys: set[Any]) -> set[Any]:
        """Of `keys`, those not asked for yet; each is marked asked by this batch (a key asked
        again is recent again: `shrunk` keeps what recent batches asked for)."""
        seen, now = self.seen.setdefault(kind, {}), self.batches
        fresh = set(filterfalse(seen.__contains__, keys))  # half a comprehension's time
        seen.update(dict.fromkeys(keys, now))
        return fresh

    def shrunk(self, keep: int) -> World:
        """A World that holds what this one holds for the keys its latest batches asked for
        (about `keep` of them), and every message kept back. What it drops is in storage, as
        it was written at the end of each batch, and is loaded again when a batch asks for it:
        a key kept in `seen` always comes with everything this world held for it.
        """
        since = _since((b for asked in self.seen.values() for b in asked.values()), keep)
        seen = {
            kind: asked if kind == "stores" else {k: b for k, b in asked.items() if b >= since}
            for kind, asked in self.seen.items()
        }  # the stores are all kept
        new = World(
            stores=self.stores, spent=self.spent, seen=seen,
            batches=self.batches, unwritten=self.unwritten,
            _unwritten_times=self._unwritten_times,
        )  # fmt: skip
        for kind in (k for k in KINDS if k != "stores"):
            name, asked = "optouts" if kind == "phones" else kind, seen.get(kind, {})
            table = getattr(new, name)
            for key, entity in getattr(self, name).items():
                if key in asked:
                    table[key] = entity
        subjects = seen.get("subject", {})
        for key, message in self.messages.items():  # the pending ones: the rest are settled
            if message.message_id in self.unwritten or _about(key, message.customer_id) in subjects:
                new.remember(message)
        new.decided = {k: c for k, c in self.decided.items() if _about(k, c) in subjects}
        senders = seen.get("sent", {})
        new.sent = {k: v for k, v in self.sent.items() if k in senders}
        for customer in new.customers.values():
            new.index_phone(customer)
        return new

    def size(self) -> int:
        """How many things this world holds (a measure of its memory: a decided message,
        held as its key, counts a quarter)."""
        return (
            len(self.customers)
            + len(self.orders)
            + len(self.carts)
            + len(self.shipments)
            + len(self.reviews)
            + len(self.tickets)
            + len(self.disputes)
            + len(self.messages)
            + len(self.decided) // 4
            + len(self.optouts)
            + len(self.sent)
        )

    def end_batch(self) -> None:
        """Forget what the batch changed once it is written; keep what is known."""
        self.batches += 1
        for message in (*self.new_messages, *self.changed_messages.values()):
            if message.status != PENDING:
                self._settle(message)
        self.dirty.clear()
        self.new_messages.clear()
        self.changed_messages.clear()
        self.links.clear()
        self.appended.clear()
        self.receipts.clear()
        self.alerts.clear()
        self.spent_delta.clear()

    def keep_back(self, touched: dict[str, Message]) -> list[Message]:
        """Of the messages a batch touched, those to write now: a pending one that storage
        does not hold yet stays back (in `unwritten`) until it is decided or let go."""
        new = {m.message_id for m in self.new_messages}
        out = []
        for ident, message in touched.items():
            if message.status == PENDING and (ident in new or ident in self.unwritten):
                self.unwritten[ident] = message
                heapq.heappush(self._unwritten_times, (message.run_at, ident))
            else:
                self.unwritten.pop(ident, None)
                out.append(message)
        return out

    def unwritten_due(self, until: datetime) -> list[Message]:
        """The pending messages kept back that fall due by `until`, in the outbox's order.

        They stay in the heap of times until decided: one cut inside an instant waits."""
        times, found = self._unwritten_times, {}
        while times and times[0][0] <= until:
            run_at, ident = heapq.heappop(times)
            message = self.unwritten.get(ident)
            if message is not None and message.run_at == run_at:  # else moved or decided
                found[ident] = message
        for message in found.values():
            heapq.heappush(times, (message.run_at, message.message_id))
        return sorted(found.values(), key=lambda m: (m.run_at, m.message_id))

    def next_unwritten(self) -> datetime | None:
        """When the first message kept back is due."""
        return min((m.run_at for m in self.unwritten.values()), default=None)

    def write_out(self, count: int) -> list[Message]:
        """The `count` messages kept back that are due last, for storage to take now: what
        a World keeps back is bounded, whatever the day holds for the weeks after it."""
        out = heapq.nlargest(count, self.unwritten.values(), key=lambda m: m.run_at)
        for message in out:
            del self.unwritten[message.message_id]
        times = [(at, ident) for at, ident in self._unwritten_times if ident in self.unwritten]
        heapq.heapify(times)
        self._unwritten_times = times
        return sorted(out, key=lambda m: (m.store_id, m.message_id))

    def let_go(self) -> list[Message]:
        """The messages kept back, for storage to take before this World is dropped."""
        out = sorted(self.unwritten.values(), key=lambda m: (m.store_id, m.message_id))
        self.unwritten.clear()
        self._unwritten_times.clear()
        return out

    def store(self, store_id: str) -> Store:
        found = self.stores.get(store_id)
        if found is None:
            found = self.stores[store_id] = Store(store_id)
        return found

    def customer(self, store_id: str, customer_id: str) -> Customer:
        return _get(self.customers, Customer, store_id, customer_id)

    def order(self, store_id: str, order_id: str) -> Order:
        return _get(self.orders, Order, store_id, order_id)

    def cart(self, store_id: str, cart_id: str) -> Cart:
        return _get(self.carts, Cart, store_id, cart_id)

    def shipment(self, store_id: str, shipment_id: str) -> Shipment:
        return _get(self.shipments, Shipment, store_id, shipment_id)

    def review(self, store_id: str, review_id: str) -> Review:
        return _get(self.reviews, Review, store_id, review_id)

    def ticket(self, store_id: str, ticket_id: str) -> Ticket:
        return _get(self.tickets, Ticket, store_id, ticket_id)

    def dispute(self, store_id: str, dispute_id: str) -> Dispute:
        return _get(self.disputes, Dispute, store_id, dispute_id)

    def optout(self, store_id: str, phone: str) -> PhoneOptOut:
        return _get(self.optouts, PhoneOptOut, store_id, phone)

    def touch(self, kind: str, key: Pair | str) -> None:
        self.dirty.add((kind, key))

    def has_message(self, key: MessageKey) -> bool:
        """Whether this world holds the message of this key, pending or decided."""
        return key in self.messages or key in self.decided

    def take(self, found: Found) -> None:
        """What storage holds for keys this world had not asked for: what it holds already
        (kept back, or changed since) stays as it is."""
        for message in found.pending:
            if not self.has_message(message.key):
                self.remember(message)
        for key, customer in found.decided.items():
            if key not in self.messages:
                self.decided[key] = customer

    def remember(self, message: Message) -> None:
        """A pending message loaded from storage (a decided one comes as a key: `take`)."""
        if self.messages.get(message.key) is message:
            return
        self.messages[message.key] = message
        if message.customer_id:
            key = (message.store_id, message.customer_id)
            self._by_customer.setdefault(key, []).append(message)

    def _settle(self, message: Message) -> None:
        """A message decided and written: from now on its key is all this world holds of it
        (nothing reads a decided message again but to know it is there)."""
        if self.messages.pop(message.key, None) is None:
            return
        self.decided[message.key] = message.customer_id
        if message.customer_id:
            who = (message.store_id, message.customer_id)
            mine = [m for m in self._by_customer.get(who, ()) if m is not message]
            if mine:
                self._by_customer[who] = mine
            else:
                self._by_customer.pop(who, None)

    def add_message(self, message: Message) -> None:
        """A message this batch created."""
        self.remember(message)
        self.new_messages.append(message)

    def messages_of(self, store_id: str, customer_ids: list[str]) -> list[Message]:
        """The messages this world holds for these customers."""
        return [m for c in customer_ids for m in self._by_customer.get((store_id, c), ())]

    def customers_with_phone(self, store_id: str, phone: str) -> list[Customer]:
        """The customers this world holds whose phone is `phone` (E.164)."""
        ids = sorted(self._by_phone.get((store_id, phone), ()))
        found = (self.customers.get((store_id, c)) for c in ids)
        return [c for c in found if c is not None and c.phone_key == phone]

    def index_phone(self, customer: Customer) -> None:
        """Keep the phone index up to date for `customer` (after a load or a change)."""
        if customer.phone_key:
            key = (customer.store_id, customer.phone_key)
            self._by_phone.setdefault(key, set()).add(customer.customer_id)

    def changed(self, message: Message) -> None:
        if message.message_id not in self.changed_messages:
            self.changed_messages[message.message_id] = message


def _about(key: MessageKey, customer_id: str | None) -> Pair:
    """The subject in `World.seen` under which the message of `key` was loaded: its own, or
    for a subject of a customer's own (a birthday, a campaign), all of that customer's."""
    store, _, _, subject = key
    if subject.startswith("customer:"):
        return (store, f"customer:{customer_id}:*")
    return (store, subject)


def _since(batches: Iterable[int], keep: int) -> int:
    """The first batch of the latest ones that asked for at most `keep` keys together."""
    per_batch = Counter(batches)
    total, since = 0, max(per_batch, default=0) + 1
    for batch in sorted(per_batch, reverse=True):
        total += per_batch[batch]
        if total > keep:
            break
        since = batch
    return since


def _get(table: dict[Pair, T], cls: Callable[[str, str], T], store_id: str, ident: str) -> T:
    """The entity `ident` of a store as this world holds it; a new one when it holds none."""
    key = (store_id, ident)
    found = table.get(key)
    if found is None:
        found = table[key] = cls(store_id, ident)
    return found
