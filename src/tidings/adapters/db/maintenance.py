"""Keeping a database: its online backup, and the retention that forgets a store's old texts.

Retention's one rule: counts stay. Events are deleted (not those still waiting for a worker
in the inbox), message texts and subjects blanked; every message row stays, with its
status, segments and cost, so the report's figures are the same after as before.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, delete, exists, or_, update

from tidings.adapters.db import tables as t
from tidings.adapters.db.plans import written
from tidings.domain.delivery import CLAIMABLE

E = t.events.c
M = t.messages.c
D = t.deliveries.c
B = t.inbox.c


class NotSqlite(ValueError):
    """`backup` copies SQLite files; a PostgreSQL database is backed up with pg_dump."""


def backup(engine: Engine, target: Path) -> int:
    """Copy the SQLite database to `target` (a new file) while others read and write it:
    SQLite's online backup, a consistent snapshot. How many pages it copied."""
    if engine.dialect.name != "sqlite":
        raise NotSqlite(engine.dialect.name)
    if target.exists():
        raise FileExistsError(17, "the backup file exists already", str(target))
    copy = sqlite3.connect(target)
    raw = engine.raw_connection()
    try:
        raw.driver_connection.backup(copy)  # type: ignore[union-attr]
        return int(copy.execute("PRAGMA page_count").fetchone()[0])
    finally:
        raw.close()
        copy.close()


class SqlRetention:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def forget(self, store: str, before: datetime) -> dict[str, int]:
        """Delete the store's live events that occurred before `before` and blank the texts
        of its messages due before then (not one still being delivered). Counts by table."""
        waiting = exists().where(B.store_id == E.store_id, B.event_id == E.event_id)
        old = (E.store_id == store, E.run.is_(None), E.occurred_at < before, ~waiting)
        events = self.conn.execute(delete(t.events).where(*old)).rowcount
        sending = exists().where(
            D.store_id == M.store_id, D.message_id == M.message_id, D.state.in_(CLAIMABLE)
        )
        texts = or_(M.body.is_not(None), M.title.is_not(None))
        said = and_(M.store_id == store, M.due_at < before, texts)
        decided = M.status != written("pending")
        blank = update(t.messages).where(said, decided, ~sending).values(body=None, title=None)
        return {"events": events, "messages": self.conn.execute(blank).rowcount}
