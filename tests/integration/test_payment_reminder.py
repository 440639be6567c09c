"""payment_reminder exactly as journeys.md says, on SQLite and PostgreSQL."""

from __future__ import annotations

from helpers import at, customer, event, only, order, paid, replay, store

BASE = [store(), customer()]


def test_first_reminder_30_min_after_an_unpaid_order(db_url):
    out = replay(db_url, [*BASE, order("o1", at(10))])
    first = only(out, journey="payment_reminder", step="first")
    assert len(first) == 1
    assert first[0]["status"] == "sent"
    assert first[0]["due_at"] == "2026-11-11T10:30:00+08:00"
    assert first[0]["decided_at"] == "2026-11-11T10:30:00+08:00"
    assert first[0]["subject"] == "order:o1"
    assert first[0]["kind"] == "service"
    assert first[0]["to"] == "+8613800138000"


def test_paid_before_the_first_reminder_means_none_is_sent(db_url):
    out = replay(db_url, [*BASE, order("o1", at(10)), paid("o1", at(10, 10))])
    rows = only(out, journey="payment_reminder")
    assert [(r["step"], r["status"], r["reason"]) for r in rows] == [
        ("first", "suppressed", "condition_cleared")
    ]


def test_paid_after_the_first_suppresses_the_last(db_url):
    out = replay(db_url, [*BASE, order("o1", at(10)), paid("o1", at(11))])
    rows = only(out, journey="payment_reminder")
    assert [(r["step"], r["status"], r["reason"]) for r in rows] == [
        ("first", "sent", None),
        ("last", "suppressed", "condition_cleared"),
    ]
    assert rows[1]["due_at"] == "2026-11-12T08:00:00+08:00"  # created + 24 h - 2 h


def test_last_reminder_two_hours_before_auto_close(db_url):
    close = at(16).isoformat()
    out = replay(db_url, [*BASE, order("o1", at(10), auto_close_at=close)])
    last = only(out, journey="payment_reminder", step="last")
    assert len(last) == 1
    assert last[0]["due_at"] == "2026-11-11T14:00:00+08:00"
    assert last[0]["status"] == "sent"


def test_no_last_reminder_less_than_60_min_after_the_first(db_url):
    close = at(12, 20).isoformat()  # last would be 10:20, first is at 10:30
    out = replay(db_url, [*BASE, order("o1", at(10), auto_close_at=close)])
    assert [r["step"] for r in only(out, journey="payment_reminder")] == ["first"]


def test_exactly_60_min_after_the_first_is_enough(db_url):
    close = at(13, 30).isoformat()  # last at 11:30, first at 10:30
    out = replay(db_url, [*BASE, order("o1", at(10), auto_close_at=close)])
    assert [r["step"] for r in only(out, journey="payment_reminder")] == ["first", "last"]


def test_cancelled_order_gets_no_reminder(db_url):
    cancel = event("order.cancelled", at(10, 5), order_id="o1", reason="customer")
    out = replay(db_url, [*BASE, order("o1", at(10)), cancel])
    assert [r["reason"] for r in only(out, journey="payment_reminder")] == ["condition_cleared"]


def test_cod_and_paid_orders_start_no_reminder(db_url):
    out = replay(
        db_url, [*BASE, order("o1", at(10), payment="cod"), order("o2", at(10), status="paid")]
    )
    assert only(out, journey="payment_reminder") == []


def test_payment_arriving_before_its_order_means_no_reminder(db_url):
    out = replay(db_url, [*BASE, paid("o1", at(9, 59)), order("o1", at(10))])
    assert [r["status"] for r in only(out, journey="payment_reminder")] == ["suppressed"]
    assert all(r["status"] != "sent" for r in out)


def test_pay_link_is_a_short_link_under_base_url(db_url):
    out = replay(db_url, [*BASE, order("o1", at(10))])
    body = only(out, step="first")[0]["body"]
    assert body.startswith("【Acme】")
    assert "https://acme.example/l/" in body
    assert "pay/o1" not in body
