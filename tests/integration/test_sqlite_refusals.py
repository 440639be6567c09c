"""SQLite refusing a transaction: another connection held the write lock past the busy
timeout, or the file has no room (its page limit, as a full disk would). Each time the
error says which and where, nothing of the transaction is kept, and the worker goes on."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from fakes_providers import ScriptedProvider
from helpers import Clock, at, customer, live, order, post, store
from tidings.adapters.db import tables as t
from tidings.domain.errors import StorageBusy, StorageFull


def _count(app: Any, table: Any, store_id: str | None = None) -> int:
    query = select(func.count()).select_from(table)
    if store_id is not None:
        query = query.where(table.c.store_id == store_id)
    with app.db.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


@pytest.fixture
def lock(tmp_path: Any) -> Iterator[sqlite3.Connection]:
    """A second connection to the file, for the test to take its write lock."""
    other = sqlite3.connect(tmp_path / "tidings.db", isolation_level=None)
    yield other
    other.close()


def _day(shop: str, orders: int) -> list[dict[str, Any]]:
    out = [{**store(), "store": shop}]
    for i in range(orders):
        people = customer(f"c{i}", phone=f"+86138{i:08d}", name="客人" * 40, when=at(-23))
        out += [{**people, "store": shop}, {**order(f"o{i}", at(9), cid=f"c{i}"), "store": shop}]
    return out


def test_events_posted_while_another_connection_writes_are_refused_whole(tmp_path, lock):
    app = live(str(tmp_path / "tidings.db"), Clock(at(10)), sqlite_busy_seconds=0.05)
    lock.execute("BEGIN IMMEDIATE")

    with pytest.raises(StorageBusy, match=r"tidings\.db is busy: .* write lock .*0\.05 s"):
        post(app, _day("acme", 3))

    lock.execute("COMMIT")
    assert _count(app, t.events) == 0 and _count(app, t.inbox) == 0
    assert post(app, _day("acme", 3)) == [True] * 7  # all of them new: none was kept
    app.close()


@pytest.mark.logs_errors  # a store's batch refused, where the round itself goes on
def test_a_worker_round_that_finds_the_database_busy_takes_nothing(
    tmp_path: Any, lock: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(at(10))
    app = live(str(tmp_path / "tidings.db"), clock, {"file": ScriptedProvider()},
               sqlite_busy_seconds=0.05)  # fmt: skip
    post(app, _day("acme", 3))
    worker = app.worker()
    lock.execute("BEGIN IMMEDIATE")

    try:
        worker.round()
        refused = [r.exc_info[1] for r in caplog.records if r.exc_info]
    except StorageBusy as exc:  # the round's first look at the stores wants the lock too
        refused = [exc]

    lock.execute("COMMIT")
    assert refused and all(isinstance(e, StorageBusy) for e in refused)
    assert _count(app, t.inbox) == 7 and _count(app, t.customers) == 0
    clock.advance(seconds=6)  # a store whose batch failed is backed off 5 s
    assert worker.round() and _count(app, t.inbox) == 0 and _count(app, t.customers) == 3
    app.close()


@pytest.mark.logs_errors
def test_a_full_database_rolls_back_one_stores_batch_and_the_others_go_on(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = live(str(tmp_path / "tidings.db"), Clock(at(10)), {"file": ScriptedProvider()})
    post(app, _day("big", 300) + _day("small", 1))
    with app.db.connect() as conn:
        room = conn.exec_driver_sql("PRAGMA page_count").scalar() + 8

    @event.listens_for(app.db, "checkout")
    def capped(dbapi_conn: Any, *_: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {room}")

    with caplog.at_level(logging.ERROR, logger="tidings"):
        app.worker().round()

    assert _count(app, t.customers, "small") == 1 and _count(app, t.inbox, "small") == 0
    assert _count(app, t.customers, "big") == 0  # nothing half-written
    assert _count(app, t.messages, "big") == 0 and _count(app, t.inbox, "big") == 601
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    (failed,) = [r for r in errors if r.getMessage().startswith("store big:")]
    assert failed.getMessage().startswith("store big: its events and due messages failed")
    # the rest of the round is housekeeping, which the full database refuses too, logged apart
    assert {r.getMessage() for r in errors if r is not failed} <= {
        "keeping the daily figures failed"
    }
    assert failed.exc_info is not None
    error = failed.exc_info[1]
    assert isinstance(error, StorageFull) and "tidings.db is full" in str(error)
    app.close()
