"""The inbox: events the live service stored and no worker has run yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, select, text

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Reader, Writer, among
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
        """The stores with events waiting: one step down the index a store, not a read of
        every waiting event (SELECT DISTINCT read the whole backlog at every round)."""
        with in_index_order(self.conn):
            return list(self.conn.execute(_STORES).scalars())

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
        events = [parse_line(payload) for (payload,) in _PAYLOADS.rows(self.conn, [store], ids)]
        self.conn.execute(
            delete(t.inbox).where(B.store_id == store, among(self.conn, B.event_id, ids))
        )
        return sorted(events, key=lambda e: (e.occurred_at, e.store, e.id))


_INBOX = Writer(t.inbox)
_PAYLOADS = Reader(t.events, [E.payload], "event_id")
_STORES = text(
    "WITH RECURSIVE s(store_id) AS ("
    " SELECT (SELECT store_id FROM inbox ORDER BY store_id LIMIT 1)"
    " UNION ALL SELECT (SELECT i.store_id FROM inbox AS i WHERE i.store_id > s.store_id"
    " ORDER BY i.store_id LIMIT 1) FROM s WHERE s.store_id IS NOT NULL"
    ") SELECT store_id FROM s WHERE store_id IS NOT NULL"
)
