"""Repositories over SQLAlchemy Core: set-based loads, bulk writes, one statement per kind.

Opt-outs are kept under a keyed digest of the number (`domain.consent.phone_digest`), never
the number: they are asked for and handed out by number, and only here meet the digest.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields, replace
from datetime import datetime
from sys import intern
from typing import Any

from sqlalchemy import Connection, Table, func, literal, select, tuple_

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Reader, Writer
from tidings.adapters.db.instance import optout_key
from tidings.domain.consent import phone_digest
from tidings.domain.events import Event, EventRecord
from tidings.domain.state import (
    Alert,
    Cart,
    ChatLine,
    Click,
    Coupon,
    Customer,
    Dispute,
    Order,
    PhoneOptOut,
    Review,
    Shipment,
    Store,
    Ticket,
)
from tidings.services.consent import BY_CUSTOMER
from tidings.services.world import Keys, World

Pair = tuple[str, str]
EventKey = tuple[datetime, str, str]
CHUNK = 500
_KINDS: dict[str, tuple[Table, type[Any], str]] = {
    "customer": (t.customers, Customer, "customer_id"),
    "order": (t.orders, Order, "order_id"),
    "cart": (t.carts, Cart, "cart_id"),
    "shipment": (t.shipments, Shipment, "shipment_id"),
    "review": (t.reviews, Review, "review_id"),
    "ticket": (t.tickets, Ticket, "ticket_id"),
    "dispute": (t.disputes, Dispute, "dispute_id"),
    "coupon": (t.coupons, Coupon, "code"),
    "alert": (t.alerts, Alert, "message_id"),
    "optout": (t.phone_optouts, PhoneOptOut, "phone"),
}


def chunks(pairs: Iterable[Pair]) -> Iterator[tuple[list[str], list[str], set[Pair]]]:
    """The (store, id) pairs CHUNK at a time, as (stores, ids, the pairs): one query asks for
    `store_id IN stores AND id IN ids`, and keeps the rows whose pair was asked for (a batch of
    several stores may share an id). Sorted, for stable plans and locks."""
    ordered = sorted(set(pairs))
    for start in range(0, len(ordered), CHUNK):
        part = ordered[start : start + CHUNK]
        yield sorted({s for s, _ in part}), sorted({i for _, i in part}), set(part)


# Fields whose few values repeat from row to row: one string each, not one a row (a replay's
# World holds some hundred thousand entities loaded again; their store id alone, 50 bytes each).
_WORDS = ("store_id", "locale", "timezone", "currency", "payment", "cancel_reason", "carrier",
          "status", "substatus", "kind", "outcome")  # fmt: skip


_WORDS_AT: dict[type[Any], tuple[int, ...]] = {}


def _words(cls: type[Any]) -> tuple[int, ...]:
    found = _WORDS_AT.get(cls)
    if found is None:
        found = _WORDS_AT[cls] = tuple(i for i, f in enumerate(fields(cls)) if f.name in _WORDS)
    return found


def _entity(cls: type[Any], row: Any) -> Any:
    """A row of `select(table)` as its entity: the fields are the table's columns, in order
    (tests/unit/adapters/test_tables_match_entities.py): by position, a third of the time."""
    values = list(row)
    for i in _words(cls):
        if values[i] is not None:
            values[i] = intern(values[i])
    return cls(*values)


class SqlEventLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        events: Sequence[Event | EventRecord],
        received_at: datetime | None,
        run: str | None = None,
    ) -> set[Pair]:
        """Store events; return the keys that were new (a duplicate is accepted and ignored)."""
        time = Writer.time_for(self.conn)
        received = time(received_at)
        rows = []
        for e in events:
            at = time(e.occurred_at)
            rows.append((e.store, e.id, e.type, at, received or at, e.raw, run, _customer(e)))
        new = _EVENTS.write_rows(self.conn, rows, update=False, returning="store_id, event_id")
        return set(new)

    def of_run(
        self, run: str, after: EventKey | None, limit: int, until: datetime, types: set[str]
    ) -> list[Event]:
        """The next events of `types` a run stored, in sorted-arrival order, up to `until`."""
        e = t.events.c
        query = select(e.payload).where(
            e.run == run, e.occurred_at <= until, e.type.in_(sorted(types))
        )
        if after is not None:
            bound = tuple_(
                literal(after[0], e.occurred_at.type), literal(after[1]), literal(after[2])
            )
            query = query.where(tuple_(e.occurred_at, e.store_id, e.event_id) > bound)
        query = query.order_by(e.occurred_at, e.store_id, e.event_id).limit(limit)
        return [parse_line(row[0]) for row in self.conn.execute(query)]

    def count_after(self, run: str, until: datetime) -> int:
        e = t.events.c
        query = select(func.count()).where(e.run == run, e.occurred_at > until)
        return int(self.conn.execute(query).scalar() or 0)


def _customer(event: Event | EventRecord) -> str | None:
    """The customer an event of a customer's own is about (an erasure finds it by them)."""
    if event.type not in BY_CUSTOMER:
        return None
    if isinstance(event, Event):
        return getattr(event.data, "customer_id", None)
    found = (json.loads(event.raw).get("data") or {}).get("customer_id")
    return found if isinstance(found, str) else None


