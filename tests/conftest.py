"""Fixtures: a fresh SQLite file and a fresh PostgreSQL database for this run.

PostgreSQL tests use the server at TIDINGS_TEST_PG (default 127.0.0.1:5432, user postgres).
Where it cannot be reached they skip with the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from helpers import PG_ADMIN, own_pg_database
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.tables import metadata


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database of its own for this test run, dropped at the end."""
    try:
        psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    with own_pg_database("tidings_test") as url:
        yield url


def _empty_pg(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names}"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """An empty database of each kind: a new SQLite file, or the run's PostgreSQL emptied."""
    if request.param == "sqlite":
        return str(tmp_path / "tidings.db")
    url: str = request.getfixturevalue("pg_database")
    _empty_pg(url)
    return url


@pytest.fixture(autouse=True)
def _no_errors_logged(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture):  # type: ignore[no-untyped-def]
    """tidings logs an error only when something went wrong that it kept going past (a record
    that failed, a store's round): a test that saw one fails, unless it expects them."""
    yield
    if request.node.get_closest_marker("logs_errors"):
        return
    errors = [
        r for r in caplog.get_records("call") if r.levelno >= 40 and r.name.startswith("tidings")
    ]
    assert not errors, f"tidings logged errors: {[r.getMessage() for r in errors]}"
