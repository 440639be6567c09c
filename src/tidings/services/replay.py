"""`tidings replay`: the engine over a file of events on a virtual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.events import Event
from tidings.services.engine import Engine, event_order
from tidings.services.ports import Sender, UnitOfWork
from tidings.services.world import World

TAIL_WINDOW = timedelta(hours=6)
DEFAULT_TAIL = timedelta(days=30)


@dataclass
class ReplayStats:
    events: int = 0
    duplicates: int = 0
    decided: int = 0
    sent: int = 0
    beyond: int = 0


def replay(
    *,
    events: Sequence[Event],
    until: datetime | None,
    unit_of_work: Callable[[], UnitOfWork],
    engine: Engine,
    sender: Sender,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> ReplayStats:
    """Run every event and every message due up to `until` (default: last event + 30 days)."""
    ordered = sorted(events, key=event_order)
    stats = ReplayStats()
    if not ordered:
        return stats
    end = until or ordered[-1].occurred_at + DEFAULT_TAIL
    kept = [ev for ev in ordered if ev.occurred_at <= end]
    stats.beyond = len(ordered) - len(kept)  # the clock never passes `until`
    run = _Runner(unit_of_work, engine, sender, stats)
    for chunk in chunks(kept, batch):
        run.step(chunk, chunk[-1].occurred_at)
        if progress:
            progress(len(chunk))
    while True:
        with unit_of_work() as uow:
            upcoming = uow.outbox.next_due()
        if upcoming is None or upcoming > end:
            return stats
        run.step([], min(end, upcoming + TAIL_WINDOW))


@dataclass
class _Runner:
    """Batch after batch; replay owns its database, so one World serves them all."""

    unit_of_work: Callable[[], UnitOfWork]
    engine: Engine
    sender: Sender
    stats: ReplayStats
    world: World = field(default_factory=World)

    def step(self, chunk: Sequence[Event], until: datetime) -> None:
        with self.unit_of_work() as uow:
            result = self.engine.run(uow, chunk, until, world=self.world)
            uow.commit()
        for message in result.to_send:
            self.sender.send(message)
        self.stats.events += result.fresh
        self.stats.duplicates += result.duplicates
        self.stats.decided += result.decided
        self.stats.sent += len(result.to_send)


def chunks(ordered: Sequence[Event], size: int) -> Iterator[Sequence[Event]]:
    """Batches of about `size`, cut only where the time changes (ties stay together)."""
    start = 0
    while start < len(ordered):
        end = min(start + size, len(ordered))
        while end < len(ordered) and ordered[end].occurred_at == ordered[end - 1].occurred_at:
            end += 1
        yield ordered[start:end]
        start = end
