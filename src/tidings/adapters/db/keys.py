"""API keys: one store each, kept as a hash of their secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from tidings.adapters.db import tables as t

K = t.api_keys.c


class SqlKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, key_id: str, store: str, secret_hash: str, label: str, at: datetime) -> None:
        row = {"key_id": key_id, "store_id": store, "secret_hash": secret_hash, "label": label}
        self.conn.execute(insert(t.api_keys).values(**row, created_at=at))

    def find(self, key_id: str) -> tuple[str, str] | None:
        """(store, secret hash) of a key that is not revoked."""
        query = select(K.store_id, K.secret_hash).where(K.key_id == key_id, K.revoked_at.is_(None))
        row = self.conn.execute(query).first()
        return None if row is None else (row[0], row[1])

    def revoke(self, key_id: str, at: datetime) -> bool:
        stmt = update(t.api_keys).where(K.key_id == key_id, K.revoked_at.is_(None))
        return bool(self.conn.execute(stmt.values(revoked_at=at)).rowcount)
