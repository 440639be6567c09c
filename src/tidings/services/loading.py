"""Loading what a batch needs into its World in a few set-based queries.

A World passed on from the previous batch keeps what it holds; only keys it has not asked
for yet are loaded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from tidings.domain.events import CustomerUpserted, Event, MessageInbound, RelayHandle
from tidings.domain.messages import Message
from tidings.domain.relay import optout_keys
from tidings.services.phones import lookup_key
from tidings.services.ports import StateRepo, UnitOfWork
from tidings.services.world import KINDS, Found, Keys, Pair, World

SUBJECT_FIELDS = tuple(
    (kind, f"{kind}_id") for kind in ("order", "cart", "shipment", "review", "ticket")
)
SUBJECTS = tuple(kind for kind, _ in SUBJECT_FIELDS)
CAP_WINDOW = timedelta(hours=24)


def load(
    uow: UnitOfWork,
    world: World,
    events: Sequence[Event],
    due: Sequence[Message],
    cap_window: timedelta = CAP_WINDOW,
    *,
    about_customers: Collection[str],
) -> list[Message]:
    """Fill `world` for `events` and `due`; return the due messages as the world holds them.

    Each customer's sent SMS are loaded as far back as the longest frequency cap looks. The
    messages about a customer themselves (a birthday, a campaign) are loaded for the customers
    that events of the `about_customers` types name (the types that start such a journey)
    and for the due messages about a customer: no other step asks for them.
    """
    keys = _keys(events, due)
    _load_state(uow, world, keys)
    _load_phones(uow, world, events, keys)
    due = [world.messages.get(m.key, m) for m in due]
    for message in due:
        world.remember(message)
    owners = _owners(events, due, about_customers)
    _load_messages(uow, world, keys, owners, _start(events, due), cap_window)
    return due


class HasState(Protocol):
    @property
    def state(self) -> StateRepo: ...


def load_subjects(
    uow: HasState, world: World, events: Sequence[Event], subjects: Sequence[Pair] = ()
) -> None:
    """Fill `world` with what `events` and the (store, subject) pairs are about, with their
    orders and customers, as a batch loads them (no messages: a look, not a decision)."""
    keys = _keys(events, [])
    for store, subject in subjects:
        kind, _, ident = subject.partition(":")
        keys.stores.add(store)
        if kind in (*SUBJECTS, "customer"):
            getattr(keys, kind + "s").add((store, ident.split(":")[0]))
    _load_state(uow, world, keys)


def _keys(events: Sequence[Event], due: Sequence[Message]) -> Keys:
    keys = Keys()
    for ev in events:
        keys.stores.add(ev.store)
        for kind, name in SUBJECT_FIELDS:
            ident = getattr(ev.data, name, None)
            if ident:
                getattr(keys, kind + "s").add((ev.store, ident))
        dispute = getattr(ev.data, "dispute_id", None)
        if dispute:
            keys.disputes.add((ev.store, dispute))
        code = getattr(ev.data, "coupon_code", None)
        if code:
            keys.coupons.add((ev.store, code))
        customer = getattr(ev.data, "customer_id", None)
        if customer:
            keys.customers.add((ev.store, customer))
        handle = getattr(ev.data, "relay", None)
        if handle is not None and handle.order_id:  # a relayed reply names its order
            keys.orders.add((ev.store, handle.order_id))
    for message in due:
        keys.stores.add(message.store_id)
        kind, _, ident = message.subject.partition(":")
        if kind in SUBJECTS:
            getattr(keys, kind + "s").add((message.store_id, ident))
        if message.customer_id:
            keys.customers.add((message.store_id, message.customer_id))
    return keys


def _load_state(uow: HasState, world: World, keys: Keys) -> None:
    _merge(world, uow.state.load(world.unseen(keys)))
    about = _held(world, keys, ("shipments", "reviews", "tickets"))
    orders = {(p.store_id, p.order_id) for p in about if p.order_id} - keys.orders
    if orders:  # a parcel's, review's or ticket's journeys see its order and customer
        keys.orders |= orders
        _merge(world, uow.state.load(world.unseen(Keys(orders=orders))))
    found = _held(world, keys, ("orders", "carts", "reviews", "tickets"))
    extra: set[Pair] = {(e.store_id, e.customer_id) for e in found if e.customer_id}
    keys.customers |= extra
    _merge(world, uow.state.load(world.unseen(Keys(customers=extra))))


def _held(world: World, keys: Keys, kinds: tuple[str, ...]) -> list[Any]:
    """The entities of these kinds that `world` holds for `keys`."""
    found = (getattr(world, kind).get(k) for kind in kinds for k in getattr(keys, kind))
    return [entity for entity in found if entity is not None]


def _merge(world: World, loaded: World) -> None:
    for name in (*(kind for kind in KINDS if kind != "phones"), "optouts"):
        mine, theirs = getattr(world, name), getattr(loaded, name)
        for key, value in theirs.items():
            mine.setdefault(key, value)
    for customer in loaded.customers.values():
        world.index_phone(world.customers[(customer.store_id, customer.customer_id)])


def _start(events: Sequence[Event], due: Sequence[Message]) -> datetime | None:
    times = [m.run_at for m in due] + [ev.occurred_at for ev in events[:1]]
    return min(times) if times else None


def _load_phones(uow: UnitOfWork, world: World, events: Sequence[Event], keys: Keys) -> None:
    """Opt-outs of every phone in play; for STOP / START, the customers behind the phone."""
    inbound = set()
    for ev in events:
        if isinstance(ev.data, MessageInbound) and ev.data.relay is not None:
            inbound |= _relayed(world, ev.store, ev.data.relay)
        elif isinstance(ev.data, MessageInbound):
            key = lookup_key(ev.data.sender, world.store(ev.store).default_region)
            if key:
                inbound.add((ev.store, key))
    if inbound:
        owners = set(uow.state.customers_by_phone(inbound))
        keys.customers |= owners
        _merge(world, uow.state.load(world.unseen(Keys(customers=owners))))
        world.take(Found(pending=uow.outbox.pending_for_customers(owners)))
    customers = [world.customers.get(k) for k in keys.customers]
    phones = inbound | {(c.store_id, c.phone_key) for c in customers if c and c.phone_key}
    phones |= _arriving(world, events) | _relay_keys(world, keys)
    _merge(world, uow.state.load(world.unseen(Keys(phones=phones))))


def _relayed(world: World, store: str, handle: RelayHandle) -> set[Pair]:
    """The opt-out keys a reply through a platform's relay changes."""
    order = world.orders.get((store, handle.order_id or ""))
    customer = order.customer_id if order is not None else None
    return {(store, k) for k in optout_keys(handle.platform, handle.buyer, customer)}


