"""The settings screen's own reads and its one write: who changed a store's settings, when,
and which ones (the change itself is the store.upserted event it sent, in the event log).

A change the worker has not run yet is still in the inbox: `pending` gives those events so
that the screen shows the settings as they will be, not as they were.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.domain.events import Event
from tidings.services.settings import Change

C, E, B = t.settings_changes.c, t.events.c, t.inbox.c


class SqlSettings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def pending(self, store: str) -> list[Event]:
        """The store's store.upserted events that wait in the inbox, oldest first."""
        query = (
            select(E.payload)
            .join(t.inbox, (B.store_id == E.store_id) & (B.event_id == E.event_id))
            .where(E.store_id == store, E.type == "store.upserted")
            .order_by(E.occurred_at, E.event_id)
        )
        return [parse_line(payload) for payload in self.conn.execute(query).scalars()]

    def record(self, store: str, event_id: str, change: Change) -> None:
        row: dict[str, object] = {"store_id": store, "event_id": event_id, "email": change.email}
        row |= {"changed_at": change.changed_at, "fields": list(change.fields)}
        self.conn.execute(insert(t.settings_changes).values(row))

    def changes(self, store: str, limit: int) -> list[Change]:
        """The newest changes first."""
        query = (
            select(C.email, C.changed_at, C.fields)
            .where(C.store_id == store)
            .order_by(C.changed_at.desc(), C.event_id.desc())
            .limit(limit)
        )
        return [Change(email, at, tuple(fields)) for email, at, fields in self.conn.execute(query)]
