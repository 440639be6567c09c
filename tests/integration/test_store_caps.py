"""A store's own frequency caps (store.upserted `caps`) read by the decider at send time, on
SQLite and PostgreSQL; without them the contract's 1 marketing and 3 of any kind hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import at, customer, only, order, replay, store

PROMO = """
[paid_promo]
kind = "marketing"
trigger = "order.created"
subject = "order"
where = [{ field = "event.status", eq = "paid" }]
[[paid_promo.steps]]
name = "offer"
at = "trigger + 1h"
template.zh-CN = "新品上架"
"""


@pytest.fixture
def promo(tmp_path: Path) -> Path:
    """A marketing journey with no cap of its own: one offer an hour after each paid order."""
    path = tmp_path / "promo.toml"
    path.write_text(PROMO, encoding="utf-8")
    return path


def _offers(db_url: str, promo: Path, **over: Any) -> list[tuple[str, str | None]]:
    events = [store(**over), customer(sms_consent=True)]
    events += [order(f"o{i}", at(10, 10 * i), status="paid") for i in range(3)]
    out = replay(db_url, events, journeys=promo)
    return [(r["status"], r["reason"]) for r in only(out, journey="paid_promo")]


def test_a_cap_of_two_marketing_lets_the_second_through_and_stops_the_third(db_url, promo):
    offers = _offers(db_url, promo, caps={"marketing_per_day": 2})
    assert offers == [("sent", None), ("sent", None), ("suppressed", "frequency_cap")]


def test_without_caps_the_second_marketing_sms_is_stopped(db_url, promo):
    offers = _offers(db_url, promo)
    assert offers == [
        ("sent", None),
        ("suppressed", "frequency_cap"),
        ("suppressed", "frequency_cap"),
    ]


def test_a_marketing_cap_of_zero_sends_no_marketing_but_service_goes(db_url, promo):
    events = [store(caps={"marketing_per_day": 0}), customer(sms_consent=True),
              order("o1", at(10), status="paid"), order("o2", at(10, 5))]  # fmt: skip
    out = replay(db_url, events, journeys=promo)
    assert [(r["status"], r["reason"]) for r in only(out, journey="paid_promo")] == [
        ("suppressed", "frequency_cap")
    ]
    assert only(out, journey="payment_reminder", step="first")[0]["status"] == "sent"


def test_a_cap_of_any_kind_raised_to_four_sends_the_fourth_reminder(db_url):
    events = [store(caps={"any_per_day": 4}), customer()]
    events += [order(f"o{i}", at(10, i)) for i in range(5)]
    first = only(replay(db_url, events), step="first")
    assert [r["status"] for r in first] == ["sent"] * 4 + ["suppressed"]
    assert first[4]["reason"] == "frequency_cap"


def test_caps_changed_later_apply_to_what_is_decided_after(db_url, promo):
    events = [store(caps={"marketing_per_day": 3}), customer(sms_consent=True),
              order("o0", at(10), status="paid"), order("o1", at(10, 10), status="paid"),
              store(at(11, 15)), order("o2", at(11, 20), status="paid")]  # fmt: skip
    out = replay(db_url, events, journeys=promo)
    assert [(r["subject"], r["status"]) for r in only(out, journey="paid_promo")] == [
        ("order:o0", "sent"), ("order:o1", "sent"), ("order:o2", "suppressed")
    ]  # fmt: skip
