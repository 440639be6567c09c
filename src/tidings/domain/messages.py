"""Messages: what a journey step decided for one subject, the outbox row of the database.

The dedupe key is (store, journey, step, subject): a step is decided once per subject.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Kind = Literal["service", "marketing"]
Channel = Literal["sms", "email", "review_reply", "alert"]
PENDING, SENT, SUPPRESSED = "pending", "sent", "suppressed"
REASONS = (
    "condition_cleared",
    "opted_out",
    "no_consent",
    "frequency_cap",
    "budget_exhausted",
    "holdout",
    "invalid_recipient",
)


@dataclass(slots=True)
class Message:
    store_id: str
    message_id: str
    journey: str
    step: str
    subject: str
    kind: str
    channel: str
    started_at: datetime
    due_at: datetime
    run_at: datetime
    customer_id: str | None = None
    recipient: str | None = None
    status: str = PENDING
    reason: str | None = None
    decided_at: datetime | None = None
    body: str | None = None
    segments: int = 0
    cost: str = "0"

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.store_id, self.journey, self.step, self.subject)


def message_id(store: str, journey: str, step: str, subject: str) -> str:
    """A stable id made from the dedupe key: the same step for the same subject, the same id."""
    digest = hashlib.blake2b(
        f"{store}\x1f{journey}\x1f{step}\x1f{subject}".encode(), digest_size=12
    )
    return "msg_" + digest.hexdigest()


def held_out(journey: str, subject: str, share: float) -> bool:
    """Stable holdout: the same journey and subject always land on the same side."""
    if share <= 0:
        return False
    digest = hashlib.blake2b(f"{journey}\x1f{subject}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def link_token(secret: bytes, message: str, name: str) -> str:
    """An unguessable short-link token for link `name` of a message (keyed by `secret`)."""
    digest = hashlib.blake2b(f"{message}\x1f{name}".encode(), key=secret, digest_size=6)
    return base64.urlsafe_b64encode(digest.digest()).decode()


COUPON_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L look-alikes


def coupon_code(secret: bytes, message: str, length: int = 10) -> str:
    """The one-time coupon code a message carries: unguessable without `secret`, the same for
    the same message (replays agree), 31^10 (about 8 * 10^14) codes."""
    digest = hashlib.blake2b(f"coupon\x1f{message}".encode(), key=secret, digest_size=16)
    number = int.from_bytes(digest.digest(), "big")
    out = []
    for _ in range(length):
        number, index = divmod(number, len(COUPON_ALPHABET))
        out.append(COUPON_ALPHABET[index])
    return "".join(out)
