"""One journey's figures per step: the report's own queries (`report.py`, `attribution.py`)
narrowed to the journey and cut by step, so that its steps add up to its row in the report;
and the few rows its detail screen reads (its latest subject, the store's latest events)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, distinct, exists, func, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.attribution import credited
from tidings.adapters.db.analytics.report import decided_in
from tidings.adapters.db.analytics.sql import instant, micros
from tidings.adapters.db.plans import written
from tidings.domain.events import Event
from tidings.services.queries_journey import StepCount

M, D, K, C, E = t.messages.c, t.deliveries.c, t.links.c, t.clicks.c, t.events.c


class SqlStepReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def step_counts(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> list[StepCount]:
        """As the report's `messages`: decided in the period, by status and reason."""
        query = (
            select(M.step, M.status, M.reason, func.count(), func.sum(micros(M.cost)))
            .where(decided_in(store, start, end), M.journey == journey, M.status != "pending")
            .group_by(M.step, M.status, M.reason)
        )
        return [
            StepCount(step, status, reason, int(n), int(cost or 0))
            for step, status, reason, n, cost in self.conn.execute(query)
        ]

    def step_delivered(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """As the report's `delivered`: sent, with a recipient the provider delivered to."""
        state = D.state == written("delivered")
        query = select(M.step, func.count()).where(
            decided_in(store, start, end),
            M.journey == journey,
            M.status == "sent",
            exists().where(D.store_id == store, D.message_id == M.message_id, state),
        )
        return {step: int(n) for step, n in self.conn.execute(query.group_by(M.step))}

    def step_clicked(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """As the report's `clicked`: messages whose links were opened at least once."""
        joined = t.clicks.join(t.links, and_(K.store_id == C.store_id, K.token == C.token)).join(
            t.messages, and_(M.store_id == K.store_id, M.message_id == K.message_id)
        )
        query = select(M.step, func.count(distinct(M.message_id))).select_from(joined)
        query = query.where(C.store_id == store, decided_in(store, start, end))
        query = query.where(M.journey == journey).group_by(M.step)
        return {step: int(n) for step, n in self.conn.execute(query)}

    def step_recovered(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, tuple[int, int]]:
        rows = self.conn.execute(credited(store, start, end, journey))
        return {step: (int(n), int(revenue)) for step, n, revenue in rows}

    def step_pending(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        query = select(M.step, func.count()).where(
            M.store_id == store,
            M.journey == journey,
            M.due_at >= instant(start),
            M.due_at < instant(end),
            M.status == "pending",
        )
        return {step: int(n) for step, n in self.conn.execute(query.group_by(M.step))}

    def last_events(self, store: str, types: Sequence[str], limit: int) -> list[Event]:
        """A type at a time, each the latest `limit` from ix_events_type in its order (an
        `IN` of types would sort all of theirs); merged here."""
        rows: list[tuple[datetime, str, str]] = []
        for kind in sorted(set(types)):
            query = (
                select(E.occurred_at, E.event_id, E.payload)
                .where(E.store_id == store, E.type == kind)
                .order_by(E.occurred_at.desc(), E.event_id.desc())
                .limit(limit)
            )
            rows += [(at, ident, payload) for at, ident, payload in self.conn.execute(query)]
        latest = sorted(rows, key=lambda row: (row[0], row[1]), reverse=True)[:limit]
        return [parse_line(row[2]) for row in latest]

    def latest_subject(self, store: str, journey: str) -> str | None:
        query = (
            select(M.subject)
            .where(M.store_id == store, M.journey == journey)
            .order_by(M.due_at.desc(), M.message_id.desc())
            .limit(1)
        )
        return self.conn.execute(query).scalar()