_EVENTS = Writer(t.events)
_READERS = {kind: Reader(table, list(table.c), by) for kind, (table, _, by) in _KINDS.items()}
_BY_PHONE = Reader(
    t.customers, [t.customers.c[n] for n in ("store_id", "customer_id", "phone_key")], "phone_key"
)
_WRITERS = {kind: Writer(table) for kind, (table, _, _) in _KINDS.items()}
_WRITERS["store"] = Writer(t.stores)
_APPENDED = {ChatLine: Writer(t.chat_messages), Click: Writer(t.clicks)}


class SqlStateRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._optout_key: bytes | None = None

    def load(self, keys: Keys) -> World:
        world = World()
        if keys.stores:
            query = select(t.stores).where(t.stores.c.store_id.in_(sorted(keys.stores)))
            for row in self.conn.execute(query):
                store = _entity(Store, row)
                store.merchant_contacts = store.merchant_contacts or []
                store.journeys = store.journeys or {}
                store.variants = store.variants or {}
                store.caps = store.caps or {}
                world.stores[store.store_id] = store
        for kind, pairs, target in (
            ("customer", keys.customers, world.customers),
            ("order", keys.orders, world.orders),
            ("cart", keys.carts, world.carts),
            ("shipment", keys.shipments, world.shipments),
            ("review", keys.reviews, world.reviews),
            ("ticket", keys.tickets, world.tickets),
            ("dispute", keys.disputes, world.disputes),
            ("coupon", keys.coupons, world.coupons),
        ):
            target.update(self._load(kind, pairs))
        world.optouts.update(self._load_optouts(keys.phones))
        return world

    def _load(self, kind: str, pairs: Iterable[Pair]) -> dict[Pair, Any]:
        _, cls, ident = _KINDS[kind]
        out: dict[Pair, Any] = {}
        for stores, ids, wanted in chunks(pairs):
            for row in _READERS[kind].rows(self.conn, stores, ids):
                entity = _entity(cls, row)
                key = (entity.store_id, getattr(entity, ident))
                if key in wanted:
                    out[key] = entity
        return out

    def _key(self, make: bool) -> bytes | None:
        """This database's opt-out key (None: there is none, so no opt-out either)."""
        if self._optout_key is None:
            self._optout_key = optout_key(self.conn, make)
        return self._optout_key

    def _load_optouts(self, pairs: set[Pair]) -> dict[Pair, PhoneOptOut]:
        key = self._key(make=False) if pairs else None
        if key is None:
            return {}
        phones = {(store, phone_digest(key, phone)): phone for store, phone in pairs}
        found: dict[Pair, PhoneOptOut] = self._load("optout", phones)
        return {
            (pair[0], phones[pair]): replace(optout, phone=phones[pair])
            for pair, optout in found.items()
        }

    def customers_by_phone(self, pairs: Iterable[Pair]) -> list[Pair]:
        found: list[Pair] = []
        for stores, phones, wanted in chunks(pairs):
            rows = _BY_PHONE.rows(self.conn, stores, phones)
            found.extend((s, i) for s, i, phone in rows if (s, phone) in wanted)
        return found

    def store_ids(self) -> list[str]:
        return list(self.conn.execute(select(t.stores.c.store_id)).scalars())

    def save(self, world: World) -> None:
        sources: dict[str, Any] = {
            "store": world.stores,
            "customer": world.customers,
            "order": world.orders,
            "cart": world.carts,
            "shipment": world.shipments,
            "review": world.reviews,
            "ticket": world.tickets,
            "dispute": world.disputes,
            "coupon": world.coupons,
            "alert": world.alerts,
            "optout": world.optouts,
        }
        dirty: dict[str, list[Any]] = defaultdict(list)
        for kind, key in world.dirty:
            dirty[kind].append(key)
        for kind, keys in sorted(dirty.items()):
            entities = [sources[kind][k] for k in sorted(keys)]
            if kind == "optout":
                entities = self._as_kept(entities)
            _WRITERS[kind].write(self.conn, entities)
        appended: dict[type[Any], list[Any]] = defaultdict(list)
        for row in world.appended:
            appended[type(row)].append(row)
        for cls, rows in appended.items():
            _APPENDED[cls].write(self.conn, rows, update=False)

    def _as_kept(self, optouts: list[PhoneOptOut]) -> list[PhoneOptOut]:
        """The opt-outs as their rows hold them: under the digest of the number."""
        key = self._key(make=True)
        assert key is not None
        return [replace(o, phone=phone_digest(key, o.phone)) for o in optouts]
