"""The report's counts per journey over a period: messages decided, delivered, clicked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, distinct, exists, func, literal, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.attribution import recovered
from tidings.adapters.db.analytics.holdout import arms, held_back
from tidings.adapters.db.analytics.sql import count_if, instant, journeys, micros
from tidings.adapters.db.plans import written
from tidings.domain.messages import REASONS
from tidings.domain.uplift import Arm
from tidings.services.analytics.ports import MessageCount, Recovered


def decided_in(store: str, start: datetime, end: datetime) -> Any:
    m = t.messages.c
    return and_(m.store_id == store, m.decided_at >= instant(start), m.decided_at < instant(end))


class ReportQueries:
    conn: Connection

    def messages(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> list[MessageCount]:
        """One row a journey (`by_step`: a step), each reason a column: by journey, read from
        the journey index in its order with no sort (a GROUP BY on status and reason sorted
        every message of the period); by step, the rows are read too."""
        m = t.messages.c
        sent = m.status == "sent"
        columns = [
            count_if(sent),
            count_if(sent, m.segments),
            count_if(sent, micros(m.cost)),
            *(count_if(m.reason == r) for r in REASONS),
            count_if(m.status == "suppressed"),
        ]
        query = (
            select(m.journey, _step(by_step), *columns)
            .where(decided_in(store, start, end), m.journey.in_(journeys(store)))
            .where(m.status != "pending")
            .group_by(*_cut(by_step))
        )
        return [count for row in self.conn.execute(query) for count in _counts(row)]

    def delivered(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> dict[tuple[str, str], int]:
        """Messages with at least one recipient that the provider says it delivered to."""
        m, d = t.messages.c, t.deliveries.c
        state = d.state == written("delivered")  # ix_deliveries_delivered's own condition
        any_delivered = select(d.message_id).where(d.store_id == store, state).limit(1)
        if self.conn.execute(any_delivered).first() is None:
            return {}  # no receipts for this store (yet): no need to read the period's messages
        query = select(m.journey, _step(by_step), func.count()).where(  # sent ones, by index
            decided_in(store, start, end),
            m.journey.in_(journeys(store)),
            m.status == "sent",
            exists().where(d.store_id == store, d.message_id == m.message_id, state),
        )
        return _by_cut(self.conn.execute(query.group_by(*_cut(by_step))))

    def clicked(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> dict[tuple[str, str], int]:
        """Messages whose links were opened at least once."""
        m, k, c = t.messages.c, t.links.c, t.clicks.c
        joined = t.clicks.join(t.links, and_(k.store_id == c.store_id, k.token == c.token)).join(
            t.messages, and_(m.store_id == k.store_id, m.message_id == k.message_id)
        )
        query = select(m.journey, _step(by_step), func.count(distinct(m.message_id)))
        query = query.select_from(joined).where(c.store_id == store, decided_in(store, start, end))
        return _by_cut(self.conn.execute(query.group_by(*_cut(by_step))))

    def recovered(
        self, store: str, start: datetime, end: datetime, by_step: bool = False
    ) -> list[Recovered]:
        return recovered(self.conn, store, start, end, by_step)

    def held_back(self, store: str, start: datetime, end: datetime) -> list[str]:
        return held_back(self.conn, store, start, end)

    def arms(
        self, store: str, journey: str, outcome: str, start: datetime, end: datetime
    ) -> tuple[Arm, Arm]:
        return arms(self.conn, store, journey, outcome, start, end)


def _step(by_step: bool) -> Any:
    """The step column, or '' for every step of a journey at once."""
    return t.messages.c.step if by_step else literal("")


def _cut(by_step: bool) -> tuple[Any, ...]:
    m = t.messages.c
    return (m.journey, m.step) if by_step else (m.journey,)


def _by_cut(rows: Any) -> dict[tuple[str, str], int]:
    return {(journey, step): int(n) for journey, step, n in rows}


def _counts(row: Any) -> list[MessageCount]:
    """The wide row of one journey (or step) as (journey, status, reason) counts."""
    journey, step, sent, segments, cost, *by_reason, suppressed = row
    out = [MessageCount(journey, "sent", None, int(sent), int(segments), int(cost), step)]
    for reason, n in zip(REASONS, by_reason, strict=True):
        out.append(MessageCount(journey, "suppressed", reason, int(n), 0, 0, step))
    other = int(suppressed) - sum(int(n) for n in by_reason)  # a reason of a later version
    out.append(MessageCount(journey, "suppressed", "other", other, 0, 0, step))
    return [c for c in out if c.messages]
