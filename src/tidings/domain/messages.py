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
    "template_not_approved",  # the SMS provider takes approved templates only: none for the step
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
    title: str | None = None  # an email's subject
    template: str | None = None  # a template-based provider's call (TemplateCall as JSON)

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
    """An unguessable short-link token for link `name` of a message (keyed by `secret`): 96
    bits, 16 characters (those made before were 48 bits, 8 characters, and still resolve)."""
    digest = hashlib.blake2b(f"{message}\x1f{name}".encode(), key=secret, digest_size=12)
    return base64.urlsafe_b64encode(digest.digest()).decode()


def unsubscribe_token(secret: bytes, message: str) -> str:
    """The token of a message's one-click email unsubscribe link: its id, signed."""
    digest = hashlib.blake2b(f"unsubscribe\x1f{message}".encode(), key=secret, digest_size=9)
    return f"{message}.{base64.urlsafe_b64encode(digest.digest()).decode()}"


def page_key(secret: bytes, path: str) -> str:
    """The key that opens a page tidings serves (a parcel's tracking page): only a message that
    links to it gives it away."""
    digest = hashlib.blake2b(f"page\x1f{path}".encode(), key=secret, digest_size=9)
    return base64.urlsafe_b64encode(digest.digest()).decode()


COUPON_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L look-alikes
COUPON_LENGTH = 10
_CODES = len(COUPON_ALPHABET) ** COUPON_LENGTH  # about 8 * 10^14
_HALF = 25  # bits: a Feistel network over 50-bit numbers, walked down to _CODES


def coupon_code(secret: bytes, store: str, number: int) -> str:
    """The store's `number`-th coupon code: a keyed permutation of the numbers, so that two
    numbers never give one code (unique within the store), the next cannot be guessed
    without `secret`, and a replay gives the same codes."""
    key = hashlib.blake2b(store.encode(), key=secret, digest_size=16).digest()
    value = number % _CODES
    while True:  # cycle-walking: stay a permutation of [0, _CODES)
        value = _feistel(key, value)
        if value < _CODES:
            break
    out = []
    for _ in range(COUPON_LENGTH):
        value, index = divmod(value, len(COUPON_ALPHABET))
        out.append(COUPON_ALPHABET[index])
    return "".join(out)


def _feistel(key: bytes, value: int) -> int:
    mask = (1 << _HALF) - 1
    left, right = value >> _HALF, value & mask
    for round_ in range(4):
        data = round_.to_bytes(1, "big") + right.to_bytes(4, "big")
        mixed = int.from_bytes(hashlib.blake2b(data, key=key, digest_size=4).digest(), "big")
        left, right = right, left ^ (mixed & mask)
    return (left << _HALF) | right
