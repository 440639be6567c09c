"""Dispatch: decided messages become deliveries, go to their providers, and what came of each
is recorded.

A delivery is claimed (state `sending`, with a lease) in the very transaction that decided its
message, or later by `claim` when its retry time came or its lease ran out. The provider is
called outside any transaction. On a real clock a recorder of its own writes what came of each
try while the next messages go out: what came back goes in one transaction once the sender
waits on it or nothing more came for `RECORD_QUIET`, and at most `in_flight` tries are ever
handed over and not yet recorded. Recording keeps pace at any rate: the faster messages go,
the more each transaction takes. Once half the lease has gone, the lease is renewed on the
rest of the batch, and those another worker took meanwhile are dropped. A worker that dies
after a provider accepted a message and before that was recorded is the one way a message goes
out twice (its lease runs out and another worker sends it again): at most the `in_flight`
messages of that moment.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from tidings.domain import relay
from tidings.domain.delivery import (
    ACCEPTED,
    EXPIRED,
    FAILED,
    QUEUED,
    Claim,
    Outcome,
    Outgoing,
    RetryPolicy,
    mask,
)
from tidings.domain.errors import Permanent, Transient
from tidings.domain.messages import Message
from tidings.domain.provider_templates import TemplateCall
from tidings.services.ingest import ingest, receipt_event
from tidings.services.ports import Provider, UnitOfWork
from tidings.services.routing import RateLimit, Routes, recipients
from tidings.services.world import World

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
RECORD_FIRST_WAIT = 0.1  # seconds before a failed record is tried again (then doubling)
RECORD_QUIET = 0.002  # seconds with no new outcome, after which those that came are recorded
PACED_TOGETHER = 10  # tries whose slots of a rate-limited provider are reserved at once


@dataclass
class Dispatcher:
    providers: Mapping[str, Provider]
    routes: Routes
    unit_of_work: Callable[[], UnitOfWork]
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(seconds=30)
    in_flight: int = 10  # tries handed over and not yet recorded, at most (a real clock)
    limits: Mapping[str, RateLimit] = field(default_factory=dict)
    unsubscribe: Callable[[str, str], str] | None = None  # (base URL, message) -> its URL
    callbacks: Callable[[str, Claim], str | None] | None = None  # (provider, claim) -> URL
    pause: Callable[[float], None] = time.sleep  # between tries to record outcomes
    _resting: dict[str, datetime] = field(default_factory=dict)

    def plan(
        self, uow: UnitOfWork, messages: Sequence[Message], world: World, now: datetime
    ) -> list[Claim]:
        """The deliveries of messages just decided `sent`, claimed by this worker in `uow`."""
        claims = [
            self._claim(m, channel, recipient, world.store(m.store_id).base_url, now)
            for m in messages
            for channel, recipient in recipients(m, world.store(m.store_id))
        ]
        uow.deliveries.add(claims, self.owner, now + self.lease)
        return claims

    def _claim(self, m: Message, channel: str, to: str, base_url: str, now: datetime) -> Claim:
        provider = self.routes.provider(m.store_id, relay.route(to, channel))
        return Claim(
            m.store_id, m.message_id, to, channel, provider, m.body or "", m.decided_at or now,
            m.kind, m.title, m.customer_id, base_url,
            template=m.template if channel == m.channel else None,
        )  # fmt: skip

    def claim(self, now: datetime, limit: int) -> list[Claim]:
        """Deliveries whose retry time came or whose lease ran out, claimed by this worker."""
        with self.unit_of_work() as uow:
            claims = uow.deliveries.claim(now, self.owner, now + self.lease, limit)
            uow.commit()
        return claims

    def deliver(self, claims: Sequence[Claim], clock: Clock | None = None) -> list[Outcome]:
        """Hand each claim to its provider and record what came of it.

        Without a `clock` (replay) each message goes at the time it was decided, and all are
        recorded together.
        """
        if clock is None:
            done = [self._try(claim, None) for claim in claims]
            self._record(done)
        else:
            done = self._deliver_live(claims, clock)
        self._defer(done)
        return done

    def _defer(self, done: Sequence[Outcome]) -> None:
        """The whole backlog of a provider that failed now waits for its next try, so that
        when it is back its messages go in the order they were decided (each one's own
        backoff would send a young message before an old one)."""
        failed = {o.claim.provider for o in done if o.state == QUEUED}
        resting = sorted((p, at) for p, at in self._resting.items() if p in failed)
        if not resting:
            return
        try:
            with self.unit_of_work() as uow:
                for provider, until in resting:
                    uow.deliveries.defer(provider, until)
                uow.commit()
        except Exception:  # each delivery keeps its own retry time
            log.exception("deferring the backlog of %s failed", [p for p, _ in resting])

    def _deliver_live(self, claims: Sequence[Claim], clock: Clock) -> list[Outcome]:
        renew_at = clock() + self.lease / 2
        done: list[Outcome] = []
        queue, paced = deque(claims), 0  # paced: tries whose provider slots are reserved
        with Recorder(self._record, self.in_flight) as recorder, _Hands(self._widest()) as hands:
            while queue:
                if not paced:
                    paced = self._pace(list(islice(queue, PACED_TOGETHER)), clock)
                recorder.wait_for_room()
                claim = queue.popleft()
                hands.run(self._hand, self._concurrent(claim), claim, clock, recorder, done)
                paced -= 1
                if queue and clock() >= renew_at:
                    recorder.flush()
                    queue = deque(self._renew(list(queue), clock))
                    paced, renew_at = min(paced, len(queue)), clock() + self.lease / 2
            hands.wait()
        return done

    def _hand(self, claim: Claim, clock: Clock, recorder: Recorder, done: list[Outcome]) -> None:
        outcome = self._try(claim, clock)
        recorder.put(outcome)
        done.append(outcome)

    def _concurrent(self, claim: Claim) -> bool:
        """Whether the claim's provider takes several sends at once (an SMPP window)."""
        return getattr(self.providers.get(claim.provider), "concurrent", 1) > 1

    def _widest(self) -> int:
        """Threads worth having: as many tries as may be in flight, when a provider takes
        several at once; none when every provider takes one at a time."""
        most = max((getattr(p, "concurrent", 1) for p in self.providers.values()), default=1)
        return min(most, self.in_flight) if most > 1 else 0

    def _try(self, claim: Claim, clock: Clock | None) -> Outcome:
        at = clock() if clock else claim.decided_at
        provider = self.providers.get(claim.provider)
        if provider is None:
            return Outcome(claim, FAILED, at, error=f"no provider {claim.provider!r} configured")
        resting = self._resting.get(claim.provider)
        if resting is not None and at < resting:  # it just failed: let it rest, untried
            if self.policy.expired(claim.decided_at, resting):  # and too old by then
                return Outcome(claim, EXPIRED, at, error="provider resting")
            return Outcome(claim, QUEUED, at, error="provider resting", retry_at=resting)
        try:
            if claim.provider in self.limits:
                self.limits[claim.provider].wait()
            accepted = provider.send(self._outgoing(claim))
        except Permanent as exc:
            log.info("%s to %s failed: %s", claim.message_id, mask(claim.recipient), exc)
            return Outcome(claim, FAILED, at, error=str(exc))
        except Exception as exc:  # Transient, or a provider's own failure: try again later
            return self._later(claim, at, exc)
        return Outcome(claim, ACCEPTED, clock() if clock else at, refs=accepted.refs)

    def _later(self, claim: Claim, at: datetime, exc: Exception) -> Outcome:
        """A transient refusal (or a provider's own failure): tried again later. The one place
        a refusal is logged; the providers' adapters raise it and say nothing."""
        if not isinstance(exc, Transient):
            log.warning("provider %s: %s", claim.provider, type(exc).__name__)
        retry = self.policy.next_try(claim.attempts, at)
        error = str(exc) or type(exc).__name__
        log.info("%s to %s deferred: %s", claim.message_id, mask(claim.recipient), error)
        if self.policy.expired(claim.decided_at, retry):
            return Outcome(claim, EXPIRED, at, error=error)
        self._resting[claim.provider] = retry
        return Outcome(claim, QUEUED, at, error=error, retry_at=retry)

    def _pace(self, group: Sequence[Claim], clock: Clock) -> int:
        """Reserve the group's slots of each provider with a rate, shared by every worker;
        how many tries the group is."""
        counts: dict[str, int] = {}
        for claim in group:
            if claim.provider in self.limits:
                counts[claim.provider] = counts.get(claim.provider, 0) + 1
        if not counts:
            return len(group)
        now = clock()
        with self.unit_of_work() as uow:
            for provider, n in sorted(counts.items()):
                span = timedelta(seconds=n / self.limits[provider].rate)
                start = uow.deliveries.reserve(provider, span, now)
                self.limits[provider].not_before((start - now).total_seconds())
            uow.commit()
        return len(group)

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        """Record `outcomes` and what receipts waited for them. Tried again on a database
        error, waiting twice as long each time (a database restarting takes seconds), until
        half the lease is gone: a record lost lets the messages go twice once it runs out."""
        wait, waited, attempt = RECORD_FIRST_WAIT, 0.0, 0
        while True:
            attempt += 1
            try:
                with self.unit_of_work() as uow:
                    refs = uow.deliveries.record(outcomes, self.owner)
                    self._receipts_for(uow, refs, outcomes)
                    uow.commit()
                    return
            except Exception:
                log.exception("recording %d outcomes failed (try %d)", len(outcomes), attempt)
            if waited + wait > self.lease.total_seconds() / 2:
                log.error("%d outcomes not recorded: they may go again", len(outcomes))
                return
            self.pause(wait)
            waited, wait = waited + wait, wait * 2

    def _renew(self, claims: Sequence[Claim], clock: Clock) -> list[Claim]:
        """Renew the lease on `claims`; those this worker still holds."""
        try:
            with self.unit_of_work() as uow:
                held = uow.deliveries.renew(claims, self.owner, clock() + self.lease)
                uow.commit()
        except Exception:
            log.exception("renewing the lease of %d deliveries failed", len(claims))
            return list(claims)
        return [c for c in claims if c.key in held]

    def _receipts_for(
        self, uow: UnitOfWork, refs: Sequence[tuple[str, str]], outcomes: Sequence[Outcome]
    ) -> None:
        """Receipts that came before their acceptance was recorded, as the events they are."""
        waiting = uow.deliveries.waiting(refs)
        if not waiting:
            return
        owner = {(o.claim.provider, ref): o.claim for o in outcomes for ref in o.refs}
        events = []
        for receipt in waiting:
            claim = owner[(receipt.provider, receipt.ref)]
            events.append(receipt_event(receipt, claim.store_id, claim.message_id))
        ingest(uow, events, waiting[-1].at)

    def _outgoing(self, claim: Claim) -> Outgoing:
        email = claim.channel == "email"
        unsubscribe = None
        if email and claim.kind == "marketing" and self.unsubscribe is not None:
            unsubscribe = self.unsubscribe(claim.base_url, claim.message_id)
        return Outgoing(
            claim.store_id,
            claim.message_id,
            claim.channel,
            claim.recipient,
            claim.body,
            sender=self.routes.sender(claim.store_id, claim.channel),
            subject=(claim.title or "") if email else "",
            unsubscribe=unsubscribe,
            callback=self.callbacks(claim.provider, claim) if self.callbacks else None,
            template=TemplateCall.from_json(claim.template) if claim.template else None,
        )

    def rested(self) -> None:
        """Forget which providers failed: a new round tries them all again."""
        self._resting.clear()


