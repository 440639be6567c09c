"""The engine: one batch of events and due messages, in time order, in one unit of work.

`tidings replay` and the live service run this same code; only the clock and the
providers differ. Events at the same instant as a due message come first.

Live, a journey step that was due more than `HISTORY` before the worker takes in its trigger
is not started: the event is history (an imported export, a fact that reached tidings a day
late); it still changes the state, but a reminder about it now would only puzzle the shopper.

A live batch decides for at most `decide_seconds` (each text's render has its own, smaller
budget): the messages still due then wait for the next transaction, so that the writer's
lock is never held long, whatever the sellers' templates do. Replay decides every message.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tidings.domain.delivery import Claim
from tidings.domain.errors import InvalidTemplate
from tidings.domain.events import Event
from tidings.domain.messages import SENT, Message
from tidings.services.decide import Decider
from tidings.services.delivery import Dispatcher
from tidings.services.folding import HANDLED, apply
from tidings.services.loading import load
from tidings.services.ports import UnitOfWork
from tidings.services.provider_templates import TemplateBook
from tidings.services.texts import Texts
from tidings.services.triggers import start_journeys
from tidings.services.world import World

log = logging.getLogger(__name__)
MEND = timedelta(hours=1)  # how long a message whose text does not render waits
DECIDE_SECONDS = 1.0  # a live batch's time for deciding, inside the writer's transaction
HISTORY = timedelta(hours=24)  # a payment reminder's whole window (unpaid orders close at 24 h)


@dataclass
class BatchResult:
    fresh: int = 0
    duplicates: int = 0
    decided: int = 0
    to_send: list[Message] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)  # their deliveries, for the dispatcher
    world: World = field(default_factory=World)
    left: list[Event] | None = None  # replay's batch cut at its `limit`: the events after it


def event_order(ev: Event) -> tuple[datetime, str, str, str]:
    """Sorted arrival: by time, then store and id, so that file order never matters."""
    return (ev.occurred_at, ev.store, ev.id, ev.raw)


@dataclass
class Engine:
    texts: Texts
    dispatcher: Dispatcher | None = None
    decide_seconds: float = DECIDE_SECONDS
    history: timedelta = HISTORY
    timer: Callable[[], float] = time.monotonic

    def run(
        self,
        uow: UnitOfWork,
        events: Sequence[Event],
        until: datetime,
        *,
        now: datetime | None = None,
        world: World | None = None,
        stored: bool = False,
        inclusive: bool = True,
        stores: Sequence[str] | None = None,
        limit: int = 0,
        write_behind: bool = False,
    ) -> BatchResult:
        """Apply `events` and decide every message due by `until`, in time order.

        With `now` (the live clock) messages are decided at `now`; without it (replay)
        each at its own due time. A `world` from the previous batch may be passed on by a
        caller that is the database's only writer (replay): what it holds is not loaded
        again. `stored` events are already in the event log, new and sorted. A batch cut
        inside one instant leaves messages due at `until` itself to the next batch
        (`inclusive=False`), because events at an instant come before its messages. A live
        worker runs one store at a time (`stores`) and at most `limit` due messages a batch.
        Replay's `limit` cuts the batch after its `limit`th due message, in the order they are
        decided, so that a batch's working set stays bounded however many messages one
        instant holds: the events after the cut are `left` for the next batch (with the same
        `until`), which decides the messages due after the cut as this one would have.
        With `write_behind` (the only writer's long-lived `world`) new messages still pending
        stay in the world, unwritten (see `World.keep_back`): the caller writes them before
        it lets the world go.
        """
        result = BatchResult(world=world or World())
        world = result.world
        over = self._over(now is not None)
        if stored:
            fresh, result.fresh = list(events), len(events)
        else:
            fresh = self._fresh(uow, events, now, result)
        due = uow.outbox.due(until, limit=limit, stores=stores)
        if world.unwritten:
            due = sorted(
                [*due, *world.unwritten_due(until)], key=lambda m: (m.run_at, m.message_id)
            )
        cut = None
        if limit and now is None:  # replay: the batch is cut after its `limit`th message
            due, cut = _cut(due, until, inclusive, limit)
        if cut is not None:
            result.left = [ev for ev in fresh if ev.occurred_at > cut[0]]
            fresh = fresh[: len(fresh) - len(result.left)]
            result.fresh = len(fresh)
        about = self.texts.about_customers  # the event types that start a journey about one
        due = load(uow, world, fresh, due, self.texts.cap_window, about_customers=about)
        decider = Decider(self.texts, world, uow.outbox, self._templates(uow))
        queue: list[tuple[datetime, str, int, Message]] = []
        pushes = itertools.count()  # ties in time and id: first queued, first decided

        def schedule(message: Message) -> None:
            if message.status != "pending":
                world.changed(message)
                return
            if message.key not in world.messages or world.messages[message.key] is not message:
                world.add_message(message)
            if message.run_at <= until:
                heapq.heappush(queue, (message.run_at, message.message_id, next(pushes), message))

        for message in due:
            schedule(message)
        since = None if now is None else now - self.history
        for ev in fresh:
            self._drain(queue, decider, schedule, ev.occurred_at, now, result, False, over)
            if apply(ev, world, schedule):
                journeys = self.texts.triggered(world.store(ev.store), ev.type)
                start_journeys(ev, journeys, world, schedule, since=since)
        if cut is None:
            self._drain(queue, decider, schedule, until, now, result, inclusive, over)
        else:
            self._drain(queue, decider, schedule, cut[0], now, result, True, over, cut[1])
        uow.state.save(world)
        receipts = list(world.receipts)
        result.to_send = [m for m in _flush(uow, world, write_behind) if m.status == SENT]
        if self.dispatcher is not None:
            result.claims = self.dispatcher.plan(uow, result.to_send, world, now or until)
        uow.deliveries.apply_receipts(receipts)  # after planning: a receipt may be that fast
        return result

    def _templates(self, uow: UnitOfWork) -> TemplateBook | None:
        """The approved templates, where a store's SMS go through a template-based provider."""
        routes = self.dispatcher.routes if self.dispatcher is not None else None
        return TemplateBook(routes, uow.templates) if routes and routes.templated else None

    def reacts_to(self) -> set[str]:
        """The event types that change state or start a journey; the rest are only stored."""
        journeys = self.texts.catalogue.journeys.values()
        return set(HANDLED).union(*(j.triggers for j in journeys))

    def _over(self, live: bool) -> Callable[[], bool]:
        """Whether a live batch has spent its time for deciding, counted from its first
        decision, so that each batch decides at least one message (replay's is never over)."""
        deadline: list[float] = []

        def over() -> bool:
            if not deadline:
                deadline.append(self.timer() + self.decide_seconds)
                return False
            return self.timer() > deadline[0]

        return over if live else lambda: False

    @staticmethod
    def _fresh(
        uow: UnitOfWork, events: Sequence[Event], received: datetime | None, result: BatchResult
    ) -> list[Event]:
        """Store the batch's events; keep those not seen before, in sorted-arrival order."""
        unique: dict[tuple[str, str], Event] = {}
        for ev in sorted(events, key=event_order):
            unique.setdefault((ev.store, ev.id), ev)
        new = uow.events.add(list(unique.values()), received)
        fresh = [ev for key, ev in unique.items() if key in new]
        result.fresh, result.duplicates = len(fresh), len(events) - len(fresh)
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
        over: Callable[[], bool],
        last: str | None = None,
    ) -> None:
        """Decide the queued messages due before `limit` (or at it, `inclusive`: those whose
        id is `last` or before it, when given), in time order, until `over` says the batch's
        time is spent: the rest stay pending."""
        while queue and (
            queue[0][0] < limit
            or (inclusive and queue[0][0] == limit and (last is None or queue[0][1] <= last))
        ):
            if over():
                return
            run_at, _, _, message = heapq.heappop(queue)
            if message.status != "pending" or message.run_at != run_at:
                continue  # moved or decided since it was queued
            try:
                decided = decider.decide(message, now or run_at)
            except InvalidTemplate as exc:  # the seller's text: the message waits for a mend
                log.warning("%s (%s): %s; tried again in an hour", message.message_id,
                            message.journey, exc)  # fmt: skip
                message.run_at = (now or run_at) + MEND
                decider.forget()
                decider.world.changed(message)
                schedule(message)
                continue
            result.decided += 1
            for again in decided:
                schedule(again)


def _cut(
    due: list[Message], until: datetime, inclusive: bool, limit: int
) -> tuple[list[Message], tuple[datetime, str] | None]:
    """Of `due`, the first `limit` that a replay's batch may decide, and the time and id of
    the last of them; when there are fewer, `due` as it is and no cut."""
    decidable = due if inclusive else [m for m in due if m.run_at < until]
    if len(decidable) < limit:
        return due, None
    last = decidable[limit - 1]
    return decidable[:limit], (last.run_at, last.message_id)


def _flush(uow: UnitOfWork, world: World, write_behind: bool) -> list[Message]:
    """Write what the batch decided; return the messages this unit of work owns."""
    touched = {m.message_id: m for m in world.new_messages}
    touched.update(world.changed_messages)
    written = world.keep_back(touched) if write_behind else list(touched.values())
    owned = uow.outbox.write(written)
    uow.outbox.add_spend(world.spent_delta)
    uow.outbox.add_links(world.links)
    world.end_batch()
    return [m for m in written if m.message_id in owned]
