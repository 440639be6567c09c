"""Which message brought an order back: one set-based statement.

A sent message is a candidate for an order paid after it (cash on delivery: created after it)
when its journey's rule holds:

- `payment_reminder`: the order is its subject and was paid before it closed
  (`auto_close_at`, else 24 h after it was created);
- `cart_recovery`: an order by the same customer paid within 24 h of the SMS, or within
  24 h after a click on one of its links;
- any message that carried a coupon: the order that redeemed the code.

An order is credited to one message only: a redeemed coupon first (the order names it),
else the last qualifying message before the payment (last touch), ties by message id. The
credit counts in the period its message was decided in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, literal, or_, select, union_all

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import id_of, instant, micros, paid_at, seconds_between
from tidings.services.analytics.ports import Recovered

DAY_SECONDS = 86_400


def recovered(
    conn: Connection, store: str, start: datetime, end: datetime, by_step: bool = False
) -> list[Recovered]:
    query = credited(store, start, end, by_step)
    return [Recovered(j, int(n), int(revenue), step) for j, step, n, revenue in conn.execute(query)]


def credited(store: str, start: datetime, end: datetime, by_step: bool = False) -> Any:
    """(journey, step, orders, revenue in micros) of the credits of the messages decided in
    the period, per step or ('' for the step) per journey."""
    cand = union_all(
        _reminders(store, start), _carts(store, start), _coupons(store, start)
    ).subquery("candidates")
    ranked = select(
        cand,
        func.row_number()
        .over(
            partition_by=cand.c.order_id,
            order_by=[cand.c.rank, cand.c.decided_at.desc(), cand.c.message_id.desc()],
        )
        .label("n"),
    ).subquery("ranked")
    by = (ranked.c.journey, ranked.c.step) if by_step else (ranked.c.journey,)
    query = (
        select(
            ranked.c.journey,
            ranked.c.step if by_step else literal(""),
            func.count(),
            func.coalesce(func.sum(micros(func.coalesce(ranked.c.total, "0"))), 0),
        )
        .where(
            ranked.c.n == 1,
            ranked.c.decided_at >= instant(start),
            ranked.c.decided_at < instant(end),
        )
        .group_by(*by)
    )
    return query


def _candidate(rank: int) -> Any:
    m, o = t.messages.c, t.orders.c
    return select(
        m.message_id, m.journey, m.step, m.decided_at, o.order_id, o.total,
        literal(rank).label("rank"),
    )  # fmt: skip


def _sent_and_paid(store: str, start: datetime) -> Any:
    """A sent message and an order paid since `start` (each kind says how "after" is put)."""
    m, o = t.messages.c, t.orders.c
    return and_(
        m.store_id == store, m.status == "sent", o.store_id == store, paid_at() >= instant(start)
    )


def _reminders(store: str, start: datetime) -> Any:
    """Led by the reminders decided since `start` (the journey's index), each finding its
    order by its key. An earlier reminder could take no credit from the period's: a later one
    wins (last touch). "Paid after" is an expression, so that no plan walks the messages'
    time index from each order instead."""
    m, o = t.messages.c, t.orders.c
    paid = paid_at()
    before_close = or_(
        and_(o.auto_close_at.is_not(None), paid < o.auto_close_at),
        and_(o.auto_close_at.is_(None), seconds_between(o.created_at, paid) < DAY_SECONDS),
    )
    on = and_(o.store_id == m.store_id, o.order_id == id_of(m.subject, "order"))
    return (
        _candidate(1)
        .select_from(t.messages.join(t.orders, on))
        .where(
            m.journey == "payment_reminder",
            m.subject.like("order:%"),
            m.decided_at >= instant(start),
            _sent_and_paid(store, start),
            seconds_between(m.decided_at, paid) > 0,
            before_close,
        )
    )


def _carts(store: str, start: datetime) -> Any:
    """Led by the cart reminders sent since `start` (the journey's index), each finding its
    customer's orders (theirs). As for reminders, an earlier one takes nothing from these."""
    m, o, c, k = t.messages.c, t.orders.c, t.clicks.c, t.links.c
    paid = paid_at()
    after_click = exists(
        select(literal(1))
        .select_from(t.clicks.join(t.links, and_(k.store_id == c.store_id, k.token == c.token)))
        .where(
            c.store_id == store,
            k.message_id == m.message_id,
            c.clicked_at <= paid,
            seconds_between(c.clicked_at, paid) <= DAY_SECONDS,
        )
    )
    on = and_(o.store_id == m.store_id, o.customer_id == m.customer_id)
    return (
        _candidate(1)
        .select_from(t.messages.join(t.orders, on))
        .where(
            m.journey == "cart_recovery",
            m.decided_at >= instant(start),
            _sent_and_paid(store, start),
            seconds_between(m.decided_at, paid) > 0,
            or_(seconds_between(m.decided_at, paid) <= DAY_SECONDS, after_click),
        )
    )


def _coupons(store: str, start: datetime) -> Any:
    m, o, cp = t.messages.c, t.orders.c, t.coupons.c
    joined = t.coupons.join(
        t.messages, and_(m.store_id == cp.store_id, m.message_id == cp.message_id)
    ).join(t.orders, and_(o.store_id == cp.store_id, o.order_id == cp.order_id))
    return (
        _candidate(0)
        .select_from(joined)
        .where(cp.store_id == store, _sent_and_paid(store, start), m.decided_at < paid_at())
    )
