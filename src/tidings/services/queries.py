"""The read side: messages as `tidings replay` prints them, and their summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tidings.domain.messages import Message
from tidings.domain.times import iso, zone


def message_line(message: Message, timezone: str) -> dict[str, Any]:
    """One output object of replay.md, times in the store's zone."""
    tz = zone(timezone)
    return {
        "message_id": message.message_id,
        "store": message.store_id,
        "journey": message.journey,
        "step": message.step,
        "kind": message.kind,
        "channel": message.channel,
        "to": message.recipient,
        "customer_id": message.customer_id,
        "subject": message.subject,
        "status": message.status,
        "reason": message.reason,
        "due_at": iso(message.due_at, tz),
        "decided_at": iso(message.decided_at, tz) if message.decided_at else None,
        "body": message.body,
        "segments": message.segments,
        "cost": message.cost,
    }


@dataclass
class Summary:
    by_journey: Counter[tuple[str, str]] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    segments: int = 0
    cost: Decimal = Decimal(0)

    def add(self, message: Message) -> None:
        self.by_journey[(message.journey, message.status)] += 1
        if message.reason:
            self.by_reason[message.reason] += 1
        if message.status == "sent":
            self.segments += message.segments
            self.cost += Decimal(message.cost)
