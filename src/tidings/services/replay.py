"""`tidings replay`: the engine over a file of events on a virtual clock.

Events that come in sorted-arrival order (a reader proved it can sort them) are stored and
run in one pass, batch after batch, each batch in one transaction. Any others take two
passes, so that a file of any size runs in bounded memory: first every event is stored
(marked with this run), then the engine takes the run's events back from the event log in
sorted-arrival order. Either way the clock then runs on to `until`.

One World serves the batches and keeps new messages back while they are pending (write
behind): each is written once, decided, or when the replay ends; when it keeps back more than
a third of `WORLD_LIMIT`, those due last are written at once, down to a sixth (a big day's
review requests and campaigns, due days later). When the World grows past `WORLD_LIMIT` it
keeps what the latest batches asked for (half the limit) and the messages it keeps back, and
drops the rest: that is stored, and loaded again when asked for. A step decides at most
`STEP_MESSAGES` due messages: an instant that holds more (a morning's deferred reminders, a
campaign) takes several steps, so that what one step loads stays bounded as days grow.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, cast

from tidings.domain.delivery import Claim
from tidings.domain.events import Event, EventRecord
from tidings.services.delivery import Dispatcher
from tidings.services.engine import Engine
from tidings.services.ports import UnitOfWork
from tidings.services.world import World

TAIL_WINDOW = timedelta(hours=6)
DEFAULT_TAIL = timedelta(days=30)
WORLD_LIMIT = 150_000  # things a World holds (mostly messages, under 1 KB) before it shrinks
STEP_MESSAGES = 20_000  # due messages a step decides at most (one instant may take several)
STORE_CHUNK = 20_000  # events parsed and stored a transaction in the first pass
Progress = Callable[[str, int], None]


@dataclass
class ReplayStats:
    events: int = 0
    duplicates: int = 0
    decided: int = 0
    sent: int = 0
    beyond: int = 0
    stores: set[str] = field(default_factory=set)


def replay(
    *,
    events: Iterable[Event | EventRecord],
    until: datetime | None,
    unit_of_work: Callable[[], UnitOfWork],
    engine: Engine,
    dispatcher: Dispatcher,
    batch: int = 2000,
    progress: Progress | None = None,
    ordered: bool = False,
    give_back: Callable[[], None] = lambda: None,
) -> ReplayStats:
    """Run every event and every message due up to `until` (default: last event + 30 days).

    `ordered`: the events come in sorted-arrival order, duplicates after their first. A
    list is put in that order here. `give_back` returns the memory a step freed to the system
    (the World a step lets go of is freed in the middle of the heap).
    """
    stats = ReplayStats()
    runner = _Runner(unit_of_work, engine, dispatcher, stats, give_back)
    if isinstance(events, Sequence) and not ordered:
        events, ordered = in_order(events), True
    if ordered:
        last = _one_pass(cast(Iterable[Event], events), until, runner, batch, progress)
    else:
        last = _two_passes(events, until, runner, batch, progress)
    if last is not None:
        _tail(runner, unit_of_work, until or last + DEFAULT_TAIL)
    with unit_of_work() as uow:
        runner.let_go(uow)
        uow.commit()
    return stats


def in_order(events: Sequence[Event | EventRecord]) -> list[Event | EventRecord]:
    """`events` in sorted-arrival order; of two with the same store and id, the first."""
    unique: dict[tuple[str, str], Event | EventRecord] = {}
    for ev in events:
        unique.setdefault((ev.store, ev.id), ev)
    return sorted(unique.values(), key=lambda ev: (ev.occurred_at, ev.store, ev.id))


def _one_pass(
    events: Iterable[Event],
    until: datetime | None,
    runner: _Runner,
    batch: int,
    progress: Progress | None,
) -> datetime | None:
    """Store and run each batch of sorted events in one transaction; the last event's time."""
    stats, types = runner.stats, runner.engine.reacts_to()
    last: datetime | None = None
    for number, chunk in enumerate(_spans(events, batch, TAIL_WINDOW), start=1):
        with runner.unit_of_work() as uow:
            new = uow.events.add(chunk, None, None)
            fresh = []
            for ev in chunk:  # a second line of one id in the batch is a duplicate too
                if (ev.store, ev.id) in new:
                    new.discard((ev.store, ev.id))
                    fresh.append(ev)
            stats.events += len(fresh)
            stats.duplicates += len(chunk) - len(fresh)
            stats.stores.update(ev.store for ev in chunk)
            if fresh:
                last = fresh[-1].occurred_at
            clock = chunk[-1].occurred_at
            if until is not None and clock > until:
                stats.beyond += sum(1 for ev in fresh if ev.occurred_at > until)
                fresh, clock = [ev for ev in fresh if ev.occurred_at <= until], until
            run = [ev for ev in fresh if ev.type in types]
            claims = runner.step(run, clock, inclusive=False, uow=uow)
        runner.dispatcher.deliver(claims)  # its transaction over: one connection at a time
        runner.go_on(clock, inclusive=False)
        if number & (number - 1) == 0:  # after batches 1, 2, 4, 8 …: as the tables double
            with runner.unit_of_work() as uow:
                uow.refresh_statistics()
                uow.commit()
        if progress:
            progress("replaying", len(chunk))
    return last