def _relay_keys(world: World, keys: Keys) -> set[Pair]:
    """The opt-out keys of the relay handles in play (orders', then customers')."""
    found = (world.orders.get(k) for k in keys.orders)
    owners = [*found, *(world.customers.get(k) for k in keys.customers)]
    out: set[Pair] = set()
    for owner in owners:
        handle = owner.relay if owner is not None else None
        if owner is not None and handle:
            keys_of = optout_keys(handle["platform"], handle["buyer"], owner.customer_id)
            out |= {(owner.store_id, k) for k in keys_of}
    return out


def _arriving(world: World, events: Sequence[Event]) -> set[Pair]:
    """The numbers the batch's customer events bring: a STOP sent before a customer came with
    the number (or before an erased one came back) holds for them too."""
    found = set()
    for ev in events:
        if isinstance(ev.data, CustomerUpserted) and ev.data.phone:
            key = lookup_key(ev.data.phone, world.store(ev.store).default_region)
            if key:
                found.add((ev.store, key))
    return found


def _owners(events: Sequence[Event], due: Sequence[Message], types: Collection[str]) -> set[Pair]:
    """The customers whose own messages (birthdays, campaigns) a batch may start or decide."""
    named = ((ev.store, getattr(ev.data, "customer_id", None)) for ev in events if ev.type in types)
    found: set[Pair] = {(store, customer) for store, customer in named if customer}
    for message in due:
        if message.subject.startswith("customer:") and message.customer_id:
            found.add((message.store_id, message.customer_id))
    return found


def _load_messages(
    uow: UnitOfWork,
    world: World,
    keys: Keys,
    owners: set[Pair],
    start: datetime | None,
    window: timedelta,
) -> None:
    subjects = {(s, f"{kind}:{i}") for kind in SUBJECTS for s, i in getattr(keys, kind + "s")}
    world.take(uow.outbox.for_subjects(world.unseen_subjects(subjects)))
    about = {(s, f"customer:{c}:*") for s, c in owners}  # birthdays, campaigns
    unseen = {(s, c.removeprefix("customer:")[:-2]) for s, c in world.unseen_subjects(about)}
    world.take(uow.outbox.about_customers(unseen))
    customers = world.unseen_senders(keys.customers)
    if customers and start is not None:
        for sent in uow.outbox.sent_since(customers, start - window):
            world.sent.setdefault((sent.store_id, sent.customer_id), []).append(sent)
