"""Dispatch: decided messages become deliveries, go to their providers, and what came of each
is recorded.

A delivery is claimed (state `sending`, with a lease) in the very transaction that decided its
message, or later by `claim` when its retry time came or its lease ran out. The provider is
called outside any transaction; what it answered is recorded in small groups, and only where
this worker still holds the lease. A worker that dies after the provider accepted a message
and before recording it is the one way a message goes out twice: its lease runs out and
another worker sends the message again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from tidings.domain.state import Store
from tidings.services.phones import to_e164
from tidings.services.ports import Provider, UnitOfWork
from tidings.services.world import World

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Routes:
    """Which provider carries each channel of a store, and the sender it shows."""

    default: Mapping[str, str] = field(default_factory=dict)  # channel -> provider
    stores: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    senders: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # store -> channel

    def provider(self, store: str, channel: str) -> str:
        return self.stores.get(store, {}).get(channel) or self.default.get(channel) or "file"

    def sender(self, store: str, channel: str) -> str:
        return self.senders.get(store, {}).get(channel, "")

    def stores_of(self, provider: str, known: Sequence[str]) -> list[str]:
        """The stores among `known` whose SMS go through `provider`."""
        return [s for s in known if self.provider(s, "sms") == provider]


@dataclass
class RateLimit:
    """At most `rate` messages a second (a token bucket one message deep)."""

    rate: float
    monotonic: Callable[[], float]
    sleep: Callable[[float], None]
    _next: float = 0.0

    def wait(self) -> None:
        now = self.monotonic()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 1 / self.rate


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
    unsubscribe: Callable[[str], str] | None = None  # message id -> its unsubscribe URL
    callbacks: Callable[[str, Claim], str | None] | None = None  # (provider, claim) -> URL
    _resting: dict[str, datetime] = field(default_factory=dict)

    def plan(
        self, uow: UnitOfWork, messages: Sequence[Message], world: World, now: datetime
    ) -> list[Claim]:
        """The deliveries of messages just decided `sent`, claimed by this worker in `uow`."""
        claims = [
            self._claim(m, channel, recipient, now)
            for m in messages
            for channel, recipient in _recipients(m, world.store(m.store_id))
        ]
        uow.deliveries.add(claims, self.owner, now + self.lease)
        return claims

    def _claim(self, m: Message, channel: str, recipient: str, now: datetime) -> Claim:
        provider = self.routes.provider(m.store_id, channel)
        return Claim(
            m.store_id, m.message_id, recipient, channel, provider, m.body or "", m.due_at,
            m.decided_at or now, m.kind, m.title, m.customer_id,
        )  # fmt: skip

    def claim(self, now: datetime, limit: int) -> list[Claim]:
        """Deliveries whose retry time came or whose lease ran out, claimed by this worker."""
        with self.unit_of_work() as uow:
            claims = uow.deliveries.claim(now, self.owner, now + self.lease, limit)
            uow.commit()
        return claims

    def deliver(self, claims: Sequence[Claim], clock: Clock | None = None) -> list[Outcome]:
        """Hand each claim to its provider, recording outcomes every `record_every`.

        Without a `clock` (replay) each message goes at the time it was decided.
        """
        done: list[Outcome] = []
        group: list[Outcome] = []
        for claim in claims:
            group.append(self._try(claim, clock))
            if self.record_every and len(group) >= self.record_every:
                self._record(group)
                done, group = done + group, []
        self._record(group)
        return done + group

    def _try(self, claim: Claim, clock: Clock | None) -> Outcome:
        at = clock() if clock else claim.decided_at
        provider = self.providers.get(claim.provider)
        if provider is None:
            return Outcome(claim, FAILED, at, error=f"no provider {claim.provider!r} configured")
        resting = self._resting.get(claim.provider)
        if resting is not None and at < resting:  # it just failed: let it rest, untried
            return Outcome(claim, QUEUED, at, error="provider resting", retry_at=resting)
        if claim.provider in self.limits:
            self.limits[claim.provider].wait()
        try:
            accepted = provider.send(self._outgoing(claim))
        except Permanent as exc:
            log.info("%s to %s failed: %s", claim.message_id, mask(claim.recipient), exc)
            return Outcome(claim, FAILED, at, error=str(exc))
        except Exception as exc:  # Transient, or a provider's own failure: try again later
            return self._later(claim, at, exc)
        return Outcome(claim, ACCEPTED, clock() if clock else at, refs=accepted.refs)

    def _later(self, claim: Claim, at: datetime, exc: Exception) -> Outcome:
        if not isinstance(exc, Transient):
            log.warning("provider %s: %r", claim.provider, exc)
        retry = self.policy.next_try(claim.attempts, at)
        error = str(exc) or type(exc).__name__
        if self.policy.expired(claim.due_at, retry):
            return Outcome(claim, EXPIRED, at, error=error)
        self._resting[claim.provider] = retry
        return Outcome(claim, QUEUED, at, error=error, retry_at=retry)

    def _record(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        with self.unit_of_work() as uow:
            uow.deliveries.record(outcomes, self.owner)
            uow.commit()

    def _outgoing(self, claim: Claim) -> Outgoing:
        email = claim.channel == "email"
        unsubscribe = None
        if email and claim.kind == "marketing" and self.unsubscribe is not None:
            unsubscribe = self.unsubscribe(claim.message_id)
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


def _recipients(message: Message, store: Store) -> Iterator[tuple[str, str]]:
    """(channel, recipient) of each delivery of a message: an alert goes to every merchant
    contact, by SMS and by email; any other message to its own recipient."""
    if message.channel != "alert":
        if message.recipient:
            yield message.channel, message.recipient
        return
    for contact in store.merchant_contacts:
        phone = to_e164(contact.get("phone"), store.default_region)
        if phone:
            yield "sms", phone
        if contact.get("email"):
            yield "email", str(contact["email"])
