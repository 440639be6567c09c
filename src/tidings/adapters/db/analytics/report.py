"""The report's counts per journey over a period: messages decided, delivered, clicked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, distinct, func, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.attribution import recovered
from tidings.adapters.db.analytics.holdout import arms
from tidings.adapters.db.analytics.sql import instant, micros
from tidings.domain.uplift import Arm
from tidings.services.analytics.ports import MessageCount, Recovered


def decided_in(store: str, start: datetime, end: datetime) -> Any:
    m = t.messages.c
    return and_(m.store_id == store, m.decided_at >= instant(start), m.decided_at < instant(end))


class ReportQueries:
    conn: Connection

    def messages(self, store: str, start: datetime, end: datetime) -> list[MessageCount]:
        m = t.messages.c
        query = (
            select(
                m.journey,
                m.status,
                m.reason,
                func.count(),
                func.coalesce(func.sum(m.segments), 0),
                func.coalesce(func.sum(micros(m.cost)), 0),
            )
            .where(decided_in(store, start, end), m.status != "pending")
            .group_by(m.journey, m.status, m.reason)
        )
        return [
            MessageCount(journey, status, reason, int(n), int(segments), int(cost))
            for journey, status, reason, n, segments, cost in self.conn.execute(query)
        ]

    def delivered(self, store: str, start: datetime, end: datetime) -> dict[str, int]:
        """Messages with at least one recipient that the provider says it delivered to."""
        m, d = t.messages.c, t.deliveries.c
        joined = t.messages.join(
            t.deliveries,
            and_(d.store_id == m.store_id, d.message_id == m.message_id, d.state == "delivered"),
        )
        query = select(m.journey, func.count(distinct(m.message_id))).select_from(joined)
        query = query.where(decided_in(store, start, end)).group_by(m.journey)
        return {journey: int(n) for journey, n in self.conn.execute(query)}

    def clicked(self, store: str, start: datetime, end: datetime) -> dict[str, int]:
        """Messages whose links were opened at least once."""
        m, k, c = t.messages.c, t.links.c, t.clicks.c
        joined = t.clicks.join(t.links, and_(k.store_id == c.store_id, k.token == c.token)).join(
            t.messages, and_(m.store_id == k.store_id, m.message_id == k.message_id)
        )
        query = select(m.journey, func.count(distinct(m.message_id))).select_from(joined)
        query = query.where(c.store_id == store, decided_in(store, start, end))
        return {journey: int(n) for journey, n in self.conn.execute(query.group_by(m.journey))}

    def recovered(self, store: str, start: datetime, end: datetime) -> list[Recovered]:
        return recovered(self.conn, store, start, end)

    def holdout_journeys(self, store: str, start: datetime, end: datetime) -> list[str]:
        m = t.messages.c
        query = (
            select(m.journey)
            .distinct()
            .where(decided_in(store, start, end), m.status == "suppressed", m.reason == "holdout")
        )
        return sorted(str(j) for (j,) in self.conn.execute(query))

    def arms(
        self, store: str, journey: str, outcome: str, start: datetime, end: datetime
    ) -> tuple[Arm, Arm]:
        return arms(self.conn, store, journey, outcome, start, end)
