"""The unit of work: one transaction, rolled back unless committed.

A read-only one (`read_only=True`: the API's GETs, queries, the worker's look at which stores
have work) begins DEFERRED on SQLite: it reads a snapshot beside the one writer instead of
queueing for the writer's lock, and it cannot commit.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine, RootTransaction, func, select, text

from tidings.adapters.db.connectors import SqlConnectors
from tidings.adapters.db.deliveries import SqlDeliveries
from tidings.adapters.db.engine import READ_ONLY, claims_rows, plans_by_statistics
from tidings.adapters.db.inbox import SqlInbox
from tidings.adapters.db.keys import SqlKeys
from tidings.adapters.db.maintenance import SqlRetention
from tidings.adapters.db.outbox import SqlOutbox
from tidings.adapters.db.privacy import SqlPrivacy
from tidings.adapters.db.provider_templates import SqlProviderTemplates
from tidings.adapters.db.read import SqlReadModel
from tidings.adapters.db.repositories import SqlEventLog, SqlStateRepo
from tidings.adapters.db.tables import metadata

_GROWN = text(
    "SELECT s.relname FROM pg_stat_user_tables AS s JOIN pg_class AS c ON c.oid = s.relid"
    " WHERE s.schemaname = current_schema() AND s.relname = ANY(:names)"
    " AND s.n_mod_since_analyze > 1000 + greatest(c.reltuples, 0) ORDER BY s.relname"
)  # PostgreSQL: the tables changed by more rows than the last ANALYZE saw in them


class SqlUnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self.engine = engine
        self.read_only = read_only
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self._conn = self.engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._tx = self._conn.begin()
        self.events = SqlEventLog(self._conn)
        self.state = SqlStateRepo(self._conn)
        self.outbox = SqlOutbox(self._conn)
        self.inbox = SqlInbox(self._conn)
        self.deliveries = SqlDeliveries(self._conn)
        self.keys = SqlKeys(self._conn)
        self.read = SqlReadModel(self._conn)
        self.privacy = SqlPrivacy(self._conn)
        self.connectors = SqlConnectors(self._conn)
        self.retention = SqlRetention(self._conn)
        self.templates = SqlProviderTemplates(self._conn)
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self._conn.close()

    def commit(self) -> None:
        assert self._tx is not None
        if self.read_only:
            raise RuntimeError("a read-only unit of work has nothing to commit")
        self._tx.commit()

    def lock_store(self, store: str, wait: bool = False) -> bool:
        """PostgreSQL: a transaction-scoped advisory lock on the store, not waited for. SQLite:
        the transaction began with BEGIN IMMEDIATE, and so is the only writer already."""
        assert self._conn is not None
        if not claims_rows(self._conn):
            return True
        key = func.hashtextextended(store, 0)
        if wait:
            self._conn.execute(select(func.pg_advisory_xact_lock(key)))
            return True
        return bool(self._conn.execute(select(func.pg_try_advisory_xact_lock(key))).scalar())

    def refresh_statistics(self, grown: bool = False) -> None:
        """PostgreSQL plans from statistics that only ANALYZE (or autovacuum, where it runs)
        gathers; without them a grown table is still planned as a small one, and a store's
        500 rows asked by key were found by reading all of its rows. `grown`: only the tables
        changed by more rows than the last ANALYZE saw in them (by 1,000, one never analyzed),
        as the live worker asks every few seconds: autovacuum may be off, or a minute behind a
        young database's first burst."""
        assert self._conn is not None
        if not plans_by_statistics(self._conn):
            return
        names = [t.name for t in metadata.sorted_tables]
        if grown:
            names = list(self._conn.execute(_GROWN, {"names": names}).scalars())
        if names:
            self._conn.exec_driver_sql("ANALYZE " + ", ".join(names))
