"""Chat turns and their first replies, found with window functions.

A turn is an inbound message whose previous message in the conversation is outbound, or
that has none. Messages of a conversation are taken in time order, then by event id (as the
engine orders events at one instant). A turn's reply is the first outbound message after it:
between the two there are only inbound ones, which start no turn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import instant, seconds_between
from tidings.domain.scores import Window


def turns(store: str, win: Window, at: datetime) -> Any:
    """The turns starting in `win`, with the first reply known at `at` and its delay:
    columns conversation_id, turn_at, reply_at (null: not answered) and seconds."""
    seq = _sequence(store, win, at)
    first_in_window = or_(
        seq.c.previous == "outbound",
        and_(seq.c.previous.is_(None), _before(store, seq.c.conversation_id, win) != "inbound"),
    )
    return (
        select(
            seq.c.conversation_id,
            seq.c.occurred_at.label("turn_at"),
            seq.c.reply_at,
            seconds_between(seq.c.occurred_at, seq.c.reply_at).label("seconds"),
        )
        .where(seq.c.direction == "inbound", seq.c.occurred_at < instant(win.end), first_in_window)
        .subquery("turns")
    )


def _sequence(store: str, win: Window, at: datetime) -> Any:
    """The messages from the window's start until `at`, each with the direction of the one
    before it in its conversation and the time of the next outbound one after it."""
    c = t.chat_messages.c
    ordering: dict[str, Any] = {
        "partition_by": c.conversation_id,
        "order_by": [c.occurred_at, c.event_id],
    }
    later_outbound = func.min(case((c.direction == "outbound", c.occurred_at)))
    return (
        select(
            c.conversation_id,
            c.direction,
            c.occurred_at,
            func.lag(c.direction).over(**ordering).label("previous"),
            later_outbound.over(**ordering, rows=(1, None)).label("reply_at"),
        )
        .where(
            c.store_id == store,
            c.occurred_at >= instant(win.start),
            c.occurred_at <= instant(at),
        )
        .subquery("seq")
    )


def _before(store: str, conversation: Any, win: Window) -> Any:
    """The direction of the conversation's last message before the window ('' if none)."""
    p = t.chat_messages.alias("p")
    last = (
        select(p.c.direction)
        .where(
            p.c.store_id == store,
            p.c.conversation_id == conversation,
            p.c.occurred_at < instant(win.start),
        )
        .order_by(p.c.occurred_at.desc(), p.c.event_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(last, "")
