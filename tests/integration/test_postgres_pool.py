"""PostgreSQL connections in the pool: one used a moment ago goes back to work without a ping
(a worker takes one several hundred times a second); one the server closed meanwhile, or one
that rested long, is pinged, and replaced when it does not answer, so no transaction meets a
dead connection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine

from helpers import PG_ADMIN
from tidings.adapters.db import engine as engines
from tidings.adapters.db.engine import make_engine


@pytest.fixture
def pinged(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list[Any]]]:
    """An engine on the run's database, and the connections it pinged."""
    engine = make_engine(pg_database)
    pings: list[Any] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings.append(dbapi_conn)
        return ping(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    yield engine, pings
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _terminate(pid: int) -> None:
    """End a backend from the server's side, and wait until it has gone."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
        for _ in range(200):
            if admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                time.sleep(0.01)
    time.sleep(0.05)  # its goodbye on the socket


def test_a_connection_used_a_moment_ago_goes_back_to_work_unpinged(pinged) -> None:
    engine, pings = pinged
    first = _backend(engine)

    again = [_backend(engine) for _ in range(5)]

    assert again == [first] * 5  # the pool's one connection, each time
    assert pings == []


def test_a_connection_that_rested_long_is_pinged_before_use(pinged, monkeypatch) -> None:
    engine, pings = pinged
    first = _backend(engine)
    monkeypatch.setattr(engines, "PING_AFTER_REST", 0.0)

    assert _backend(engine) == first

    assert len(pings) == 1


def test_a_connection_the_server_closed_while_it_rested_is_replaced_unseen(pinged) -> None:
    engine, pings = pinged
    first = _backend(engine)
    _terminate(first)  # a restart, an operator's pg_terminate_backend

    second = _backend(engine)  # no error: the pool found it dead and opened another

    assert second != first
    assert len(pings) == 1  # the closed socket read at once, so it was asked
