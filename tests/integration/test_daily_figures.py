"""The kept daily figures: a closed day summed once gives the report it gave counted live, and
a day that changes after it was summed (a late receipt, a click and the order it brings) is
forgotten and counted again, on both databases.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from helpers import (
    Clock,
    cart,
    customer,
    event,
    live,
    order,
    paid,
    post,
    replay,
    rounds,
    sql,
    sqlite_steps,
)
from outcomes_helpers import app, local, report, shop
from tidings.adapters.db import tables as t
from tidings.adapters.db.engine import make_engine
from tidings.services.analytics.figures import keep_closed_days, keep_todays_hours

NOV_11, NOV_12 = date(2026, 11, 11), date(2026, 11, 12)
MORNING = local(2026, 11, 13, 9)


def _day() -> list[dict]:
    return [
        shop(),
        customer("c1", "+8613800138001"),
        customer("c6", "+8613800138006", sms_consent=True),
        order("o1", local(2026, 11, 11, 10), "c1"),  # its reminder at 10:30, never paid
        cart("k6", local(2026, 11, 11, 10), "c6"),  # its reminder at 11:00
    ]


def _keep(db_url: str, hours_at=None) -> list:  # type: ignore[no-untyped-def]
    """The closed days kept at MORNING, or the hours of the day at `hours_at`."""
    application = app(db_url)
    try:
        uow = application.analytics_unit_of_work(read_only=False)
        if hours_at is not None:
            return keep_todays_hours(uow=uow, store="acme", at=hours_at)
        return keep_closed_days(uow=uow, store="acme", at=MORNING)
    finally:
        application.db.dispose()


def _kept(db_url: str) -> list[str]:
    f = t.figure_days.c
    return [day for (day,) in sql(db_url, select(f.day).where(f.store_id == "acme"))]


def _live(db_url: str) -> dict:
    """The report with every kept day forgotten: counted from the rows alone."""
    sql(db_url, delete(t.figure_days))
    return report(db_url, NOV_11, NOV_12)


def _message(db_url: str, subject: str) -> str:
    m = t.messages.c
    query = select(m.message_id).where(m.subject == subject, m.status == "sent")
    return sql(db_url, query.order_by(m.decided_at).limit(1))[0][0]


def _token(db_url: str, subject: str) -> str:
    k = t.links.c
    query = select(k.token).where(k.message_id == _message(db_url, subject))
    return sql(db_url, query)[0][0]


def test_a_kept_day_gives_the_report_it_gave_live(db_url):
    replay(db_url, _day())
    live = report(db_url, NOV_11, NOV_12)
    assert live["totals"]["sent"] == 3  # o1: its first and last reminder; k6: one
    assert _keep(db_url) == [NOV_11, NOV_12]  # from the first message's day to yesterday
    assert sorted(_kept(db_url)) == ["2026-11-11", "2026-11-12"]
    assert report(db_url, NOV_11, NOV_12) == live
    assert _keep(db_url) == []  # nothing forgotten: nothing summed again


def test_the_report_reads_the_kept_day_not_the_rows(db_url):
    replay(db_url, _day())
    _keep(db_url)
    c = t.daily_counts.c
    sql(db_url, update(t.daily_counts).where(c.status == "sent").values(messages=c.messages + 100))
    assert report(db_url, NOV_11, NOV_11)["totals"]["sent"] == 202


def test_a_late_receipt_forgets_its_day_and_is_counted(db_url):
    replay(db_url, _day())
    _keep(db_url)
    before = report(db_url, NOV_11, NOV_12)["totals"]
    receipt = event(
        "message.status", MORNING, message_id=_message(db_url, "order:o1"), status="delivered"
    )
    replay(db_url, [receipt])
    assert _kept(db_url) == ["2026-11-12"]  # 11 Nov forgotten, 12 Nov untouched
    after = report(db_url, NOV_11, NOV_12)
    assert after["totals"]["delivered"] == before["delivered"] + 1
    assert _keep(db_url) == [NOV_11]  # summed again, with the receipt
    assert report(db_url, NOV_11, NOV_12) == after == _live(db_url)


def test_todays_closed_hours_are_kept_each_forgotten_alone_and_replaced_by_the_day(db_url):
    replay(db_url, _day())
    live = report(db_url, NOV_11, NOV_11)
    # o1's first reminder was decided at 10:30, k6's at 11:00: the hours before hold nothing
    assert _keep(db_url, hours_at=local(2026, 11, 11, 12, 30)) == [10, 11]
    assert sorted(_kept(db_url)) == ["2026-11-11T10", "2026-11-11T11"]
    assert report(db_url, NOV_11, NOV_11) == live  # two hours kept, the rest counted
    receipt = event(
        "message.status", MORNING, message_id=_message(db_url, "order:o1"), status="delivered"
    )
    replay(db_url, [receipt])
    assert _kept(db_url) == ["2026-11-11T11"]  # the receipt's hour forgotten, alone
    after = report(db_url, NOV_11, NOV_11)
    assert after["totals"]["delivered"] == live["totals"]["delivered"] + 1
    assert _keep(db_url, hours_at=local(2026, 11, 11, 12, 30)) == [10]
    assert report(db_url, NOV_11, NOV_11) == after
    assert _keep(db_url) == [NOV_11, NOV_12]  # the day summed whole replaces its hours
    assert sorted(_kept(db_url)) == ["2026-11-11", "2026-11-12"]
    assert report(db_url, NOV_11, NOV_11) == after
    kept = report(db_url, NOV_11, NOV_12)
    assert kept == _live(db_url)


def test_a_write_in_flight_while_its_day_is_summed_is_counted_or_forgets_the_day(db_url):
    """A change committing while the worker sums its day (PostgreSQL reads what has committed,
    statement by statement) must not leave a kept day that misses it."""
    replay(db_url, _day())
    engine = make_engine(db_url)
    m = t.messages.c
    mine = _message(db_url, "order:o1")
    writer = engine.connect()
    tx = writer.begin()
    writer.execute(update(t.messages).where(m.message_id == mine).values(segments=m.segments + 5))
    summing = threading.Thread(target=_keep, args=(db_url,))
    summing.start()
    time.sleep(1.0)  # the worker sums meanwhile (or waits for the write)
    tx.commit()
    writer.close()
    summing.join(timeout=60)
    engine.dispose()
    assert not summing.is_alive()
    kept = report(db_url, NOV_11, NOV_12)
    live = _live(db_url)
    assert kept["totals"] == live["totals"]
    assert kept == live
    assert kept["totals"]["segments"] == 3 + 5


def test_a_late_click_and_the_order_it_brings_back_are_credited_to_the_kept_day(db_url):
    replay(db_url, _day())
    _keep(db_url)
    token = _token(db_url, "cart:k6")
    late = [
        event("link.clicked", local(2026, 11, 12, 10), token=token),
        order("o6", local(2026, 11, 12, 11, 30), "c6"),  # 24.5 h after the SMS, 1.5 after the click
        paid("o6", local(2026, 11, 12, 11, 40)),
    ]
    replay(db_url, late)
    assert "2026-11-11" not in _kept(db_url)
    cart_row = {r["journey"]: r for r in report(db_url, NOV_11, NOV_11)["journeys"]}[
        "cart_recovery"
    ]
    assert (cart_row["clicked"], cart_row["orders_recovered"]) == (1, 1)
    _keep(db_url)
    kept = report(db_url, NOV_11, NOV_12)
    assert kept == _live(db_url)


def test_a_day_kept_in_another_time_zone_is_counted_live(db_url):
    replay(db_url, _day())
    _keep(db_url)
    live = report(db_url, NOV_11, NOV_11)
    c = t.daily_counts.c
    sql(db_url, update(t.daily_counts).where(c.status == "sent").values(messages=0))
    f = t.figure_days.c
    sql(db_url, update(t.figure_days).values(starts_at=f.ends_at))  # no longer 11 Nov's instants
    assert report(db_url, NOV_11, NOV_11) == live
    assert sql(db_url, select(func.count()).select_from(t.figure_days))[0][0] == 2


def _holdout_day() -> list[dict]:
    """payment_reminder holds back half of its subjects; six orders on 11 Nov, three paid."""
    events = [{**shop(journeys={"payment_reminder": {"holdout": 0.5}})}]
    for n in range(6):
        oid = f"h{n}"
        events += [customer(oid, f"+86138001381{n:02d}"), order(oid, local(2026, 11, 11, 10), oid)]
        if n % 2:
            events.append(paid(oid, local(2026, 11, 11, 10, 45)))
    return events


def test_the_holdout_arms_of_kept_days_are_the_live_ones_and_a_late_payment_counts(db_url):
    replay(db_url, _holdout_day())
    live = report(db_url, NOV_11, NOV_12)
    (row,) = live["uplift"]
    assert row["treated"]["subjects"] + row["held_back"]["subjects"] == 6
    _keep(db_url)
    a = t.daily_arms.c
    assert sql(db_url, select(func.count()).select_from(t.daily_arms).where(a.held_back))[0][0]
    assert report(db_url, NOV_11, NOV_12) == live
    replay(db_url, [paid("h0", local(2026, 11, 12, 9))])  # h0 pays a day late
    (after,) = report(db_url, NOV_11, NOV_12)["uplift"]
    reached = (row["treated"]["outcomes"], row["held_back"]["outcomes"])
    assert sum((after["treated"]["outcomes"], after["held_back"]["outcomes"])) == sum(reached) + 1
    _keep(db_url)
    assert report(db_url, NOV_11, NOV_12) == _live(db_url)


def test_the_worker_keeps_todays_closed_hours_and_then_the_closed_days(db_url):
    clock = Clock(local(2026, 11, 11, 10))
    application = live(db_url, clock)
    try:
        post(application, _day())
        for minutes in (40, 30, 80):  # o1's reminder decided at 10:40, k6's at 11:10
            clock.advance(minutes=minutes)
            rounds(application)
        assert sorted(_kept(db_url)) == ["2026-11-11T10", "2026-11-11T11"]  # at 12:30
        clock.now = MORNING
        rounds(application)
        assert sorted(_kept(db_url))[:2] == ["2026-11-11", "2026-11-12"]
        assert not [key for key in _kept(db_url) if key.startswith("2026-11-11T")]
    finally:
        application.close()


def test_a_new_shoppers_order_searches_no_kept_day(tmp_path):
    """A live store keeps its closed days from its worker's first round: a new shopper's order
    costs as many SQLite steps with 30 days kept as with none (migration 0025; before it,
    0017's trigger searched the store's messages once for each kept day)."""
    db = str(tmp_path / "t.db")
    month = [order(f"h{d}", local(2026, 10, 14, 10) + timedelta(days=d), "c1") for d in range(30)]
    replay(db, [shop(), customer("c1", "+8613800138001"), *month])
    row = {"store_id": "acme", "order_id": "o9", "customer_id": "c9", "payment": "prepaid",
           "created_at": MORNING, "paid_at": MORNING}  # fmt: skip
    alone = sqlite_steps(db, insert(t.orders).values(row))
    assert len(_keep(db)) == 30
    # a probe of an index for each way it touches messages
    assert sqlite_steps(db, insert(t.orders).values(row)) <= alone + 150
