"""The score's kept days: a closed day's tallies, kept, give the score it gave counted live;
a day that changes after it was kept (a late reply, a late collection, a cancellation) is
forgotten and counted again; a score asked as of before the keeping counts live. Both
databases. Shanghai time; T is 2026-11-20 10:00, so day D is 20 November.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, insert, select, update

from helpers import checkpoint, event, order, replay, shipped, sql, sqlite_steps
from outcomes_helpers import app, chat, dispute, local, score_at, shop
from tidings.adapters.db import tables as t
from tidings.services.analytics.score import daily, keep_score_days

T = local(2026, 11, 20, 10, 0)
COLLECTION = "same_day_collection_rate"


def _days() -> list[dict]:
    return [
        shop(),
        order("o1", local(2026, 11, 17, 10), status="paid"),  # due 17 Nov: collected in time
        shipped("o1", "s1", local(2026, 11, 17, 12)),
        checkpoint("s1", "in_transit", local(2026, 11, 17, 12), order_id="o1"),
        order("o2", local(2026, 11, 18, 10), status="paid"),  # due 18 Nov: never collected
        order("o3", local(2026, 11, 19, 9), status="paid"),  # due 19 Nov: never collected
        chat("k1", local(2026, 11, 18, 9), "inbound"),  # answered in 20 s
        chat("k1", local(2026, 11, 18, 9, 0, 20), "outbound", "human"),
        chat("k2", local(2026, 11, 19, 9), "inbound"),  # not answered yet
        dispute("d1", local(2026, 11, 18, 11), "o2"),
    ]


def _keep(db_url: str, at=T):  # type: ignore[no-untyped-def]
    application = app(db_url)
    try:
        uow = application.analytics_unit_of_work(read_only=False)
        return keep_score_days(uow=uow, store="acme", at=at)
    finally:
        application.db.dispose()


def _kept_days(db_url: str) -> set[str]:
    s = t.score_days.c
    return {day for (day,) in sql(db_url, select(s.day).where(s.metric == COLLECTION))}


def _live(db_url: str, at=T) -> dict:  # type: ignore[no-untyped-def]
    sql(db_url, delete(t.score_days))
    return score_at(db_url, at)


def test_kept_days_give_the_score_counted_live(db_url):
    replay(db_url, _days())
    live = score_at(db_url, T)
    assert live["metrics"][COLLECTION]["culprits"] == ["o3", "o2"]
    assert len(_keep(db_url)) == 31  # the 31 closed days before D
    assert {"2026-11-17", "2026-11-18", "2026-11-19"} <= _kept_days(db_url)
    assert score_at(db_url, T) == live
    assert _keep(db_url) == []


def test_the_score_reads_the_kept_days(db_url):
    replay(db_url, _days())
    _keep(db_url)
    s = t.score_days.c
    sql(db_url, update(t.score_days).where(s.metric == COLLECTION).values(numerator="1"))
    # each of the window's 30 kept days (D-30 … D-1) now says one order collected in time
    assert score_at(db_url, T)["metrics"][COLLECTION]["numerator"] == 30


def test_a_late_reply_and_a_late_collection_forget_their_days(db_url):
    replay(db_url, _days())
    _keep(db_url)
    late = [
        chat("k2", local(2026, 11, 20, 9, 30), "outbound", "human"),  # k2's turn of 19 Nov
        shipped("o3", "s3", local(2026, 11, 20, 9)),  # o3 (due 19 Nov) collected late
        checkpoint("s3", "in_transit", local(2026, 11, 20, 9), order_id="o3"),
    ]
    replay(db_url, late)
    assert "2026-11-19" not in _kept_days(db_url)
    assert {"2026-11-17", "2026-11-18"} <= _kept_days(db_url)
    after = score_at(db_url, T)
    assert after["metrics"]["response_avg_seconds"]["denominator"] == 2  # k2 now answered
    _keep(db_url)
    assert score_at(db_url, T) == after == _live(db_url)


def test_a_cancellation_forgets_the_day_its_order_was_due(db_url):
    replay(db_url, _days())
    _keep(db_url)
    replay(
        db_url, [event("order.cancelled", local(2026, 11, 20, 8), order_id="o2", reason="customer")]
    )
    assert "2026-11-18" not in _kept_days(db_url)
    assert score_at(db_url, T)["metrics"][COLLECTION]["culprits"] == ["o3"]


def test_a_score_as_of_before_the_keeping_is_counted_live(db_url):
    replay(db_url, _days())
    _keep(db_url, at=local(2026, 11, 21, 10))  # kept as of a day later
    s = t.score_days.c
    sql(db_url, update(t.score_days).where(s.metric == COLLECTION).values(numerator="1"))
    assert score_at(db_url, T) == _live(db_url)


def _daily(db_url: str) -> list:
    application = app(db_url)
    try:
        uow = application.analytics_unit_of_work()
        return daily(uow=uow, store="acme", at=T)[COLLECTION]
    finally:
        application.db.dispose()


def test_the_trend_counts_live_only_its_newest_days_until_they_are_kept(db_url):
    replay(db_url, _days())
    before = _daily(db_url)
    assert len(before) == 30 and before[:-1] == [None] * 29  # 21 Oct … 18 Nov: not counted yet
    assert (before[-1].numerator, before[-1].denominator) == (0, 1)  # 19 Nov: o3 late
    _keep(db_url)
    after = _daily(db_url)
    # 17 Nov: o1 in time; 18 Nov: o2 late; 19 Nov: o3 late
    assert [(t.numerator, t.denominator) for t in after[-3:]] == [(1, 1), (0, 1), (0, 1)]
    assert None not in after and after[-1] == before[-1]


def test_a_change_no_kept_day_holds_searches_no_kept_day(tmp_path):
    """A live store keeps its closed days from its worker's first round, and what it writes
    is mostly about today: such a write costs as many SQLite steps with 31 days kept as with
    none, and so does one about a kept day once that day is forgotten (migration 0025; before
    it, 0017's trigger tested every kept day of the store against the row)."""
    db = str(tmp_path / "t.db")
    replay(db, _days())

    def chat_row(conversation: str, when: datetime) -> dict:
        return {"store_id": "acme", "event_id": f"e-{conversation}-{when:%H%M}", "direction":
                "inbound", "conversation_id": conversation, "occurred_at": when}  # fmt: skip

    def steps(table: Table, row: dict, kept: bool = False) -> int:
        return sqlite_steps(db, insert(table).values(row), keep=kept)

    today = chat_row("k9", local(2026, 11, 20, 9, 45))  # a new conversation
    later = chat_row("k2", local(2026, 11, 20, 9, 50))  # one of 19 Nov, kept
    parcel = {"store_id": "acme", "shipment_id": "s2", "order_id": "o2",  # paid 18 Nov, kept
              "collected_at": local(2026, 11, 20, 9)}  # fmt: skip
    alone = {"today": steps(t.chat_messages, today), "parcel": steps(t.shipments, parcel)}
    assert len(_keep(db)) == 31
    assert steps(t.chat_messages, today) <= alone["today"] + 40  # a probe of the days' index
    steps(t.chat_messages, later, kept=True)  # forgets 19 Nov's days it holds
    again = chat_row("k2", local(2026, 11, 20, 9, 55))
    assert steps(t.chat_messages, again) <= alone["today"] + 100  # a probe a message of k2
    steps(t.shipments, parcel, kept=True)  # forgets 18 Nov's days it holds
    other = {**parcel, "shipment_id": "s4", "collected_at": local(2026, 11, 20, 9, 30)}
    assert steps(t.shipments, other) <= alone["parcel"] + 40