def _two_passes(
    events: Iterable[Event | EventRecord],
    until: datetime | None,
    runner: _Runner,
    batch: int,
    progress: Progress | None,
) -> datetime | None:
    """Store every event, then run the stored ones back in sorted-arrival order."""
    stats, unit_of_work = runner.stats, runner.unit_of_work
    run = uuid.uuid4().hex[:12]
    last = _store(events, run, unit_of_work, stats, progress)
    if last is None:
        return None
    end = until or last + DEFAULT_TAIL
    types = runner.engine.reacts_to()
    after: tuple[datetime, str, str] | None = None
    while True:
        with unit_of_work() as uow:
            page = uow.events.of_run(run, after, batch, end, types)
        if not page:
            break
        runner.step(page, page[-1].occurred_at, inclusive=False)
        after = (page[-1].occurred_at, page[-1].store, page[-1].id)
        if progress:
            progress("replaying", len(page))
    with unit_of_work() as uow:
        stats.beyond = uow.events.count_after(run, end)  # the clock never passes `until`
    return last


def _store(
    events: Iterable[Event | EventRecord],
    run: str,
    unit_of_work: Callable[[], UnitOfWork],
    stats: ReplayStats,
    progress: Progress | None,
) -> datetime | None:
    """First pass: keep every new event in the event log; the latest time among them."""
    last: datetime | None = None
    for chunk in _chunks(events, STORE_CHUNK):
        with unit_of_work() as uow:
            new = uow.events.add(chunk, None, run)
            uow.commit()
        stats.events += len(new)
        stats.duplicates += len(chunk) - len(new)
        for ev in chunk:
            stats.stores.add(ev.store)
            if (ev.store, ev.id) in new and (last is None or ev.occurred_at > last):
                last = ev.occurred_at
        if progress:
            progress("storing", len(chunk))
    return last


def _tail(runner: _Runner, unit_of_work: Callable[[], UnitOfWork], end: datetime) -> None:
    """Run the clock on to `end` through every message still due, `TAIL_WINDOW` at a time."""
    while True:
        with unit_of_work() as uow:
            stored = uow.outbox.next_due()
        kept = runner.world.next_unwritten()
        upcoming = min((t for t in (stored, kept) if t is not None), default=None)
        if upcoming is None or upcoming > end:
            return
        runner.step([], min(end, upcoming + TAIL_WINDOW))


def _spans(events: Iterable[Event], size: int, span: timedelta) -> Iterator[list[Event]]:
    """Sorted events in batches of at most `size` events and `span` of time: a batch also
    decides every message due in its time, and a quiet week of events would bring them all."""
    chunk: list[Event] = []
    for ev in events:
        if chunk and (len(chunk) == size or ev.occurred_at - chunk[0].occurred_at > span):
            yield chunk
            chunk = []
        chunk.append(ev)
    if chunk:
        yield chunk


def _chunks(events: Iterable[Any], size: int) -> Iterator[list[Any]]:
    source = iter(events)
    while chunk := list(islice(source, size)):
        yield chunk


@dataclass
class _Runner:
    """Batch after batch; replay owns its database, so one World serves them all."""

    unit_of_work: Callable[[], UnitOfWork]
    engine: Engine
    dispatcher: Dispatcher
    stats: ReplayStats
    give_back: Callable[[], None]
    world: World = field(default_factory=World)
    left: list[Event] | None = None  # what a step cut at `STEP_MESSAGES` left to run

    def step(
        self,
        chunk: Sequence[Event],
        until: datetime,
        *,
        inclusive: bool = True,
        uow: UnitOfWork | None = None,
    ) -> list[Claim]:
        """Run the stored events of `chunk` and what falls due up to `until`, in steps of at
        most `STEP_MESSAGES` due messages. In units of work of their own, each step's decided
        messages delivered after it (the virtual clock: each goes when decided); in `uow`,
        the first step, whose claims the caller delivers once that unit of work is over
        before it runs the rest (`go_on`)."""
        if uow is None:
            self.left = list(chunk)
            self.go_on(until, inclusive=inclusive)
            return []
        result = self.engine.run(
            uow, chunk, until, world=self.world, stored=True, inclusive=inclusive,
            write_behind=True, limit=STEP_MESSAGES,
        )  # fmt: skip
        self.left = result.left
        if len(self.world.unwritten) > WORLD_LIMIT // 3:  # the latest due are written now
            uow.outbox.write(self.world.write_out(len(self.world.unwritten) - WORLD_LIMIT // 6))
        if self.world.size() > WORLD_LIMIT:
            self.world = self.world.shrunk(WORLD_LIMIT // 2)
        uow.commit()
        self.give_back()
        self.stats.decided += result.decided
        self.stats.sent += len(result.to_send)
        return result.claims

    def go_on(self, until: datetime, *, inclusive: bool) -> None:
        """Run `left` (a chunk not run yet, or what a step left after its cut) in steps of
        their own, each one's claims delivered after it."""
        while self.left is not None:
            with self.unit_of_work() as uow:
                claims = self.step(self.left, until, inclusive=inclusive, uow=uow)
            self.dispatcher.deliver(claims)

    def let_go(self, uow: UnitOfWork) -> None:
        """Write what the World kept back (the replay is over), and start a new one."""
        uow.outbox.write(self.world.let_go())
        self.world = World()
