"""The engine: one batch of events and due messages, in time order, in one unit of work.

`tidings replay` and the live service run this same code; only the clock and the
providers differ. Events at the same instant as a due message come first.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.events import Event, MessageInbound
from tidings.domain.messages import SENT, Message
from tidings.services.decide import Decider
from tidings.services.phones import lookup_key
from tidings.services.ports import UnitOfWork
from tidings.services.texts import Texts
from tidings.services.triggers import apply, start_journeys
from tidings.services.world import Keys, World

SUBJECT_FIELDS = (("order", "order_id"), ("cart", "cart_id"))
CAP_WINDOW = timedelta(hours=24)


@dataclass
class BatchResult:
    fresh: int = 0
    duplicates: int = 0
    decided: int = 0
    to_send: list[Message] = field(default_factory=list)


def event_order(ev: Event) -> tuple[datetime, str, str, str]:
    """Sorted arrival: by time, then store and id, so that file order never matters."""
    return (ev.occurred_at, ev.store, ev.id, ev.raw)


@dataclass
class Engine:
    texts: Texts

    def run(
        self, uow: UnitOfWork, events: Sequence[Event], until: datetime, now: datetime | None = None
    ) -> BatchResult:
        """Apply `events` and decide every message due by `until`, in time order.

        With `now` (the live clock) messages are decided at `now`; without it (replay)
        each at its own due time.
        """
        result = BatchResult()
        fresh = self._fresh(uow, events, result)
        due = uow.outbox.due(until, limit=0)
        world = _load(uow, fresh, due)
        decider = Decider(self.texts, world, uow.outbox)
        queue: list[tuple[datetime, str, int, Message]] = []
        version = {"n": 0}

        def schedule(message: Message) -> None:
            if message.status != "pending":
                world.changed(message)
                return
            if message.key not in world.messages or world.messages[message.key] is not message:
                world.add_message(message)
            if message.run_at <= until:
                version["n"] += 1
                heapq.heappush(queue, (message.run_at, message.message_id, version["n"], message))

        for message in due:
            schedule(message)
        for ev in fresh:
            self._drain(queue, decider, schedule, ev.occurred_at, now, result, inclusive=False)
            apply(ev, world, schedule)
            start_journeys(
                ev, self.texts.triggered(world.store(ev.store), ev.type), world, schedule
            )
        self._drain(queue, decider, schedule, until, now, result, inclusive=True)
        uow.events.add(fresh, now or until)
        uow.state.save(world)
        result.to_send = [m for m in _flush(uow, world) if m.status == SENT]
        return result

    @staticmethod
    def _fresh(uow: UnitOfWork, events: Sequence[Event], result: BatchResult) -> list[Event]:
        ordered = sorted(events, key=event_order)
        known = uow.events.known((e.store, e.id) for e in ordered)
        fresh: list[Event] = []
        for ev in ordered:
            key = (ev.store, ev.id)
            if key in known:
                result.duplicates += 1
                continue
            known.add(key)
            fresh.append(ev)
        result.fresh = len(fresh)
        return fresh

    @staticmethod
    def _drain(
        queue: list[tuple[datetime, str, int, Message]],
        decider: Decider,
        schedule: Callable[[Message], None],
        limit: datetime,
        now: datetime | None,
        result: BatchResult,
        inclusive: bool,
    ) -> None:
        while queue and (queue[0][0] < limit or (inclusive and queue[0][0] == limit)):
            run_at, _, _, message = heapq.heappop(queue)
            if message.status != "pending" or message.run_at != run_at:
                continue  # moved or decided since it was queued
            result.decided += 1
            for again in decider.decide(message, now or run_at):
                schedule(again)


def _load(uow: UnitOfWork, events: Sequence[Event], due: Sequence[Message]) -> World:
    keys = Keys()
    for ev in events:
        keys.stores.add(ev.store)
        for kind, name in SUBJECT_FIELDS:
            ident = getattr(ev.data, name, None)
            if ident:
                getattr(keys, kind + "s").add((ev.store, ident))
        customer = getattr(ev.data, "customer_id", None)
        if customer:
            keys.customers.add((ev.store, customer))
    for message in due:
        keys.stores.add(message.store_id)
        kind, _, ident = message.subject.partition(":")
        if kind in ("order", "cart"):
            getattr(keys, kind + "s").add((message.store_id, ident))
        if message.customer_id:
            keys.customers.add((message.store_id, message.customer_id))
    world = uow.state.load(keys)
    owners = [(o.store_id, o.customer_id) for o in world.orders.values()]
    owners += [(c.store_id, c.customer_id) for c in world.carts.values()]
    extra = {(s, c) for s, c in owners if c} - keys.customers
    if extra:
        world.customers.update(uow.state.load(Keys(customers=extra)).customers)
        keys.customers |= extra
    _load_phones(uow, world, events, keys)
    _load_messages(uow, world, keys, due, _start(events, due))
    return world


def _start(events: Sequence[Event], due: Sequence[Message]) -> datetime | None:
    times = [m.run_at for m in due] + [ev.occurred_at for ev in events[:1]]
    return min(times) if times else None


def _load_phones(uow: UnitOfWork, world: World, events: Sequence[Event], keys: Keys) -> None:
    """Opt-outs of every phone in play; for STOP / START, the customers behind the phone."""
    inbound = set()
    for ev in events:
        if isinstance(ev.data, MessageInbound):
            key = lookup_key(ev.data.sender, world.store(ev.store).default_region)
            if key:
                inbound.add((ev.store, key))
    if inbound:
        owners = set(uow.state.customers_by_phone(inbound))
        extra = owners - keys.customers
        world.customers.update(uow.state.load(Keys(customers=extra)).customers)
        keys.customers |= extra
        for message in uow.outbox.pending_for_customers(owners):
            if message.key not in world.messages:
                world.remember(message)
    phones = inbound | {(c.store_id, c.phone_key) for c in world.customers.values() if c.phone_key}
    world.optouts.update(uow.state.load(Keys(phones=phones)).optouts)


def _load_messages(
    uow: UnitOfWork, world: World, keys: Keys, due: Sequence[Message], start: datetime | None
) -> None:
    for message in due:
        world.remember(message)
    subjects = {(s, f"order:{i}") for s, i in keys.orders} | {
        (s, f"cart:{i}") for s, i in keys.carts
    }
    for message in uow.outbox.for_subjects(subjects):
        if message.key not in world.messages:
            world.remember(message)
    if keys.customers and start is not None:
        for sent in uow.outbox.sent_since(keys.customers, start - CAP_WINDOW):
            world.sent.setdefault((sent.store_id, sent.customer_id), []).append(sent)


def _flush(uow: UnitOfWork, world: World) -> list[Message]:
    """Write what the batch decided; return the messages this unit of work owns."""
    touched = {m.message_id: m for m in world.new_messages}
    touched.update(world.changed_messages)
    owned = uow.outbox.write(list(touched.values()))
    uow.outbox.add_spend(world.spent_delta)
    uow.outbox.add_links(world.links)
    return [m for m in touched.values() if m.message_id in owned]
