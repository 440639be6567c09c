"""Dispatch: decided messages become deliveries, go to their providers, and what came of each
is recorded.

A delivery is claimed (state `sending`, with a lease) in the very transaction that decided its
message, or later by `claim` when its retry time came or its lease ran out. The provider is
called outside any transaction. Every `record_every` tries one transaction records what came
of them, only where this worker still holds the lease; it also renews the lease on the rest of
the batch once half of it has gone, and drops those another worker took meanwhile. A worker
that dies after the provider accepted a message and before recording it is the one way a
message goes out twice: its lease runs out and another worker sends the message again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from tidings.services.ingest import ingest, receipt_event
from tidings.services.ports import Provider, UnitOfWork
from tidings.services.routing import RateLimit, Routes, recipients
from tidings.services.world import World

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
RECORD_TRIES = 3


@dataclass
class Dispatcher:
    providers: Mapping[str, Provider]
    routes: Routes
    unit_of_work: Callable[[], UnitOfWork]
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(seconds=30)
    record_every: int = 10  # outcomes a transaction; 0: all of a batch at once
    limits: Mapping[str, RateLimit] = field(default_factory=dict)
    unsubscribe: Callable[[str, str], str] | None = None  # (base URL, message) -> its URL
    callbacks: Callable[[str, Claim], str | None] | None = None  # (provider, claim) -> URL
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
        provider = self.routes.provider(m.store_id, channel)
        return Claim(
            m.store_id, m.message_id, to, channel, provider, m.body or "", m.decided_at or now,
            m.kind, m.title, m.customer_id, base_url,
        )  # fmt: skip

    def claim(self, now: datetime, limit: int) -> list[Claim]:
        """Deliveries whose retry time came or whose lease ran out, claimed by this worker."""
        with self.unit_of_work() as uow:
            claims = uow.deliveries.claim(now, self.owner, now + self.lease, limit)
            uow.commit()
        return claims

    def deliver(self, claims: Sequence[Claim], clock: Clock | None = None) -> list[Outcome]:
        """Hand each claim to its provider, a group of `record_every` at a time.

        Without a `clock` (replay) each message goes at the time it was decided.
        """
        size = self.record_every or max(1, len(claims))
        renew_at = clock() + self.lease / 2 if clock else None
        done: list[Outcome] = []
        rest = list(claims)
        while rest:
            group, rest = rest[:size], rest[size:]
            self._pace(group, clock)
            outcomes = [self._try(claim, clock) for claim in group]
            renew = renew_at is not None and clock is not None and clock() >= renew_at
            kept = self._record(outcomes, rest if renew else [], clock)
            if renew and clock is not None:
                rest, renew_at = kept, clock() + self.lease / 2
            done += outcomes
        return done

    def _try(self, claim: Claim, clock: Clock | None) -> Outcome:
        at = clock() if clock else claim.decided_at
        provider = self.providers.get(claim.provider)
        if provider is None:
            return Outcome(claim, FAILED, at, error=f"no provider {claim.provider!r} configured")
        resting = self._resting.get(claim.provider)
        if resting is not None and at < resting:  # it just failed: let it rest, untried
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
        if not isinstance(exc, Transient):
            log.warning("provider %s: %s", claim.provider, type(exc).__name__)
        retry = self.policy.next_try(claim.attempts, at)
        error = str(exc) or type(exc).__name__
        if self.policy.expired(claim.decided_at, retry):
            return Outcome(claim, EXPIRED, at, error=error)
        self._resting[claim.provider] = retry
        return Outcome(claim, QUEUED, at, error=error, retry_at=retry)

    def _pace(self, group: Sequence[Claim], clock: Clock | None) -> None:
        """Reserve the group's slots of each provider with a rate, shared by every worker."""
        counts: dict[str, int] = {}
        for claim in group:
            if claim.provider in self.limits:
                counts[claim.provider] = counts.get(claim.provider, 0) + 1
        if not counts or clock is None:
            return
        now = clock()
        with self.unit_of_work() as uow:
            for provider, n in sorted(counts.items()):
                span = timedelta(seconds=n / self.limits[provider].rate)
                start = uow.deliveries.reserve(provider, span, now)
                self.limits[provider].not_before((start - now).total_seconds())
            uow.commit()

    def _record(
        self, outcomes: Sequence[Outcome], renew: Sequence[Claim], clock: Clock | None
    ) -> list[Claim]:
        """Record `outcomes` and what receipts waited for them; renew the lease on `renew`
        and return those still held. Tried again on a database error: a record lost would
        let the messages go twice once the lease ran out."""
        for attempt in range(1, RECORD_TRIES + 1):
            try:
                with self.unit_of_work() as uow:
                    refs = uow.deliveries.record(outcomes, self.owner)
                    self._receipts_for(uow, refs, outcomes)
                    kept = list(renew)
                    if renew and clock is not None:
                        held = uow.deliveries.renew(renew, self.owner, clock() + self.lease)
                        kept = [c for c in renew if c.key in held]
                    uow.commit()
                    return kept
            except Exception:
                log.exception("recording %d outcomes failed (try %d)", len(outcomes), attempt)
        return list(renew)

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
        )

    def rested(self) -> None:
        """Forget which providers failed: a new round tries them all again."""
        self._resting.clear()
