"""The inbox: events the live service stored and no worker has run yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Writer
from tidings.adapters.db.engine import claims_rows, in_index_order
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
        oldest = (
            select(B.event_id)
            .where(B.store_id == store)
            .order_by(B.occurred_at, B.event_id)
            .limit(limit)
        )
        if claims_rows(self.conn):
            oldest = oldest.with_for_update(skip_locked=True)
        with in_index_order(self.conn):
            ids = list(self.conn.execute(oldest).scalars())
        if not ids:
            return []
        payloads = select(E.payload).where(E.store_id == store, E.event_id.in_(ids))
        events = [parse_line(payload) for payload in self.conn.execute(payloads).scalars()]
        self.conn.execute(delete(t.inbox).where(B.store_id == store, B.event_id.in_(ids)))
        return sorted(events, key=lambda e: (e.occurred_at, e.store, e.id))


_INBOX = Writer(t.inbox)
