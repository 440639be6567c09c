"""The service score's counts, one set-based statement (or two) a metric.

Each metric's failures come back as ids, at most CULPRITS of them, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics import logistics
from tidings.adapters.db.analytics.chats import turns
from tidings.adapters.db.analytics.sql import count_if, instant, newest, paid_at, seconds_between
from tidings.domain.scores import CULPRITS, Deadline, Tally, Window
from tidings.services.analytics.ports import StoreInfo

RETURN_KINDS = ("return", "exchange", "repair")


def _in(column: Any, win: Window) -> Any:
    return and_(column >= instant(win.start), column < instant(win.end))


class ScoreQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def store(self, store: str) -> StoreInfo | None:
        s = t.stores.c
        row = self.conn.execute(
            select(s.timezone, s.currency).where(s.store_id == store)
        ).one_or_none()
        return None if row is None else StoreInfo(store, row[0] or "UTC", row[1] or "")

    def targets(self, store: str) -> dict[str, str]:
        g = t.score_targets.c
        rows = self.conn.execute(select(g.metric, g.target).where(g.store_id == store))
        return {metric: target for metric, target in rows}

    def set_target(self, store: str, metric: str, target: Decimal | None) -> None:
        g = t.score_targets.c
        self.conn.execute(delete(t.score_targets).where(g.store_id == store, g.metric == metric))
        # a slow answer or ticket is one past its target: the kept days' culprits change
        self.conn.execute(delete(t.score_days).where(t.score_days.c.store_id == store))
        if target is not None:
            row = {"store_id": store, "metric": metric, "target": str(target)}
            self.conn.execute(insert(t.score_targets).values(row))

    def _culprits(self, query: Any) -> list[str]:
        return newest(self.conn.execute(query.limit(CULPRITS)).all())

    def reviews(self, store: str, win: Window) -> Tally:
        r = t.reviews.c
        where = and_(r.store_id == store, _in(r.posted_at, win))  # deleted ones too
        good, total = self.conn.execute(
            select(count_if(r.rating >= 4), func.count()).where(where)
        ).one()
        bad = select(r.review_id).where(where, r.rating < 4)
        bad = bad.order_by(r.posted_at.desc(), r.review_id.desc())
        return Tally(int(good), int(total), self._culprits(bad))

    def responses(
        self, store: str, win: Window, at: datetime, slow_seconds: Decimal
    ) -> tuple[Tally, Tally]:
        turn = turns(store, win, at)
        in_time = turn.c.seconds <= 30
        answered = turn.c.reply_at.is_not(None)
        total, quick, replied, seconds = self.conn.execute(
            select(
                func.count(),
                count_if(in_time),
                count_if(answered),
                func.coalesce(func.sum(turn.c.seconds), 0),
            )
        ).one()
        late = self._conversations(turn, or_(~answered, ~in_time))
        slow = self._conversations(turn, turn.c.seconds > float(slow_seconds))
        rate = Tally(int(quick), int(total), late)
        return rate, Tally(round(float(seconds), 3), int(replied), slow)

    def _conversations(self, turn: Any, failed: Any) -> list[str]:
        query = select(turn.c.conversation_id).where(failed).group_by(turn.c.conversation_id)
        query = query.order_by(func.max(turn.c.turn_at).desc(), turn.c.conversation_id.desc())
        return self._culprits(query)

    def collection(self, store: str, deadlines: Sequence[Deadline], at: datetime) -> Tally:
        return logistics.collection(self.conn, store, deadlines, at)

    def at_risk(
        self, store: str, deadlines: Sequence[Deadline], at: datetime, limit: int | None = None
    ) -> list[tuple[str, datetime]]:
        return logistics.at_risk(self.conn, store, deadlines, at, limit)

    def arrival(self, store: str, deadlines: Sequence[Deadline]) -> Tally:
        return logistics.arrival(self.conn, store, deadlines)

    def aftersale(self, store: str, win: Window, slow_hours: Decimal) -> Tally:
        k = t.tickets.c
        seconds = seconds_between(k.opened_at, k.resolved_at)
        where = and_(k.store_id == store, _in(k.resolved_at, win), k.opened_at.is_not(None))
        total, n = self.conn.execute(
            select(func.coalesce(func.sum(seconds), 0), func.count()).where(where)
        ).one()
        slow = select(k.ticket_id).where(where, seconds > float(slow_hours) * 3600)
        slow = slow.order_by(k.resolved_at.desc(), k.ticket_id.desc())
        return Tally(float(total) / 3600, int(n), self._culprits(slow))

    def satisfaction(self, store: str, win: Window) -> Tally:
        k = t.tickets.c
        where = and_(
            k.store_id == store,
            _in(k.resolved_at, win),
            k.kind.in_(RETURN_KINDS),
            k.satisfied.is_not(None),
        )
        happy, total = self.conn.execute(
            select(count_if(k.satisfied.is_(True)), func.count()).where(where)
        ).one()
        unhappy = select(k.ticket_id).where(where, k.satisfied.is_(False))
        unhappy = unhappy.order_by(k.resolved_at.desc(), k.ticket_id.desc())
        return Tally(int(happy), int(total), self._culprits(unhappy))

    def disputes(self, store: str, win: Window) -> Tally:
        d, o = t.disputes.c, t.orders.c
        where = and_(d.store_id == store, _in(d.opened_at, win))
        opened = self.conn.execute(select(func.count()).where(where)).scalar_one()
        paid = paid_at()
        orders = self.conn.execute(
            select(func.count()).where(o.store_id == store, _in(paid, win))
        ).scalar_one()
        ids = select(d.dispute_id).where(where)
        ids = ids.order_by(d.opened_at.desc(), d.dispute_id.desc())
        return Tally(int(opened), int(orders), self._culprits(ids))
