"""Collection and arrival against their deadlines, and the orders still at risk.

Each order's deadline is worked out from when it was paid by a CASE over the local days
(`sql.deadline_of`); its first collection, over all its parcels, comes from one grouped pass
over the store's shipments, joined to the orders that lead (a LEFT JOIN keeps that order
whatever the planner guesses about the tables' sizes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import count_if, deadline_of, instant, newest, paid_at
from tidings.domain.scores import CULPRITS, Deadline, Tally


def _first_collections(store: str) -> Any:
    s = t.shipments.c
    return (
        select(s.order_id, func.min(s.collected_at).label("collected_at"))
        .where(s.store_id == store, s.order_id.is_not(None), s.collected_at.is_not(None))
        .group_by(s.order_id)
        .subquery("first")
    )


def _paid(store: str, rows: Sequence[Deadline], at: datetime) -> Any:
    """Paid orders with a deadline among `rows`, not cancelled by `at`: order_id, paid_at,
    deadline and their first collection."""
    o, paid = t.orders.c, paid_at()
    first = _first_collections(store)
    low, high = rows[0].paid_from, rows[-1].paid_to
    return (
        select(
            o.order_id,
            paid.label("paid_at"),
            deadline_of(paid, rows).label("deadline"),
            first.c.collected_at,
        )
        .select_from(t.orders.outerjoin(first, first.c.order_id == o.order_id))
        .where(
            o.store_id == store,
            paid >= instant(low),
            paid < instant(high),
            or_(o.cancelled_at.is_(None), o.cancelled_at > instant(at)),
        )
        .subquery("paid")
    )


def collection(conn: Connection, store: str, rows: Sequence[Deadline], at: datetime) -> Tally:
    paid = _paid(store, rows, at)
    on_time = paid.c.collected_at < paid.c.deadline
    done, total = conn.execute(select(count_if(on_time), func.count())).one()
    late = select(paid.c.order_id).where(or_(paid.c.collected_at.is_(None), ~on_time))
    late = late.order_by(paid.c.paid_at.desc(), paid.c.order_id.desc()).limit(CULPRITS)
    return Tally(int(done), int(total), newest(conn.execute(late).all()))


def at_risk(
    conn: Connection, store: str, rows: Sequence[Deadline], at: datetime, limit: int | None = None
) -> list[tuple[str, datetime]]:
    """Read from the orders paid in the pending span, each one's parcels looked up by the
    order index (one collected by `at` takes the order off the list): the store's other
    parcels are never grouped."""
    o, s, paid = t.orders.c, t.shipments.c, paid_at()
    deadline = deadline_of(paid, rows)
    collected = exists().where(
        s.store_id == store, s.order_id == o.order_id, s.collected_at <= instant(at)
    )
    query = (
        select(o.order_id, deadline.label("deadline"))
        .where(
            o.store_id == store,
            paid >= instant(rows[0].paid_from),
            paid < instant(rows[-1].paid_to),
            paid <= instant(at),
            or_(o.cancelled_at.is_(None), o.cancelled_at > instant(at)),
            deadline > instant(at),
            ~collected,
        )
        .order_by(deadline, paid, o.order_id)
        .limit(limit)
    )
    return [(oid, when) for oid, when in conn.execute(query)]


def arrival(conn: Connection, store: str, rows: Sequence[Deadline]) -> Tally:
    s = t.shipments.c
    deadline = deadline_of(s.collected_at, rows)
    where = (
        s.store_id == store,
        s.collected_at >= instant(rows[0].paid_from),
        s.collected_at < instant(rows[-1].paid_to),
    )
    on_time = s.arrived_at < deadline
    done, total = conn.execute(select(count_if(on_time), func.count()).where(*where)).one()
    late = select(s.shipment_id).where(*where, or_(s.arrived_at.is_(None), ~on_time))
    late = late.order_by(s.collected_at.desc(), s.shipment_id.desc()).limit(CULPRITS)
    return Tally(int(done), int(total), newest(conn.execute(late).all()))
