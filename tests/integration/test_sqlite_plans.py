"""The plans SQLite makes for the statements that must not read a whole table.

SQLite plans without statistics (tidings runs no ANALYZE on it), so a plan depends on the
schema and the statement alone, not on how many rows there are: an empty database shows the
plan a store with a million messages gets. Each of these statements once read every row of
its table at every call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, create_engine, event, text

from helpers import Clock, at, live
from tidings import bootstrap
from tidings.adapters.db.analytics.holdout import OUTCOMES
from tidings.adapters.db.analytics.steps import SqlStepReads
from tidings.adapters.db.analytics.uow import SqlAnalytics
from tidings.adapters.db.deliveries import SqlDeliveries
from tidings.adapters.db.outbox import SqlOutbox
from tidings.adapters.db.privacy import SqlPrivacy
from tidings.adapters.db.read import SqlReadModel
from tidings.services.ports import MessageFilter

START = datetime(2026, 11, 10, 16, tzinfo=UTC)
END = START + timedelta(days=1)


@pytest.fixture
def plans(tmp_path: Any) -> Iterator[tuple[Connection, list[str]]]:
    """A migrated SQLite file, and the plan of every SELECT run on it (one text each)."""
    url = str(tmp_path / "plans.db")
    bootstrap.upgrade_database(url)
    engine = create_engine(f"sqlite:///{url}")
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def explain(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            rows = cursor.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
            seen.append("\n".join(str(row[-1]) for row in rows))

    with engine.connect() as conn:
        yield conn, seen
    engine.dispose()


def _only(seen: list[str], run: Callable[[], object]) -> str:
    before = len(seen)
    run()
    assert len(seen) > before, "the call ran no SELECT"
    return "\n".join(seen[before:])


def test_a_claim_reads_the_partial_index_of_what_waits(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    now = datetime(2026, 12, 1, tzinfo=UTC)

    plan = _only(seen, lambda: SqlDeliveries(conn).claim(now, "w1", now, 10))

    assert "USING INDEX ix_deliveries_claim" in plan
    assert "SCAN deliveries" not in plan


@pytest.mark.parametrize("journey, outcome", [
    ("payment_reminder", "paid"),
    ("cart_recovery", "ordered"),
    ("pickup_reminder", "collected"),
    ("review_request", "reviewed"),
])  # fmt: skip
def test_the_uplift_finds_a_subjects_earlier_messages_by_its_key(
    plans: tuple[Connection, list[str]], journey: str, outcome: str
) -> None:
    conn, seen = plans
    assert outcome in OUTCOMES

    plan = _only(seen, lambda: SqlAnalytics(conn).arms("s1", journey, outcome, START, END))

    assert "SEARCH m USING INDEX ix_messages_journey" in plan
    assert "SEARCH p USING INDEX sqlite_autoindex_messages_2 (store_id=? AND subject=?" in plan
    assert "ix_messages_listing" not in plan
    assert "SCAN" not in plan


def test_the_reports_delivered_count_reads_the_partial_index_of_receipts(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    first = _only(seen, lambda: SqlAnalytics(conn).delivered("s1", START, END))  # none yet
    assert first == "SEARCH deliveries USING INDEX ix_deliveries_delivered (store_id=?)"
    conn.execute(
        text(
            "INSERT INTO deliveries (store_id, message_id, recipient, channel, provider, state,"
            " attempts, attempt_at) VALUES ('s1', 'm1', '+1', 'sms', 'file', 'delivered', 1,"
            " '2026-11-11 00:00:00.000000')"
        )
    )

    plan = _only(seen, lambda: SqlAnalytics(conn).delivered("s1", START, END))

    assert "SEARCH deliveries USING INDEX ix_deliveries_delivered (store_id=?)" in plan
    assert "USING INDEX ix_deliveries_delivered (store_id=? AND message_id=?)" in plan
    assert "SCAN deliveries" not in plan and "SCAN messages" not in plan


@pytest.mark.parametrize("query", ["due", "stores_due", "next_due"])
def test_due_messages_are_found_in_the_partial_index_of_pending_ones(
    plans: tuple[Connection, list[str]], query: str
) -> None:
    conn, seen = plans
    outbox = SqlOutbox(conn)
    calls: dict[str, Callable[[], object]] = {
        "due": lambda: outbox.due(END, 500, ["s1", "s2"]),
        "stores_due": lambda: outbox.stores_due(END),
        "next_due": outbox.next_due,
    }

    plan = _only(seen, calls[query])

    assert "ix_messages_due" in plan
    if query == "due":  # the tie-break is in the index (0026): a tie group is not sorted
        assert "TEMP B-TREE" not in plan
    if query == "next_due":  # the earliest pending ones in order: a walk of the partial index
        plan = plan.replace("SCAN messages USING INDEX ix_messages_due", "")
    assert "SCAN messages" not in plan


@pytest.mark.parametrize("listing", ["of_customer", "messages"])
def test_a_customers_messages_are_found_by_the_customer(
    plans: tuple[Connection, list[str]], listing: str
) -> None:
    conn, seen = plans
    read = SqlReadModel(conn)
    calls: dict[str, Callable[[], object]] = {
        "of_customer": lambda: read.of_customer("s1", "c1", 50),
        "messages": lambda: read.messages("s1", MessageFilter(customer="c1"), None, 50),
    }

    plan = _only(seen, calls[listing])

    assert "SEARCH messages USING INDEX ix_messages_customer (store_id=? AND customer_id=?)" in plan


def test_a_journeys_messages_are_listed_from_its_own_index(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    where = MessageFilter(journey="payment_reminder")

    plan = _only(seen, lambda: SqlReadModel(conn).messages("s1", where, None, 50))

    assert "USING INDEX ix_messages_journey_due (store_id=? AND journey=?)" in plan
    assert "SCAN messages" not in plan
    assert "TEMP B-TREE" not in plan  # read in due order, not sorted after


def test_an_unsubscribe_link_finds_its_message_by_its_id(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans

    plan = _only(seen, lambda: SqlReadModel(conn).message("m1"))

    assert plan == "SEARCH messages USING INDEX ix_messages_id (message_id=?)"


def test_an_erasure_finds_the_customers_events_without_reading_the_stores_texts(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    privacy = SqlPrivacy(conn)

    own = _only(seen, lambda: privacy.events_of("s1", "c1", ["customer.upserted"]))
    replies = _only(seen, lambda: privacy.replies("s1"))

    assert own == "SEARCH events USING INDEX ix_events_customer (store_id=? AND customer_id=?)"
    assert replies == "SEARCH events USING INDEX ix_events_type (store_id=? AND type=?)"


def test_a_stores_latest_events_of_a_type_are_read_from_their_index_in_its_order(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans

    plan = _only(seen, lambda: SqlStepReads(conn).last_events("s1", ["order.created"], 10))

    assert plan == "SEARCH events USING INDEX ix_events_type (store_id=? AND type=?)"


def test_a_journeys_steps_are_counted_from_the_journeys_index(
    plans: tuple[Connection, list[str]],
) -> None:
    conn, seen = plans
    steps = SqlStepReads(conn)

    counted = _only(seen, lambda: SqlAnalytics(conn).messages("s1", START, END, by_step=True))
    waiting = _only(seen, lambda: steps.step_pending("s1", "payment_reminder", START, END))

    by_journey = "ix_messages_journey (store_id=? AND journey=? AND decided_at>? AND decided_at<?)"
    undecided = "ix_messages_journey (store_id=? AND journey=? AND decided_at=? AND status=?)"
    assert f"SEARCH messages USING INDEX {by_journey}" in counted
    assert f"SEARCH messages USING INDEX {undecided}" in waiting
    assert "ix_messages_journey_due" not in waiting  # every message due in the period


def _readers() -> dict[str, Any]:
    """Every Reader a batch loads with (the driver's cursor: no SQLAlchemy event sees it)."""
    from tidings.adapters.db import inbox, outbox, repositories

    found = {f"state: {kind}": reader for kind, reader in repositories._READERS.items()}
    found["waiting events' payloads"] = inbox._PAYLOADS
    found["customers by phone"] = repositories._BY_PHONE
    for name in ("_OF_SUBJECTS", "_ABOUT_CUSTOMERS", "_PENDING_OF_CUSTOMERS", "_SENT"):
        found[f"messages: {name}"] = getattr(outbox, name)
    return found


@pytest.mark.parametrize("name", sorted(_readers()))
def test_a_batch_loads_its_keys_by_index(plans: tuple[Connection, list[str]], name: str) -> None:
    conn, _ = plans
    reader = _readers()[name]
    sql = reader.sql(conn.dialect, 2, 3)
    keys = ["s1", "s2", "a", "b", "c"]  # two stores, three values
    params = keys + ["2026-11-11 00:00:00.000000"] * (sql.count("?") - len(keys))  # `where`'s
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params)).fetchall()
    plan = "\n".join(str(row[-1]) for row in rows)

    assert "SEARCH" in plan and "SCAN" not in plan, plan


def test_a_worker_takes_a_stores_oldest_waiting_events_by_index(
    plans: tuple[Connection, list[str]],
) -> None:
    from tidings.adapters.db.inbox import SqlInbox

    conn, seen = plans

    plan = _only(seen, lambda: SqlInbox(conn).take(["s1"], 500))

    assert "SEARCH inbox USING COVERING INDEX ix_inbox_order (store_id=?)" in plan
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan


def test_the_stores_with_events_waiting_are_found_by_a_step_a_store(
    plans: tuple[Connection, list[str]],
) -> None:
    from tidings.adapters.db.inbox import SqlInbox

    conn, seen = plans

    plan = _only(seen, lambda: SqlInbox(conn).stores())

    assert "SEARCH i USING COVERING INDEX sqlite_autoindex_inbox_1 (store_id>?)" in plan
    assert "TEMP B-TREE" not in plan  # not a DISTINCT over every waiting event


def test_a_worker_on_sqlite_has_no_analysis_to_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite plans by the schema alone: its worker opens no transaction every ten seconds to
    show a planner its tables (PostgreSQL's does: test_postgres_plans)."""
    app = live(str(tmp_path / "t.db"), Clock(at(12)))

    assert app.worker().analyze is None
    app.close()
