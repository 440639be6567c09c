"""The inbox: events the live service stored and no worker has run yet.

In `tidings serve` the API and a worker share a process: the events the API checked on their
way in wait in `Checked` for that worker, which takes them as they are instead of checking
their stored text a second time, wherever the text it reads is the one they were checked from.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection, and_, delete, select

from tidings.adapters.contract import parse_line
from tidings.adapters.db import tables as t
from tidings.adapters.db.bulk import Writer
from tidings.adapters.db.engine import claims_rows
from tidings.domain.events import Event, EventRecord

B = t.inbox.c
E = t.events.c
KEPT = 20_000  # events a process keeps for its worker (past it, newer ones are not kept)
WAIT = 300.0  # seconds an event is kept for it (one another process's worker took, say)


class Checked:
    """Events checked on their way into the inbox, by (store, id), for this process's worker.

    Only a hint: an event not here (stored by another process, kept past `wait`, or put
    while `kept` were waiting: the worker takes the oldest first, so those are the ones kept)
    or whose stored text is not the text it was checked from (rewritten by an erasure, say)
    is read from its row, as any worker reads it."""

    def __init__(
        self, kept: int = KEPT, wait: float = WAIT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.kept, self.wait, self.clock = kept, wait, clock
        self._events: dict[tuple[str, str], tuple[float, Event]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._events)

    def put(self, events: Sequence[Event | EventRecord]) -> None:
        now = self.clock()
        with self._lock:
            kept = self._events
            while kept and next(iter(kept.values()))[0] < now - self.wait:
                del kept[next(iter(kept))]
            for ev in events[: max(self.kept - len(kept), 0)]:
                if isinstance(ev, Event):
                    kept[(ev.store, ev.id)] = (now, ev)

    def event(self, store: str, ident: str, payload: str) -> Event:
        """The event stored as `payload`: the one checked from that very text, else parsed."""
        with self._lock:
            _, found = self._events.pop((store, ident), (0.0, None))
        return found if found is not None and found.raw == payload else parse_line(payload)


class SqlInbox:
    def __init__(self, conn: Connection, checked: Checked | None = None) -> None:
        self.conn = conn
        self.checked = checked

    def add(self, events: Sequence[Event | EventRecord]) -> None:
        time = Writer.time_for(self.conn)
        rows = [(e.store, e.id, time(e.occurred_at)) for e in events]
        _INBOX.write_rows(self.conn, rows, update=False)
        if self.checked is not None:
            self.checked.put(events)

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
        if self.checked is None:
            events = [parse_line(payload) for _, payload in rows]
        else:
            events = [self.checked.event(store, ident, payload) for ident, payload in rows]
        ids = [ident for ident, _ in rows]
        self.conn.execute(delete(t.inbox).where(B.store_id == store, B.event_id.in_(ids)))
        return sorted(events, key=lambda e: (e.occurred_at, e.store, e.id))


_INBOX = Writer(t.inbox)
