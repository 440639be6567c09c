"""The plans PostgreSQL makes for the worker's queues on a young database with a backlog.

A live database fills faster than autovacuum analyzes it (on some servers autovacuum is off):
with no statistics PostgreSQL guesses that a store has a few dozen rows, and took the oldest
500 of a store's inbox by reading and sorting all of its waiting events, at every take. Each
queue statement must walk its index in order and stop at its LIMIT, whatever the statistics
say. The database here is one of its own, never analyzed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, event, text

from helpers import Clock, at, live, order, own_pg_database, post, rounds, sql, store
from tidings.adapters.db import inbox
from tidings.adapters.db.deliveries import SqlDeliveries
from tidings.adapters.db.engine import make_engine
from tidings.adapters.db.inbox import SqlInbox
from tidings.adapters.db.outbox import SqlOutbox
from tidings.domain.delivery import ACCEPTED, Outcome

BACKLOG = 3000
NOW = at(hours=12)
SORT = re.compile(r"^\s*(->\s+)?Sort\s+\(", re.MULTILINE)  # a sort of everything read


@pytest.fixture(scope="module")
def young(pg_database: str) -> Iterator[str]:
    """A database of its own, migrated, with a store's backlog in each queue: events waiting,
    messages due (a third of them at one instant, as a night's deferred reminders are) and
    deliveries to try. No ANALYZE has run on it."""
    with own_pg_database("tidings_young") as url:
        app = live(url, Clock(NOW))
        post(app, [store()])
        rounds(app)
        post(app, [order(f"o{i}", at(hours=1, seconds=i)) for i in range(BACKLOG)])
        app.close()
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(_MESSAGES, {"n": BACKLOG, "now": NOW})
            conn.execute(_DELIVERIES)
        engine.dispose()
        yield url


_MESSAGES = text(
    "INSERT INTO messages (store_id, message_id, journey, step, subject, kind, channel,"
    " customer_id, recipient, status, started_at, due_at, run_at, segments, cost)"
    " SELECT 'acme', 'm' || i, 'payment_reminder', 'first', 'order:o' || i, 'reminder', 'sms',"
    " 'c1', '+8613800138000', 'pending', :now - interval '2 hours', :now - interval '1 hour',"
    " CASE WHEN i % 3 = 0 THEN :now - interval '1 hour' ELSE :now - i * interval '1 second' END,"
    " 1, '0.05' FROM generate_series(1, :n) AS i"
)
_DELIVERIES = text(
    "INSERT INTO deliveries (store_id, message_id, recipient, channel, provider, state,"
    " attempts, attempt_at) SELECT store_id, message_id, recipient, channel, 'file', 'queued',"
    " 0, run_at FROM messages"
)


@pytest.fixture
def plans(young: str) -> Iterator[tuple[Connection, list[str]]]:
    """A connection to the young database, and the plan of every SELECT run on it."""
    with _explained(young) as found:
        yield found


@contextmanager
def _explained(url: str) -> Iterator[tuple[Connection, list[str]]]:
    """A transaction (rolled back) on `url`, and the plan of every SELECT run in it."""
    engine = make_engine(url)
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def explain(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            cursor.execute(f"EXPLAIN {statement}", params)
            seen.append("\n".join(row[0] for row in cursor.fetchall()))

    with engine.begin() as conn:
        yield conn, seen
        conn.rollback()
    engine.dispose()


def _plan(seen: list[str], run: Callable[[], object]) -> str:
    before = len(seen)
    run()
    assert len(seen) > before, "the call ran no SELECT"
    return seen[before]  # the queue's own statement comes first


def test_the_inbox_is_taken_from_its_index_in_order(plans: tuple[Connection, list[str]]) -> None:
    conn, seen = plans
    taken: list[object] = []

    plan = _plan(seen, lambda: taken.extend(SqlInbox(conn).take(["acme"], 500)))

    assert "Index Scan using ix_inbox_order" in plan
    assert not SORT.search(plan) and "Bitmap" not in plan, plan
    assert [e.occurred_at for e in taken] == [at(hours=1, seconds=i) for i in range(500)]


def test_the_stores_with_events_waiting_are_found_by_a_step_a_store(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    stores: list[str] = []

    plan = _plan(seen, lambda: stores.extend(SqlInbox(conn).stores()))

    assert stores == ["acme"]
    assert "Index Only Scan using" in plan  # either of the indexes led by store_id
    assert "Seq Scan" not in plan and "Aggregate" not in plan, plan


def test_what_is_due_is_taken_from_its_index_in_order(plans: tuple[Connection, list[str]]) -> None:
    conn, seen = plans
    due: list[object] = []

    plan = _plan(seen, lambda: due.extend(SqlOutbox(conn).due(NOW, 500, ["acme"])))

    assert "Index Scan using ix_messages_due" in plan
    assert "Sort" not in plan, plan  # the tie-break is in the index: no sort of a tie group
    assert len(due) == 500


def test_a_claim_walks_the_index_of_what_waits(plans: tuple[Connection, list[str]]) -> None:
    conn, seen = plans
    lease = NOW + timedelta(minutes=1)

    plan = _plan(seen, lambda: SqlDeliveries(conn).claim(NOW, "w1", lease, 500))

    assert "Index Scan using ix_deliveries_claim" in plan
    assert not SORT.search(plan) and "Bitmap" not in plan, plan  # ties: sorted group by group


def test_the_settings_are_the_sessions_again_after_a_queue(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, _ = plans
    SqlInbox(conn).take(["acme"], 10)
    shown = "SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')"

    assert conn.execute(text(shown)).one() == ("on", "on")


def test_a_worker_shows_the_planner_the_tables_that_grew(pg_database: str) -> None:
    """Without statistics PostgreSQL guesses how many of a store's rows 500 keys find (and
    found them by reading every event of the store, at 100,000 events 0.1 s); the worker
    analyzes the tables that grew, and the guess is right."""
    with own_pg_database("tidings_grown") as url:
        app = live(url, Clock(NOW))
        post(app, [store(), *(order(f"o{i}", at(hours=1, seconds=i)) for i in range(BACKLOG))])
        app.close()
        _modified(url, "events", BACKLOG)
        before = _payloads_plan(url)
        assert _estimate(before) != 500, before

        app = live(url, Clock(NOW))
        app.worker().round()
        app.close()

        after = _payloads_plan(url)
        analyzed = {name for (name,) in sql(url, text(_ANALYZED)) or ()}
    assert _estimate(after) == 500, after
    assert {"events", "inbox"} <= analyzed  # 3,001 rows each
    assert not analyzed & {"stores", "orders"}  # 1 and 500 rows: not worth an ANALYZE yet


_ANALYZED = "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"


def _payloads_plan(url: str) -> str:
    """The plan of a take's read of 500 waiting events' payloads by key."""
    ids = [f"e{i}" for i in range(500)]
    engine = make_engine(url)
    with engine.connect() as conn:
        statement = inbox._PAYLOADS.sql(conn.dialect, 1, len(ids))
        plan = conn.exec_driver_sql(f"EXPLAIN {statement}", (["acme"], ids)).scalars()
        found = "\n".join(plan)
    engine.dispose()
    return found


def _estimate(plan: str) -> int:
    """How many rows the planner expects the statement to find."""
    found = re.search(r"rows=(\d+)", plan)
    assert found, plan
    return int(found.group(1))


def _modified(url: str, table: str, least: int) -> None:
    """Wait until PostgreSQL's statistics show `least` rows changed in `table` (a backend
    sends them a moment after its transactions end)."""
    engine = make_engine(url)
    shown = text("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = :t")
    try:
        for _ in range(100):
            with engine.connect() as conn:
                if (conn.execute(shown, {"t": table}).scalar() or 0) >= least:
                    return
            time.sleep(0.1)
        raise AssertionError(f"{table}: PostgreSQL's statistics never showed the changes")
    finally:
        engine.dispose()


def test_a_worker_records_its_tries_by_their_keys_on_an_analyzed_database(
    pg_database: str,
) -> None:
    """Statistics taken while no delivery was leased say that no row has a lease: PostgreSQL
    planned the recording of 1,000 tries held by one worker as a read of the whole table for
    rows of that lease, each row found then tried against each of the 1,000 (at 356,000
    deliveries, over a second a statement). Each try is found by its key."""
    with own_pg_database("tidings_leased") as url:
        app = live(url, Clock(NOW))
        post(app, [store()])
        rounds(app)
        app.close()
        sql(url, _MESSAGES.bindparams(n=20 * BACKLOG, now=NOW))
        sql(url, _DELIVERIES)
        sql(url, text("ANALYZE deliveries"))
        engine = make_engine(url)
        with engine.begin() as conn:
            deliveries = SqlDeliveries(conn)
            claims = deliveries.claim(NOW, "w1", NOW + timedelta(minutes=1), 1000)
            scans = text(
                "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'"
            )
            before = conn.execute(scans).scalar()
            deliveries.record(
                [Outcome(c, ACCEPTED, NOW, refs=(c.message_id,)) for c in claims], "w1"
            )
            after = conn.execute(scans).scalar()
            states = conn.execute(text(_STATES)).all()
        engine.dispose()
    assert len(claims) == 1000
    assert after == before, "the recording read the whole table"
    assert states == [("accepted", None, 1000), ("queued", None, 20 * BACKLOG - 1000)]


_STATES = "SELECT state, lease_owner, count(*) FROM deliveries GROUP BY 1, 2 ORDER BY 1"
