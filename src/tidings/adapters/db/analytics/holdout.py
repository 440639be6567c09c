"""Treated and held-back subjects of a journey, and how many of each reached its outcome.

A subject's first message of the journey (earliest due, then id) decides its arm (`_arm`):
held back when suppressed for `holdout`, treated when it passed the checks that come before
the holdout, neither when it did not (the reason was gone, no consent, opted out, no valid
number when it was decided). The subject counts in the period its first message was *due*
in: both arms may be decided only when quiet hours end, the next day. Each outcome is
measured the same way in both arms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import (
    count_if,
    id_of,
    instant,
    journeys,
    paid_at,
    seconds_between,
)
from tidings.adapters.db.plans import unindexed
from tidings.domain.uplift import Arm

DAY_SECONDS = 86_400
LATEST = timedelta(days=2)  # the longest quiet hours defer a message (they span under a day)


def arms(
    conn: Connection, store: str, journey: str, outcome: str, start: datetime, end: datetime
) -> tuple[Arm, Arm]:
    first = _firsts(store, journey, start, end)
    reached = OUTCOMES[outcome](store, first)
    query = select(first.c.arm, func.count(), count_if(reached)).group_by(first.c.arm)
    found = {arm: Arm(int(n), int(x)) for arm, n, x in conn.execute(query)}
    return found.get("treated", Arm(0, 0)), found.get("held", Arm(0, 0))


def held_back(conn: Connection, store: str, start: datetime, end: datetime) -> list[str]:
    """The journeys with a subject held back whose message was due in the period."""
    m = t.messages.c
    query = (
        select(m.journey)
        .distinct()
        .where(
            m.store_id == store,
            m.journey.in_(journeys(store)),  # the journey index holds every column asked
            m.decided_at >= instant(start),
            m.decided_at < instant(end + LATEST),
            m.due_at >= instant(start),
            m.due_at < instant(end),
            m.status == "suppressed",
            m.reason == "holdout",
        )
    )
    return sorted(conn.execute(query).scalars())


def _arm(m: Any) -> Any:
    """Which arm a subject's first message puts it in (null: neither).

    The engine holds a subject back at the moment its message would go: after the journey's
    reason, consent, the recipient and quiet hours were checked, before the caps and the
    budget. So the treated arm is every subject that passed those same checks: sent, or
    stopped only later by a cap or the budget.
    """
    c = m.c
    return case(
        (and_(c.status == "suppressed", c.reason == "holdout"), "held"),
        (c.status == "sent", "treated"),
        (c.reason.in_(("frequency_cap", "budget_exhausted")), "treated"),
    )


def _firsts(store: str, journey: str, start: datetime, end: datetime) -> Any:
    m, p = t.messages.alias("m"), t.messages.alias("p")
    decided = (
        select(
            m.c.subject,
            m.c.step,
            m.c.customer_id,
            m.c.due_at,
            m.c.message_id,
            _arm(m).label("arm"),
        )
        .where(
            m.c.store_id == store,
            m.c.journey == journey,
            m.c.decided_at >= instant(start),  # the index's range: due in the period, and
            m.c.decided_at < instant(end + LATEST),  # decided then or after quiet hours
            unindexed(m.c.due_at) >= instant(start),
            unindexed(m.c.due_at) < instant(end),
            m.c.status != "pending",
        )
        .subquery("decided")
    )
    earlier = exists().where(  # the subject has an earlier message of the journey
        p.c.store_id == store,
        p.c.subject == decided.c.subject,
        p.c.journey == journey,
        p.c.step != decided.c.step,  # another step (read from the index: most have none)
        p.c.status != "pending",
        or_(  # the subject's key leads (an index range on due_at would read every message)
            unindexed(p.c.due_at) < decided.c.due_at,
            and_(
                unindexed(p.c.due_at) == decided.c.due_at,
                unindexed(p.c.message_id) < decided.c.message_id,
            ),
        ),
    )
    return select(decided).where(decided.c.arm.is_not(None), ~earlier).subquery("first")


def _paid(store: str, first: Any) -> Any:
    o = t.orders.c
    return exists().where(
        o.store_id == store, o.order_id == id_of(first.c.subject, "order"), paid_at().is_not(None)
    )


def _ordered(store: str, first: Any) -> Any:
    """The customer ordered within 24 h of the reminder's due time (their orders' index)."""
    o = t.orders.c
    return exists().where(
        o.store_id == store,
        o.customer_id == first.c.customer_id,
        o.created_at >= first.c.due_at,
        seconds_between(first.c.due_at, o.created_at) <= DAY_SECONDS,
    )


def _collected(store: str, first: Any) -> Any:
    s = t.shipments.c
    return exists().where(
        s.store_id == store,
        s.shipment_id == id_of(first.c.subject, "shipment"),
        s.delivered_at.is_not(None),
        or_(s.storage_until.is_(None), s.delivered_at <= s.storage_until),
    )


def _reviewed(store: str, first: Any) -> Any:
    o = t.orders.c
    return exists().where(
        o.store_id == store,
        o.order_id == id_of(first.c.subject, "order"),
        o.reviewed_at.is_not(None),
    )


OUTCOMES: dict[str, Callable[[str, Any], Any]] = {
    "paid": _paid,
    "ordered": _ordered,
    "collected": _collected,
    "reviewed": _reviewed,
}
