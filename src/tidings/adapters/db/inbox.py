"""The inbox: events the live service stored and no worker has run yet."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, delete, select, text

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

    def take(self, stores: Sequence[str], limit: int) -> list[Event]:
        """The oldest `limit` waiting events of each of `stores`, parsed, and deleted from the
        inbox (the index walks in one stretch of `in_index_order`: two round trips a take
        less on PostgreSQL)."""
        oldest = (
            select(B.event_id)
            .where(B.store_id == bindparam("store"))
            .order_by(B.occurred_at, B.event_id)
            .limit(limit)
        )
        if claims_rows(self.conn):
            oldest = oldest.with_for_update(skip_locked=True)
        with in_index_order(self.conn):
            found = [(s, list(self.conn.execute(oldest, {"store": s}).scalars())) for s in stores]
        events: list[Event] = []
        for store, ids in found:
            if ids:
                rows = _PAYLOADS.rows(self.conn, [store], ids)
                events += [parse_line(payload) for (payload,) in rows]
                where = (B.store_id == store, among(self.conn, B.event_id, ids))
                self.conn.execute(delete(t.inbox).where(*where))
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
