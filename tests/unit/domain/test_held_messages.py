"""A decided message is held by a batch without its text (messages.held); the outbox leaves
out the same fields in SQL (TEXT_FIELDS), so both must name exactly those."""

from __future__ import annotations

from dataclasses import fields

from tidings.domain.messages import Message


def test_a_held_message_drops_exactly_the_text_fields():
    """`held` and the outbox's SQL (TEXT_FIELDS) must leave out the same fields."""
    from datetime import UTC, datetime

    from tidings.domain.messages import SENT, TEXT_FIELDS, held

    at = datetime(2026, 11, 11, tzinfo=UTC)
    full = Message(
        "s1", "m1", "j", "st", "order:o1", "service", "sms", at, at, at, "c1", "+86139",
        SENT, None, at, "hello", 1, "0.05", "title", "{}",
    )  # fmt: skip
    copy = held(full)
    dropped = {f.name for f in fields(Message) if getattr(copy, f.name) != getattr(full, f.name)}
    assert dropped == set(TEXT_FIELDS)
