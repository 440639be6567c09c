"""The score and report use cases over a fake of the analytics port: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tidings.domain.errors import InvalidPeriod, InvalidTarget, UnknownStore
from tidings.domain.scores import Tally
from tidings.domain.uplift import Arm
from tidings.services.analytics.ports import (
    KeptDay,
    KeptTally,
    MessageCount,
    Recovered,
    StoreInfo,
)
from tidings.services.analytics.report import money, report
from tidings.services.analytics.score import score, set_targets
from tidings.services.analytics.score_days import span

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeAnalytics:
    """Answers with fixed tallies and records what it was asked."""

    def __init__(self) -> None:
        self.saved: dict[str, str] = {}
        self.asked: dict[str, object] = {}
        self.days: list[KeptDay] = []  # the kept daily figures and score tallies: none
        self.tallies: list[KeptTally] = []  # unless a test keeps some

    def store(self, store):  # type: ignore[no-untyped-def]
        return StoreInfo(store, "Asia/Shanghai", "CNY") if store == "acme" else None

    def targets(self, store):  # type: ignore[no-untyped-def]
        return dict(self.saved)

    def set_target(self, store, metric, target):  # type: ignore[no-untyped-def]
        if target is None:
            self.saved.pop(metric, None)
        else:
            self.saved[metric] = str(target)

    def reviews(self, store, win):  # type: ignore[no-untyped-def]
        self.asked["reviews"] = win
        return Tally(19, 20, ["r9"])

    def responses(self, store, win, at, slow_seconds):  # type: ignore[no-untyped-def]
        self.asked["slow_seconds"] = slow_seconds
        return Tally(0, 0), Tally(0.0, 0)

    def collection(self, store, deadlines, at):  # type: ignore[no-untyped-def]
        self.asked["collection"] = deadlines
        return Tally(8, 10, ["o1"])

    def arrival(self, store, deadlines):  # type: ignore[no-untyped-def]
        return Tally(0, 0)

    def aftersale(self, store, win, slow_hours):  # type: ignore[no-untyped-def]
        return Tally(0.0, 0)

    def satisfaction(self, store, win):  # type: ignore[no-untyped-def]
        return Tally(0, 0)

    def disputes(self, store, win):  # type: ignore[no-untyped-def]
        return Tally(0, 10)

    def at_risk(self, store, deadlines, at, limit=None):  # type: ignore[no-untyped-def]
        return [("o7", datetime(2026, 11, 20, 16, 0, tzinfo=UTC))][:limit]

    def messages(self, store, start, end, by_step=False):  # type: ignore[no-untyped-def]
        self.asked["period"] = (start, end)
        return [
            MessageCount("payment_reminder", "sent", None, 3, 4, 200_000),
            MessageCount("payment_reminder", "suppressed", "holdout", 2, 0, 0),
            MessageCount("cart_recovery", "suppressed", "no_consent", 1, 1, 0),
            MessageCount("welcome_series", "suppressed", "holdout", 1, 0, 0),
        ]

    def delivered(self, store, start, end, by_step=False):  # type: ignore[no-untyped-def]
        return {("payment_reminder", ""): 2}

    def clicked(self, store, start, end, by_step=False):  # type: ignore[no-untyped-def]
        return {}

    def recovered(self, store, start, end, by_step=False):  # type: ignore[no-untyped-def]
        return [Recovered("payment_reminder", 3, 387_000_000)]

    def held_back(self, store, start, end):  # type: ignore[no-untyped-def]
        return ["payment_reminder", "welcome_series"]

    def arms(self, store, journey, outcome, start, end):  # type: ignore[no-untyped-def]
        return Arm(10, 5), Arm(10, 4)

    def first_decided(self, store):  # type: ignore[no-untyped-def]
        return datetime(2026, 1, 1, tzinfo=UTC)  # messages since long before every period

    def first_due(self, store):  # type: ignore[no-untyped-def]
        return datetime(2026, 1, 1, tzinfo=UTC)

    def store_ids(self):  # type: ignore[no-untyped-def]
        return ["acme"]

    def hold_forgetting(self, store, kept):  # type: ignore[no-untyped-def]
        pass  # one thread: nothing writes meanwhile

    def kept_days(self, store, first, last, figures=True):  # type: ignore[no-untyped-def]
        return [k for k in self.days if first <= k.day <= last]

    def keep_day(self, store, day, at):  # type: ignore[no-untyped-def]
        self.days = [k for k in self.days if k.day != day.day] + [day]

    def kept_tallies(self, store, first, last):  # type: ignore[no-untyped-def]
        return [k for k in self.tallies if first <= k.day <= last]

    def keep_tallies(self, store, tallies):  # type: ignore[no-untyped-def]
        keys = {(k.day, k.metric) for k in tallies}
        self.tallies = [k for k in self.tallies if (k.day, k.metric) not in keys] + list(tallies)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.analytics = FakeAnalytics()
        self.commits = 0

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(self, *exc):  # type: ignore[no-untyped-def]
        return None

    def commit(self) -> None:
        self.commits += 1


T = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_score_judges_what_the_port_counted():
    uow = FakeUnitOfWork()
    result = score(uow=uow, store="acme", at=T)
    assert (result["day"], result["at"]) == ("2026-11-20", "2026-11-20T10:00:00+08:00")
    reviews = result["metrics"]["review_positive_rate"]
    assert (reviews["value"], reviews["met"], reviews["culprits"]) == (0.95, True, ["r9"])
    assert result["metrics"]["same_day_collection_rate"]["met"] is False  # 0.8 < 0.9
    assert result["metrics"]["dispute_rate"]["met"] is True  # 0 <= 0.005
    assert result["overall"] == 66.7  # 2 of the 3 with data
    assert result["at_risk"] == [{"order_id": "o7", "deadline": "2026-11-21T00:00:00+08:00"}]
    assert len(uow.analytics.asked["collection"]) == 30  # a deadline for each of 30 days


def test_a_stores_target_reaches_the_verdict_and_the_port():
    uow = FakeUnitOfWork()
    set_targets(uow=uow, store="acme", targets={"review_positive_rate": "0.96"})
    set_targets(uow=uow, store="acme", targets={"response_avg_seconds": Decimal(45)})
    assert uow.commits == 2
    result = score(uow=uow, store="acme", at=T)
    assert result["metrics"]["review_positive_rate"]["met"] is False  # 0.95 < 0.96
    assert uow.analytics.asked["slow_seconds"] == Decimal(45)  # "slower than the target"
    with pytest.raises(InvalidTarget):
        set_targets(uow=uow, store="acme", targets={"response_avg_seconds": "-1"})
    assert uow.commits == 2


def test_unknown_store():
    with pytest.raises(UnknownStore):
        score(uow=FakeUnitOfWork(), store="nowhere", at=T)
    with pytest.raises(UnknownStore):
        report(
            uow=FakeUnitOfWork(), store="nowhere", first=date(2026, 11, 11), last=date(2026, 11, 11)
        )


def test_report_adds_up_the_rows_of_each_journey():
    uow = FakeUnitOfWork()
    result = report(uow=uow, store="acme", first=date(2026, 11, 11), last=date(2026, 11, 12))
    # the period: 11 Nov 00:00 … 13 Nov 00:00 in Shanghai
    assert uow.analytics.asked["period"] == (
        datetime(2026, 11, 10, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 12, 16, 0, tzinfo=UTC),
    )
    cart, reminder, _ = result["journeys"]
    assert reminder["sent"] == 3 and reminder["suppressed"] == {"holdout": 2}
    assert (reminder["cost"], reminder["revenue_recovered"], reminder["cost_per_order"]) == (
        "0.20",
        "387.00",
        "0.0667",  # 0.20 / 3
    )
    assert cart["segments"] == 0 and cart["cost_per_order"] is None  # suppressed: no cost
    assert result["totals"]["suppressed"] == {"holdout": 3, "no_consent": 1}
    paid, other = result["uplift"]
    assert paid["outcome"] == "paid" and paid["note"].startswith("not enough data yet")
    assert other == {
        "journey": "welcome_series",
        "outcome": None,
        "note": "no outcome defined for this journey",
    }


def test_a_period_backwards_is_refused():
    with pytest.raises(InvalidPeriod):
        report(
            uow=FakeUnitOfWork(), store="acme", first=date(2026, 11, 12), last=date(2026, 11, 11)
        )


@pytest.mark.parametrize(
    ("value", "text"),
    [("0.5", "0.50"), ("0.045", "0.045"), ("0.08333333", "0.0833"), ("129", "129.00")],
)
def test_money_keeps_two_decimals_or_what_carries_something(value, text):
    assert money(Decimal(value)) == text


def test_the_score_adds_its_kept_days_to_a_count_of_each_run_of_the_others():
    uow = FakeUnitOfWork()
    metric = "same_day_collection_rate"
    kept = {
        date(2026, 11, 19): Tally(1, 2, ["late19"]),
        date(2026, 11, 10): Tally(2, 3, ["late10"]),
    }
    uow.analytics.tallies = [
        KeptTally(day, metric, tally, *span(metric, day, SHANGHAI), T)
        for day, tally in kept.items()
    ]
    found = score(uow=uow, store="acme", at=T)["metrics"][metric]
    # window 21 Oct … 19 Nov: two runs counted (21 Oct … 9 Nov, 11 … 18 Nov), 8 of 10 each
    assert (found["numerator"], found["denominator"]) == (8 + 8 + 1 + 2, 10 + 10 + 2 + 3)
    assert len(uow.analytics.asked["collection"]) == 8  # the last run asked: 11 … 18 Nov
    assert found["culprits"] == ["late19", "o1", "late10"]  # newest day first, each id once


def test_a_tally_kept_as_of_after_the_time_asked_is_not_read():
    uow = FakeUnitOfWork()
    metric, day = "same_day_collection_rate", date(2026, 11, 19)
    later = datetime(2026, 11, 21, tzinfo=UTC)
    uow.analytics.tallies = [
        KeptTally(day, metric, Tally(0, 99), *span(metric, day, SHANGHAI), later)
    ]
    assert score(uow=uow, store="acme", at=T)["metrics"][metric]["denominator"] == 10


def test_a_score_asked_for_no_orders_at_risk_does_not_read_them():
    uow = FakeUnitOfWork()
    uow.analytics.at_risk = None  # type: ignore[assignment]  # reading it would fail
    result = score(uow=uow, store="acme", at=T, at_risk_limit=0)
    assert result["at_risk"] == [] and result["overall"] == 66.7
