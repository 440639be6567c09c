"""Database engines: SQLite (a file, WAL, one writer at a time) or PostgreSQL by URL.

On SQLite a transaction begins IMMEDIATE (it takes the one writer's lock at once, so that two
writers never deadlock upgrading), unless its connection is marked `READ_ONLY`: that one
begins DEFERRED and reads beside the writer (WAL), never waiting for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

READ_ONLY = "tidings_read_only"  # the execution option of a read-only unit of work


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and plain file paths; pick the psycopg 3 driver."""
    if "://" not in url:
        return f"sqlite:///{Path(url).resolve()}"
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # No server-side prepared statements: a generic plan made while a table was small (or
    # never analyzed) kept scanning it whole once it was large: 4x slower replays.
    # Parameters stay out of error messages (and so out of logs): they carry phones and texts.
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    return create_engine(url, connect_args={"prepare_threshold": None}, **options)


def claims_rows(conn: Connection) -> bool:
    """Whether this database locks rows a claim takes (PostgreSQL: FOR UPDATE SKIP LOCKED);
    SQLite has one writer at a time, so a claim has nothing to lock."""
    return conn.dialect.name == "postgresql"


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: the hot indexes stay in memory
    cursor.execute("PRAGMA temp_store=MEMORY")
    # What a write frees (an erased phone, a rewritten payload) is zeroed, not left readable
    # in the file's free space; the WAL's old pages go when an erasure checkpoints it.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    reads_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if reads_only else "BEGIN IMMEDIATE")
