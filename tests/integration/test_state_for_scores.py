"""The facts the service score and the reports read are kept as state: chats, disputes, clicks,
and when each parcel was first collected, arrived and delivered."""

from __future__ import annotations

from sqlalchemy import select, text

from helpers import at, checkpoint, customer, event, order, paid, replay, shipped, store
from tidings.adapters.db import tables
from tidings.adapters.db.engine import make_engine


def _rows(db_url: str, sql: str) -> list[tuple]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def test_chat_messages_are_kept_one_row_each(db_url):
    events = [
        store(),
        event("chat.message", at(10), conversation_id="k1", customer_id="c1", direction="inbound"),
        event(
            "chat.message",
            at(10, seconds=20),
            conversation_id="k1",
            customer_id="c1",
            direction="outbound",
            responder="bot",
        ),
    ]
    replay(db_url, events)
    rows = _rows(
        db_url,
        "SELECT conversation_id, direction, responder FROM chat_messages ORDER BY occurred_at",
    )
    assert rows == [("k1", "inbound", None), ("k1", "outbound", "bot")]


def test_a_dispute_keeps_its_order_and_how_it_closed(db_url):
    events = [
        store(),
        event("dispute.opened", at(10), dispute_id="d1", order_id="o1"),
        event("dispute.closed", at(30), dispute_id="d1", outcome="refunded"),
    ]
    replay(db_url, events)
    rows = _rows(db_url, "SELECT dispute_id, order_id, outcome, closed_at FROM disputes")
    assert [r[:3] for r in rows] == [("d1", "o1", "refunded")] and rows[0][3] is not None


def test_a_click_is_a_row_with_its_time(db_url):
    events = [
        store(),
        event("link.clicked", at(10), token="abc"),
        event("link.clicked", at(11), token="abc"),
    ]
    replay(db_url, events)
    assert len(_rows(db_url, "SELECT token FROM clicks WHERE token = 'abc'")) == 2


def test_a_parcel_keeps_when_it_was_first_collected_arrived_and_delivered(db_url):
    events = [
        store(),
        customer(),
        order("o1", at(9)),
        paid("o1", at(9, 5)),
        shipped("o1", "s1", at(12)),
        checkpoint("s1", "in_transit", at(20)),
        checkpoint("s1", "in_transit", at(30)),
        checkpoint("s1", "delivered", at(40)),
        checkpoint("s1", "in_transit", at(15)),  # late, older than what is known: still counts
    ]
    replay(db_url, events)
    engine = make_engine(db_url)
    c = tables.shipments.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.status, c.collected_at, c.arrived_at, c.delivered_at, c.milestones)
        ).one()
    engine.dispose()
    assert row[0] == "delivered"
    assert list(row[1:4]) == [at(15), at(40), at(40)]
    assert [m[0] for m in row[4]] == ["in_transit", "in_transit", "in_transit", "delivered"]
