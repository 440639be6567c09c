"""PostgreSQL connections in the pool: one used a moment ago goes back to work without a ping
(a worker takes one several hundred times a second); one the server closed meanwhile, or one
that rested long, is pinged, and replaced when it does not answer, so no transaction meets a
dead connection."""

from __future__ import annotations

import select
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine

from helpers import PG_ADMIN
from tidings.adapters.db import engine as engines
from tidings.adapters.db.engine import make_engine

WAIT = 10.0  # seconds, at most, for the server to close a connection it terminated


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


def _socket(engine: Engine) -> int:
    """The socket of the pool's one connection, looked at without taking it out."""
    with engine.connect() as conn:
        return int(conn.connection.dbapi_connection.fileno())  # type: ignore[union-attr]


def _terminate(pid: int, socket: int) -> None:
    """End a backend from the server's side, and wait until its goodbye reached the socket."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    readable, _, _ = select.select([socket], [], [], WAIT)
    assert readable, "the server never closed the connection"


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
    _terminate(first, _socket(engine))  # a restart, an operator's pg_terminate_backend

    second = _backend(engine)  # no error: the pool found it dead and opened another

    assert second != first
    assert len(pings) == 1  # the closed socket read at once, so it was asked
