"""What a journey's detail screen reads beside the report's figures per step (kept or
counted by the report's own queries): the messages still waiting per step, its latest
subject, the store's latest events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.analytics.sql import instant
from tidings.domain.events import Event

M, D, K, C, E = t.messages.c, t.deliveries.c, t.links.c, t.clicks.c, t.events.c


class SqlStepReads:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def step_pending(
        self, store: str, journey: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        """Led by the journey index's undecided messages (a pending one has no decided_at),
        not by its due times: those are every message the journey had in the period. The due
        time is wrapped so that no plan takes it for the way in."""
        due = func.coalesce(M.due_at, M.due_at)
        query = select(M.step, func.count()).where(
            M.store_id == store,
            M.journey == journey,
            M.decided_at.is_(None),
            M.status == "pending",
            due >= instant(start),
            due < instant(end),
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
