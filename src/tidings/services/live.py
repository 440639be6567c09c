"""The live service's worker: a round runs each store's new events and due messages, hands
what was decided to the providers, tries again what failed, and takes in what the providers
report back (receipts, shopper replies).

Any number of workers may run rounds at once against PostgreSQL: a store is run by one
worker at a time (a transaction-scoped lock), deliveries are claimed with leases.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tidings.domain.delivery import Receipt, Reply, mask
from tidings.domain.events import Event
from tidings.services.delivery import Dispatcher
from tidings.services.engine import Engine, event_order
from tidings.services.ingest import ingest, receipt_event, reply_event
from tidings.services.ports import UnitOfWork
from tidings.services.retention import Retention
from tidings.services.routing import Routes

log = logging.getLogger(__name__)


@dataclass
class Worker:
    engine: Engine
    dispatcher: Dispatcher
    unit_of_work: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    batch: int = 500  # events, due messages or deliveries a transaction
    stores_a_pass: int = 4  # stores run in one transaction (several workers share the rest)
    shuffle: Callable[[list[str]], None] = field(default=random.shuffle)
    retention: Retention | None = None

    def round(self) -> int:
        """One round over every store with work; how many things it did (0: nothing to do)."""
        now = self.clock()
        with self.unit_of_work() as uow:
            stores = sorted(set(uow.inbox.stores()) | set(uow.outbox.stores_due(now)))
        self.shuffle(stores)  # workers that start together spread over the stores
        step = self.stores_a_pass
        done = sum(self._guarded(stores[i : i + step]) for i in range(0, len(stores), step))
        self.dispatcher.rested()
        claims = self.dispatcher.claim(self.clock(), self.batch)
        self.dispatcher.deliver(claims, self.clock)
        return done + len(claims) + self._poll() + self._retain()

    def _retain(self) -> int:
        """Forget what the stores keep no longer (at most once an hour); a failure waits for
        the next hour, and holds up no message."""
        if self.retention is None:
            return 0
        try:
            return self.retention.run(self.clock())
        except Exception:
            log.exception("retention failed")
            return 0

    def _guarded(self, stores: list[str]) -> int:
        """Run `stores`; when that fails, each one alone, so that one store's trouble (a
        database refusing its rows, say) holds up no other store's messages."""
        try:
            return self.run_stores(stores)
        except Exception:
            if len(stores) == 1:
                log.exception("store %s: its events and due messages failed", stores[0])
                return 0
        return sum(self._guarded([store]) for store in stores)

    def _poll(self) -> int:
        """Every provider's receipts and replies, each stored as it comes."""
        taken = [0]

        def handle(item: Receipt | Reply) -> None:
            self.take(item)
            taken[0] += 1

        for name, provider in self.dispatcher.providers.items():
            try:
                provider.poll(handle)
            except Exception:  # one provider out of reach: the others are still heard
                log.exception("provider %s could not be polled", name)
        return taken[0]

    def run_stores(self, stores: list[str]) -> int:
        """The waiting events and due messages of those `stores` no other worker holds, in one
        transaction."""
        now = self.clock()
        with self.unit_of_work() as uow:
            mine = [store for store in stores if uow.lock_store(store)]
            if not mine:
                return 0
            events = sorted(
                (ev for store in mine for ev in uow.inbox.take(store, self.batch)),
                key=event_order,
            )
            result = self.engine.run(
                uow, events, now, now=now, stored=True, stores=mine, limit=self.batch
            )
            uow.commit()
        self.dispatcher.deliver(result.claims, self.clock)
        return len(events) + result.decided

    def take(self, item: Receipt | Reply) -> None:
        """A provider's receipt or reply, stored as an event before the provider hears that
        it arrived."""
        with self.unit_of_work() as uow:
            if take(uow, self.dispatcher.routes, item, self.clock()):
                uow.commit()


def take(uow: UnitOfWork, routes: Routes, item: Receipt | Reply, now: datetime) -> bool:
    """A receipt or reply as the event it is, stored (the caller commits); a receipt of no
    recorded message yet is kept until it is. False for a reply no store's number matches."""
    event = _receipt(uow, item) if isinstance(item, Receipt) else _reply(uow, routes, item)
    if event is not None:
        ingest(uow, [event], now)
    return event is not None or isinstance(item, Receipt)


def _receipt(uow: UnitOfWork, item: Receipt) -> Event | None:
    """The receipt's event; one whose acceptance is not recorded yet (a fast provider, another
    worker's bind) waits for it, and becomes its event when it is recorded."""
    found = uow.deliveries.locate(item.provider, [item.ref]).get(item.ref)
    if found is None:
        uow.deliveries.wait(item)
        return None
    return receipt_event(item, found[0], found[1])


def _reply(uow: UnitOfWork, routes: Routes, item: Reply) -> Event | None:
    """The store a reply is for: the one whose SMS go through that provider, or of several,
    the one whose sender it was sent to, else the one that last texted the shopper."""
    stores = routes.stores_of(item.provider, uow.state.store_ids())
    chosen = [s for s in stores if routes.sender(s, "sms") == item.to] or stores
    store = chosen[0] if len(chosen) == 1 else None
    if store is None and chosen:
        store = uow.deliveries.last_store(item.provider, chosen, item.sender)
    if store is None:
        log.warning("reply from %s via %s: no store to take it", mask(item.sender), item.to)
        return None
    return reply_event(item, store)
