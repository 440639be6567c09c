"""The live service's worker: a round runs each store's new events and due messages, hands
what was decided to the providers, tries again what failed, and takes in what the providers
report back (receipts, shopper replies). Once an hour (`purge`), receipts still waiting for
the acceptance they answer after `receipts_wait` are forgotten: that acceptance never comes.
Every 10 s (`analyze`) the database's planner is shown the tables that grew (PostgreSQL).

Any number of workers may run rounds at once against PostgreSQL: a store is run by one
worker at a time (a transaction-scoped lock), deliveries are claimed with leases.

A store whose batch fails is backed off: tried again after `BACKOFF_FIRST`, then twice as long
after each failure in a row (at most `BACKOFF_MOST`), logged once each time; the other stores
go on meanwhile, and one success clears it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.delivery import Receipt, Reply, mask
from tidings.domain.events import Event
from tidings.domain.times import Every
from tidings.services.delivery import Dispatcher
from tidings.services.engine import Engine, event_order
from tidings.services.ingest import ingest, receipt_event, reply_event
from tidings.services.ports import UnitOfWork
from tidings.services.retention import Retention
from tidings.services.routing import Routes

log = logging.getLogger(__name__)
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MOST = timedelta(minutes=10)


@dataclass(frozen=True)
class Backoff:
    """A store whose batch failed `failures` times in a row: left alone until `until`."""

    failures: int
    until: datetime

    def after(self, now: datetime) -> Backoff:
        """The backoff after one more failure at `now`."""
        wait = min(BACKOFF_FIRST * 2**self.failures, BACKOFF_MOST)
        return Backoff(self.failures + 1, now + wait)


@dataclass
class Worker:
    engine: Engine
    dispatcher: Dispatcher
    unit_of_work: Callable[[], UnitOfWork]
    clock: Callable[[], datetime]
    batch: int = 500  # events, due messages or deliveries a transaction
    stores_a_pass: int = 4  # stores run in one transaction (several workers share the rest)
    shuffle: Callable[[list[str]], None] = field(default=random.shuffle)
    read_unit_of_work: Callable[[], UnitOfWork] | None = None  # one that never waits to read
    backoffs: dict[str, Backoff] = field(default_factory=dict)
    receipts_wait: timedelta = timedelta(days=7)
    purge: Every = field(default_factory=lambda: Every(timedelta(hours=1)))
    analyze: Every | None = None  # the planner shown the tables that grew (PostgreSQL's)
    retention: Retention | None = None
    pulls: Callable[[], int] | None = None  # the pulled platforms whose time has come
    keeper: Callable[[datetime], int] | None = None  # sums closed days' figures (analytics)

    def round(self) -> int:
        """One round over every store with work; how many things it did (0: nothing to do)."""
        now = self.clock()
        with (self.read_unit_of_work or self.unit_of_work)() as uow:
            stores = sorted(set(uow.inbox.stores()) | set(uow.outbox.stores_due(now)))
        stores = [s for s in stores if s not in self.backoffs or self.backoffs[s].until <= now]
        self.shuffle(stores)  # workers that start together spread over the stores
        step = self.stores_a_pass
        done = sum(self._guarded(stores[i : i + step]) for i in range(0, len(stores), step))
        self.dispatcher.rested()
        claims = self.dispatcher.claim(self.clock(), self.batch)
        self.dispatcher.deliver(claims, self.clock)
        done += len(claims) + self._poll() + self._pull() + self._purge() + self._retain()
        self._keep()  # housekeeping of the read side: not work a round waits on
        self._analyze()
        return done

    def _purge(self) -> int:
        """Forget the receipts that waited too long, once `purge` is due; how many."""
        now = self.clock()
        if not self.purge.due(now):
            return 0
        with self.unit_of_work() as uow:
            gone = uow.deliveries.forget_waiting(now - self.receipts_wait)
            uow.commit()
        if gone:
            log.info(
                "%d receipts waited more than %s for their message; forgotten",
                gone,
                self.receipts_wait,
            )
        return gone

    def _analyze(self) -> None:
        """The tables that grew analyzed, when `analyze` is due (a failure waits for the next
        time); a database that plans without statistics (SQLite) has no `analyze`."""
        if self.analyze is None or not self.analyze.due(self.clock()):
            return

        def refresh() -> int:
            with self.unit_of_work() as uow:
                uow.refresh_statistics(grown=True)
                uow.commit()
            return 0

        _aside("analyzing the tables that grew", refresh)

    def _retain(self) -> int:
        """Forget what the stores keep no longer (at most once an hour); a failure waits for
        the next hour, and holds up no message."""
        retention = self.retention
        if retention is None:
            return 0
        return _aside("retention", lambda: retention.run(self.clock()))

    def _pull(self) -> int:
        """The platforms tidings asks (a failure is logged and asked again later)."""
        return 0 if self.pulls is None else _aside("pulling the platforms", self.pulls)

    def _keep(self) -> None:
        """Sum the closed days' figures; a failure leaves the report counting them live."""
        keeper = self.keeper
        if keeper is not None:
            _aside("keeping the daily figures", lambda: keeper(self.clock()))

    def _guarded(self, stores: list[str]) -> int:
        """Run `stores`; when that fails, each one alone, so that one store's trouble (a
        database refusing its rows, say) holds up no other store's messages, and a store
        that fails alone is backed off."""
        try:
            done = self.run_stores(stores)
        except Exception:
            if len(stores) == 1:
                self._back_off(stores[0])
                return 0
            return sum(self._guarded([store]) for store in stores)
        for store in stores:
            self.backoffs.pop(store, None)
        return done

    def _back_off(self, store: str) -> None:
        backoff = self.backoffs.get(store, Backoff(0, self.clock())).after(self.clock())
        self.backoffs[store] = backoff
        log.exception(
            "store %s: its events and due messages failed (%d in a row); tried again at %s",
            store, backoff.failures, backoff.until.isoformat(),
        )  # fmt: skip

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
            events = sorted(uow.inbox.take(mine, self.batch), key=event_order)
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


def _aside(what: str, job: Callable[[], int]) -> int:
    """A round's side job (housekeeping, asking platforms): its failure is logged and left to
    a later round, and holds up no message."""
    try:
        return job()
    except Exception:
        log.exception("%s failed", what)
        return 0


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
