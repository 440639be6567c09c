"""The inbox: events the live service stored and no worker has run yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, delete, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Writer
from tidings.adapters.db.engine import claims_rows
from tidings.domain.events import Event, EventRecord

B = t.inbox.c
E = t.events.c


class SqlInbox:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, events: Sequence[Event | EventRecord]) -> None:
        time = Writer.time_for(self.conn)
        rows = [(e.store, e.id, time(e.occurred_at)) for e in events]
        _INBOX.write_rows(self.conn, rows, update=False)

    def stores(self) -> list[str]:
        return list(self.conn.execute(select(B.store_id).distinct()).scalars())

    def take(self, store: str, limit: int) -> list[Event]:
        """The oldest waiting events of `store`, parsed, and deleted from the inbox."""
        query = (
            select(B.event_id, E.payload)
            .join(t.events, and_(E.store_id == B.store_id, E.event_id == B.event_id))
            .where(B.store_id == store)
            .order_by(B.occurred_at, B.event_id)
            .limit(limit)
        )
        if claims_rows(self.conn):
            query = query.with_for_update(of=t.inbox, skip_locked=True)
        rows = self.conn.execute(query).all()
        if not rows:
            return []
        events = [parse_line(payload) for _, payload in rows]
        ids = [ident for ident, _ in rows]
        self.conn.execute(delete(t.inbox).where(B.store_id == store, B.event_id.in_(ids)))
        return sorted(events, key=lambda e: (e.occurred_at, e.store, e.id))


_INBOX = Writer(t.inbox)
