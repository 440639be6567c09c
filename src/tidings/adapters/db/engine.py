"""Database engines: SQLite (a file, WAL, one writer at a time) or PostgreSQL by URL.

On SQLite a transaction begins IMMEDIATE (it takes the one writer's lock at once, so that two
writers never deadlock upgrading), unless its connection is marked `READ_ONLY`: that one
begins DEFERRED and reads beside the writer (WAL), never waiting for it.

SQLite's two refusals of a transaction become errors that say what happened and where
(`StorageBusy`, `StorageFull`); the transaction is rolled back whole either way.

A PostgreSQL connection is pinged before it is used only when it may be dead: it rested in
the pool for `PING_AFTER_REST` or longer (a proxy's idle timeout, a network that dropped it
without a word), or the server has said something on it meanwhile (a restart or a terminated
backend says goodbye and closes it: its socket reads). One that is dead is replaced. A worker
takes a connection several hundred times a second, and a ping each time was a tenth of its
round trips; looking at the socket costs no round trip.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from tidings.domain.errors import StorageBusy, StorageFull

SQLITE_BUSY, SQLITE_FULL = 5, 13  # sqlite3.OperationalError.sqlite_errorcode (primary codes)

READ_ONLY = "tidings_read_only"  # the execution option of a read-only unit of work
CACHE_MIB = 64  # SQLite's pages kept in memory a connection, live: the hot indexes stay there
REPLAY_CACHE_MIB = 16  # a replay's: its World holds what it works on (issue 15: its memory)
# Statements the driver keeps compiled a connection (Python's default: 128). A bulk write or
# read compiles to about 120 bytes a parameter (up to 30,000 a statement), and its text
# changes with its row count: at 128, a connection kept hundreds of MB of them (a
# 30,000-order replay peaked at 452 MB, at 379 MB with 16, its CPU time the same). The few
# statements repeated each batch stay compiled.
SQLITE_STATEMENTS_KEPT = 16
PING_AFTER_REST = 5.0  # seconds in the pool after which a connection is pinged before use
_RESTING_SINCE = "tidings_resting_since"  # in a pooled connection's info: when it came back


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and plain file paths; pick the psycopg 3 driver."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, busy_seconds: float = 60.0, cache_mib: int = CACHE_MIB) -> Engine:
    """An engine; SQLite waits `busy_seconds` for another connection's write lock, and keeps
    up to `cache_mib` of pages in memory a connection."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        kept = {"timeout": busy_seconds, "cached_statements": SQLITE_STATEMENTS_KEPT}
        engine = create_engine(url, connect_args=kept, hide_parameters=True)
        event.listen(engine, "connect", partial(_sqlite_connect, cache_mib))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "handle_error", partial(_sqlite_refused, busy_seconds))
        return engine
    # No server-side prepared statements: a generic plan made while a table was small (or
    # never analyzed) kept scanning it whole once it was large: 4x slower replays.
    # Parameters stay out of error messages (and so out of logs): they carry phones and texts.
    engine = create_engine(url, connect_args={"prepare_threshold": None}, hide_parameters=True)
    event.listen(engine, "checkin", _resting)
    event.listen(engine, "checkout", partial(_ping_if_rested, engine))
    return engine


def _resting(_dbapi_conn: Any, entry: ConnectionPoolEntry) -> None:
    entry.info[_RESTING_SINCE] = time.monotonic()


def _ping_if_rested(
    engine: Engine, dbapi_conn: Any, entry: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """Ping a connection that rested `PING_AFTER_REST` or longer, or whose server spoke
    unasked (a new one is not: its info starts empty); the pool replaces one that does not
    answer."""
    since = entry.info.pop(_RESTING_SINCE, None)
    if since is None:
        return
    if time.monotonic() - since < PING_AFTER_REST and not _spoke(dbapi_conn):
        return
    try:
        engine.dialect.do_ping(dbapi_conn)
    except Exception as exc:
        raise DisconnectionError(f"a pooled connection did not answer a ping: {exc}") from exc


def _spoke(dbapi_conn: Any) -> bool:
    """Whether the server sent something on an idle connection (or closed it): its socket
    reads at once."""
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError, AttributeError):  # closed, or not a socket: ask the server
        return True
    return bool(readable)


def plans_by_statistics(engine: Engine | Connection) -> bool:
    """Whether the database plans from statistics that ANALYZE gathers (PostgreSQL); SQLite
    plans by the schema alone."""
    return engine.dialect.name == "postgresql"


def claims_rows(conn: Connection) -> bool:
    """Whether this database locks rows a claim takes (PostgreSQL: FOR UPDATE SKIP LOCKED);
    SQLite has one writer at a time, so a claim has nothing to lock."""
    return conn.dialect.name == "postgresql"


@contextmanager
def in_index_order(conn: Connection) -> Iterator[None]:
    """The statements run inside walk an index in its order, as far as their LIMIT, whatever
    PostgreSQL's statistics say. A queue (the inbox, what is due) asks for the oldest few rows
    of a store; on a database no ANALYZE has seen (a young live one, autovacuum off or a minute
    behind a burst) PostgreSQL guesses a store has a few dozen rows and reads and sorts all of
    them: a backlog of 100,000 events cost 0.7 s a take of 500, so taking them in grew with
    the square of the backlog. Sorting and bitmap scans are off for those statements only, and
    back to the session's settings after them (an error rolls the transaction back, and the
    settings with it). SQLite plans by the schema alone, and walks the index already."""
    by_statistics = plans_by_statistics(conn)
    if by_statistics:
        conn.exec_driver_sql("SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")
    yield
    if by_statistics:
        conn.exec_driver_sql(
            "SET LOCAL enable_sort TO DEFAULT; SET LOCAL enable_bitmapscan TO DEFAULT"
        )


def _sqlite_connect(cache_mib: int, dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{cache_mib * 1024:d}")  # in KiB
    cursor.execute("PRAGMA temp_store=MEMORY")
    # What a write frees (an erased phone, a rewritten payload) is zeroed, not left readable
    # in the file's free space; the WAL's old pages go when an erasure checkpoints it.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    reads_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if reads_only else "BEGIN IMMEDIATE")


def _sqlite_refused(busy_seconds: float, context: ExceptionContext) -> None:
    if context.engine is not None:
        where = context.engine.url.database
        found = sqlite_refusal(context.original_exception, where, busy_seconds)
        if found is not None:
            raise found from context.original_exception


def sqlite_refusal(
    exc: BaseException, where: str | None, busy_seconds: float
) -> StorageBusy | StorageFull | None:
    """A busy or full SQLite database, said in words: the file, and what happened."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF == SQLITE_BUSY:
        return StorageBusy(
            f"SQLite database {where} is busy: another connection held its write lock past"
            f" the busy timeout ({busy_seconds:g} s, TIDINGS_SQLITE_BUSY_SECONDS);"
            " nothing of this transaction was kept"
        )
    if code is not None and code & 0xFF == SQLITE_FULL:
        return StorageFull(
            f"SQLite database {where} is full (no room on its disk, or its page limit):"
            " nothing of this transaction was kept"
        )
    return None
