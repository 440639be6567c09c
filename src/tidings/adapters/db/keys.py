"""API keys: one store each, kept as a hash of their secret; a key works while it is neither
revoked nor past the end a rotation gave it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from tidings.adapters.db import tables as t
from tidings.services.ports import KeyRow

K = t.api_keys.c


class SqlKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, key_id: str, store: str, secret_hash: str, label: str, at: datetime) -> None:
        row = {"key_id": key_id, "store_id": store, "secret_hash": secret_hash, "label": label}
        self.conn.execute(insert(t.api_keys).values(**row, created_at=at))

    def find(self, key_id: str, at: datetime) -> KeyRow | None:
        """A key that works at `at`: not revoked, not past its rotation's end."""
        query = select(K.store_id, K.secret_hash, K.label, K.expires_at).where(
            K.key_id == key_id,
            K.revoked_at.is_(None),
            or_(K.expires_at.is_(None), K.expires_at > at),
        )
        row = self.conn.execute(query).first()
        return None if row is None else KeyRow(key_id, row[0], row[1], row[2] or "", row[3])

    def expire(self, key_id: str, until: datetime) -> bool:
        """Give a working key an end; False when it has one already (or is revoked)."""
        stmt = update(t.api_keys).where(
            K.key_id == key_id, K.revoked_at.is_(None), K.expires_at.is_(None)
        )
        return bool(self.conn.execute(stmt.values(expires_at=until)).rowcount)

    def revoke(self, key_id: str, at: datetime) -> bool:
        stmt = update(t.api_keys).where(K.key_id == key_id, K.revoked_at.is_(None))
        return bool(self.conn.execute(stmt.values(revoked_at=at)).rowcount)
