"""Treated and held-back subjects of a journey, and how many of each reached its outcome.

A subject's first message of the journey (earliest due, then id) decides its arm: sent is
treated, suppressed for `holdout` is held back, anything else (the reason was gone, no
consent, a cap) is in neither. The subject counts in the period its first message was
decided in. Each outcome is measured the same way in both arms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import id_of, instant, paid_at, seconds_between
from tidings.domain.uplift import Arm

DAY_SECONDS = 86_400


def arms(
    conn: Connection, store: str, journey: str, outcome: str, start: datetime, end: datetime
) -> tuple[Arm, Arm]:
    first = _firsts(store, journey, start, end)
    reached = OUTCOMES[outcome](store, first, start, end)
    query = select(
        first.c.arm, func.count(), func.coalesce(func.sum(case((reached, 1), else_=0)), 0)
    ).group_by(first.c.arm)
    found = {arm: Arm(int(n), int(x)) for arm, n, x in conn.execute(query)}
    return found.get("treated", Arm(0, 0)), found.get("held", Arm(0, 0))


def _firsts(store: str, journey: str, start: datetime, end: datetime) -> Any:
    m, p = t.messages.alias("m"), t.messages.alias("p")
    earlier = exists().where(
        p.c.store_id == m.c.store_id,
        p.c.subject == m.c.subject,
        p.c.journey == m.c.journey,
        p.c.status != "pending",
        or_(
            p.c.due_at < m.c.due_at,
            and_(p.c.due_at == m.c.due_at, p.c.message_id < m.c.message_id),
        ),
    )
    arm = case(
        (m.c.status == "sent", "treated"),
        (and_(m.c.status == "suppressed", m.c.reason == "holdout"), "held"),
    )
    inner = select(m.c.subject, m.c.customer_id, m.c.due_at, arm.label("arm")).where(
        m.c.store_id == store,
        m.c.journey == journey,
        m.c.decided_at >= instant(start),
        m.c.decided_at < instant(end),
        m.c.status != "pending",
        ~earlier,
    )
    sub = inner.subquery("decided")
    return select(sub).where(sub.c.arm.is_not(None)).subquery("first")


def _paid(store: str, first: Any, start: datetime, end: datetime) -> Any:
    o = t.orders.c
    return exists().where(
        o.store_id == store, o.order_id == id_of(first.c.subject, "order"), paid_at().is_not(None)
    )


def _ordered(store: str, first: Any, start: datetime, end: datetime) -> Any:
    """The subject is among the carts whose customer ordered within 24 h of the reminder's
    due time: found from the orders, through each customer's messages of the period."""
    m, o = t.messages.c, t.orders.c
    on = and_(m.store_id == o.store_id, m.customer_id == o.customer_id)
    reached = (
        select(m.subject)
        .select_from(t.orders.join(t.messages, on))
        .where(
            o.store_id == store,
            m.journey == "cart_recovery",
            m.decided_at >= instant(start),
            m.decided_at < instant(end),
            o.created_at >= m.due_at,
            seconds_between(m.due_at, o.created_at) <= DAY_SECONDS,
        )
    )
    return first.c.subject.in_(reached)


def _collected(store: str, first: Any, start: datetime, end: datetime) -> Any:
    s = t.shipments.c
    return exists().where(
        s.store_id == store,
        s.shipment_id == id_of(first.c.subject, "shipment"),
        s.delivered_at.is_not(None),
        or_(s.storage_until.is_(None), s.delivered_at <= s.storage_until),
    )


def _reviewed(store: str, first: Any, start: datetime, end: datetime) -> Any:
    o = t.orders.c
    return exists().where(
        o.store_id == store,
        o.order_id == id_of(first.c.subject, "order"),
        o.reviewed_at.is_not(None),
    )


OUTCOMES: dict[str, Callable[[str, Any, datetime, datetime], Any]] = {
    "paid": _paid,
    "ordered": _ordered,
    "collected": _collected,
    "reviewed": _reviewed,
}
