"""The console's users, their sessions and failed sign-ins (services/people.py says why)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tidings.adapters.db import tables as t
from tidings.adapters.db.outbox import insert as upsert
from tidings.services.people import Failures, Session, User

U, S, F = t.console_users.c, t.console_sessions.c, t.console_failures.c


class SqlPeople:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_user(self, user: User, password_hash: str) -> None:
        row = {"store_id": user.store_id, "email": user.email, "role": user.role}
        values = {**row, "password_hash": password_hash, "created_at": user.created_at}
        self.conn.execute(insert(t.console_users).values(**values))

    def users(self, store: str | None) -> list[User]:
        query = select(U.store_id, U.email, U.role, U.created_at).order_by(U.store_id, U.email)
        if store is not None:
            query = query.where(U.store_id == store)
        return [User(*row) for row in self.conn.execute(query)]

    def user(self, email: str) -> tuple[User, str] | None:
        query = select(U.store_id, U.email, U.role, U.created_at, U.password_hash)
        row = self.conn.execute(query.where(U.email == email)).first()
        return None if row is None else (User(*row[:4]), row[4])

    def remove_user(self, store: str, email: str) -> bool:
        self.conn.execute(delete(t.console_sessions).where(S.store_id == store, S.email == email))
        gone = delete(t.console_users).where(U.store_id == store, U.email == email)
        return bool(self.conn.execute(gone).rowcount)

    def add_session(self, session_hash: str, session: Session, at: datetime) -> None:
        row = {"store_id": session.store_id, "email": session.email, "csrf": session.csrf}
        more = {"created_at": at, "expires_at": session.expires_at}
        self.conn.execute(
            insert(t.console_sessions).values(session_hash=session_hash, **row, **more)
        )

    def session(self, session_hash: str) -> Session | None:
        """The session with its user's role now: a removed user has no session."""
        query = (
            select(S.store_id, S.email, U.role, S.csrf, S.expires_at)
            .join(t.console_users, (U.store_id == S.store_id) & (U.email == S.email))
            .where(S.session_hash == session_hash)
        )
        row = self.conn.execute(query).first()
        return None if row is None else Session(*row)

    def end_session(self, session_hash: str) -> None:
        self.conn.execute(delete(t.console_sessions).where(S.session_hash == session_hash))

    def failures(self, key: str) -> Failures | None:
        query = select(F.failures, F.last_at, F.blocked_until).where(F.key == key)
        row = self.conn.execute(query).first()
        return None if row is None else Failures(*row)

    def set_failures(self, key: str, failures: Failures) -> None:
        values: dict[str, Any] = {
            "failures": failures.count,
            "last_at": failures.last_at,
            "blocked_until": failures.blocked_until,
        }
        stmt = upsert(self.conn, t.console_failures).values(key=key, **values)
        self.conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))

    def clear_failures(self, keys: list[str]) -> None:
        self.conn.execute(delete(t.console_failures).where(F.key.in_(keys)))
