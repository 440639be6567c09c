"""Delivery: what a channel provider is handed, what it answers, and how a failed try is retried.

A decided message that goes out becomes one delivery per recipient (an alert: one per merchant
contact). A delivery moves

    sending ─► accepted ─► delivered | failed | undeliverable      (the provider's receipt)
       │  └──► queued (a transient error: tried again later) ─► sending …
       ├──► failed   (a permanent error, with the provider's reason)
       └──► expired  (transient errors until the message was too old to be worth sending)

`sending` is a claim with a lease: a worker that dies while it holds one lets the lease run out,
and another worker takes the delivery again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from tidings.domain.provider_templates import TemplateCall

QUEUED, SENDING, ACCEPTED = "queued", "sending", "accepted"
DELIVERED, FAILED, UNDELIVERABLE, EXPIRED = "delivered", "failed", "undeliverable", "expired"
CLAIMABLE = (QUEUED, SENDING)  # queued when its time comes; sending when its lease ran out
RECEIPT_STATES = (DELIVERED, FAILED, UNDELIVERABLE)
ReceiptStatus = Literal["delivered", "failed", "undeliverable"]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to one recipient, ready for a provider: nothing left to decide."""

    store_id: str
    message_id: str
    channel: str  # "sms", "email", "review_reply"
    to: str  # E.164 phone, email address, or review:<id>
    body: str  # the text as the recipient reads it (for email: the plain-text part)
    sender: str = ""  # SMS source address / sender id, or the email From header
    subject: str = ""  # email only
    html: str | None = None  # email only: the HTML part
    unsubscribe: str | None = None  # email only: the one-click unsubscribe URL (List-Unsubscribe)
    callback: str | None = None  # where the provider may post this message's receipts
    template: TemplateCall | None = None  # a template-based provider's code and values


@dataclass(frozen=True, slots=True)
class Accepted:
    """A provider took the message: its references, one per part of a long SMS."""

    refs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A provider's later word on a message it took (SMPP deliver_sm receipt, a callback)."""

    provider: str
    ref: str  # the provider's reference (one of `Accepted.refs`)
    status: ReceiptStatus
    at: datetime
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """A shopper's SMS to the store's number (SMPP deliver_sm MO, an inbound webhook)."""

    provider: str
    sender: str  # the shopper's phone as the provider gives it
    to: str  # the number or sender id it was sent to
    text: str
    at: datetime
    ref: str = ""  # the provider's id of this reply, when it has one


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery a worker holds (its lease runs until `attempt_at` in storage): one message to
    one recipient through one provider, `attempts` counting this try."""

    store_id: str
    message_id: str
    recipient: str
    channel: str  # the channel of this delivery: "sms", "email" or "review_reply"
    provider: str
    body: str
    decided_at: datetime
    kind: str = "service"
    title: str | None = None
    customer_id: str | None = None
    base_url: str = ""  # the store's, for the links a provider is given
    attempts: int = 1
    template: str | None = None  # a template-based provider's call (TemplateCall as JSON)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.store_id, self.message_id, self.recipient)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one try: accepted (with the provider's refs), queued for `retry_at`,
    failed or expired (with the error)."""

    claim: Claim
    state: str
    at: datetime
    refs: tuple[str, ...] = ()
    error: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Transient errors are tried again after `first`, doubling up to `cap`, until the message
    is older than `max_age` (counted from when it was decided: a message quiet hours held back
    is as fresh as when they ended): then it expires."""

    first: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=10)
    max_age: timedelta = timedelta(hours=6)

    def next_try(self, attempts: int, now: datetime) -> datetime:
        """When to try again after `attempts` failed tries (1 = the first one failed)."""
        delay = self.first * (1 << min(max(0, attempts - 1), 30))
        return now + min(delay, self.cap)

    def expired(self, decided_at: datetime, when: datetime) -> bool:
        """Is a message decided at `decided_at` too old to be sent at `when`?"""
        return when - decided_at > self.max_age


def mask(address: str | None) -> str:
    """A phone or email fit for a log line: `+86138****8001`, `em***@mail.example`."""
    if not address:
        return "-"
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:2]}***@{domain}"
    tail = 4 if len(address) >= 12 else 2  # at least four characters are hidden
    head = max(1, min(6, len(address) - tail - 4))
    return f"{address[:head]}****{address[-tail:]}"
