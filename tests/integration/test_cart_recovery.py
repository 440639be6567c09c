"""cart_recovery exactly as journeys.md says, on SQLite and PostgreSQL."""

from __future__ import annotations

from helpers import at, cart, customer, only, order, replay, store

BASE = [store(), customer(sms_consent=True)]


def _cart_rows(out):
    return [(r["subject"], r["status"], r["reason"]) for r in only(out, journey="cart_recovery")]


def test_abandoned_cart_gets_one_sms_60_min_later_with_the_cart_link(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10))])
    rows = only(out, journey="cart_recovery")
    assert len(rows) == 1
    assert rows[0]["due_at"] == "2026-11-11T11:00:00+08:00"
    assert rows[0]["status"] == "sent"
    assert rows[0]["kind"] == "marketing"
    assert "https://acme.example/l/" in rows[0]["body"]
    assert rows[0]["body"].endswith("回T退订")


def test_cart_that_became_an_order_is_not_reminded(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10)), order("o1", at(10, 40), cart_id="k1")])
    assert _cart_rows(out) == [("cart:k1", "suppressed", "condition_cleared")]


def test_any_order_by_the_customer_since_the_update_clears_it(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10)), order("o9", at(10, 30), status="paid")])
    assert _cart_rows(out) == [("cart:k1", "suppressed", "condition_cleared")]


def test_an_order_before_the_cart_update_does_not_clear_it(db_url):
    out = replay(db_url, [*BASE, order("o9", at(9), status="paid"), cart("k1", at(10))])
    assert _cart_rows(out) == [("cart:k1", "sent", None)]


def test_emptied_cart_is_not_reminded(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10)), cart("k1", at(10, 20), items=[])])
    assert _cart_rows(out) == [("cart:k1", "suppressed", "condition_cleared")]


def test_an_empty_cart_starts_nothing(db_url):
    assert (
        only(replay(db_url, [*BASE, cart("k1", at(10), items=[])]), journey="cart_recovery") == []
    )


def test_a_new_update_moves_the_reminder_to_60_min_after_it(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10)), cart("k1", at(10, 45))])
    rows = only(out, journey="cart_recovery")
    assert len(rows) == 1
    assert rows[0]["due_at"] == "2026-11-11T11:45:00+08:00"


def test_marketing_needs_consent(db_url):
    out = replay(db_url, [store(), customer(), cart("k1", at(10))])
    assert _cart_rows(out) == [("cart:k1", "suppressed", "no_consent")]


def test_at_most_one_per_customer_per_24h(db_url):
    out = replay(db_url, [*BASE, cart("k1", at(10)), cart("k2", at(14)), cart("k3", at(10 + 25))])
    assert _cart_rows(out) == [
        ("cart:k1", "sent", None),
        ("cart:k2", "suppressed", "frequency_cap"),
        ("cart:k3", "sent", None),
    ]