class Recorder:
    """Records outcomes in a thread of its own, in the order they came; `wait_for_room` holds
    the sender back while `window` outcomes are handed over and not yet recorded.

    Outcomes are gathered into one transaction while more keep coming: they go once the sender
    waits (for room, or for all to be recorded), or when none came for `RECORD_QUIET`. A fast
    provider's window goes in one transaction; a slow or paced provider's acceptance is
    recorded moments after it came, as unrecorded acceptances are what a killed worker sends
    twice. (Recording whatever had come as soon as anything came wrote half a window a
    transaction, and a transaction's round trips, not its rows, were what a fast provider's
    sending waited on.)"""

    def __init__(self, record: Callable[[list[Outcome]], None], window: int) -> None:
        self._record, self.window = record, max(1, window)
        self._pending: list[Outcome] = []
        self._last_at = 0.0  # when the newest pending outcome came (time.monotonic)
        self._open = 0  # tries begun (room taken) and not yet recorded
        self._held = False  # the sender waits on the recorder
        self._closing = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join()

    def wait_for_room(self) -> None:
        with self._changed:
            self._wait_until(lambda: self._open < self.window)
            self._open += 1

    def put(self, outcome: Outcome) -> None:
        with self._changed:
            self._last_at = time.monotonic()
            self._pending.append(outcome)
            self._changed.notify_all()

    def flush(self) -> None:
        """Wait until every outcome put is recorded."""
        with self._changed:
            self._wait_until(lambda: self._open == 0)

    def _wait_until(self, done: Callable[[], bool]) -> None:
        """The sender waits (the lock held) until `done`; meanwhile the recorder need not."""
        if done():
            return
        self._held = True
        self._changed.notify_all()
        self._changed.wait_for(done)
        self._held = False

    def _gathered(self) -> bool:
        """Whether the pending outcomes go now (the lock held); else how long they may wait
        is waited, or less if something changes."""
        if not self._pending:
            return self._closing
        if self._held or self._closing:
            return True
        left = self._last_at + RECORD_QUIET - time.monotonic()
        if left <= 0:
            return True
        self._changed.wait(left)
        return False

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._gathered():
                    if not self._pending:
                        self._changed.wait()
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            self._record(batch)
            with self._changed:
                self._open -= len(batch)
                self._changed.notify_all()


class _Hands:
    """Threads that hand tries to providers taking several at once; a try for any other
    provider runs in the caller's thread, one after another."""

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(threads, "hand") if threads else None
        self._running: list[Future[None]] = []

    def __enter__(self) -> _Hands:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def run(self, work: Callable[..., None], concurrent: bool, *args: object) -> None:
        if concurrent and self._pool is not None:
            self._running = [f for f in self._running if not f.done()]
            self._running.append(self._pool.submit(work, *args))
            return
        work(*args)

    def wait(self) -> None:
        for future in self._running:
            future.result()
        self._running.clear()
