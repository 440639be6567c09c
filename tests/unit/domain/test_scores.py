"""The score's pure rules: windows from a day, deadlines, verdicts, overall, targets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from tidings.domain.errors import InvalidTarget
from tidings.domain.scores import (
    BY_NAME,
    Tally,
    arrival_deadlines,
    collection_deadlines,
    day_of,
    deadline_for,
    judge,
    midnight,
    overall,
    parse_target,
    pending_deadlines,
    window,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
D = date(2026, 11, 20)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_day_d_is_the_stores_calendar_day():
    instant = _utc(2026, 11, 19, 17, 0)  # 01:00 on the 20th in Shanghai, noon on the 19th in NY
    assert day_of(instant, SH) == date(2026, 11, 20)
    assert day_of(instant, NY) == date(2026, 11, 19)


def test_a_90_day_window_ends_before_day_d():
    win = window(BY_NAME["review_positive_rate"], D, SH)
    # D-90 = 2026-08-22 (20 Nov - 90 days); D-1 = 2026-11-19; Shanghai midnight is 16:00 UTC
    # the day before.
    assert (win.first, win.last) == (date(2026, 8, 22), date(2026, 11, 19))
    assert win.start == _utc(2026, 8, 21, 16, 0)
    assert win.end == _utc(2026, 11, 19, 16, 0)


def test_arrival_window_stops_at_d_minus_2():
    win = window(BY_NAME["next_day_arrival_rate"], D, SH)
    assert (win.first, win.last) == (date(2026, 10, 21), date(2026, 11, 18))
    rows = arrival_deadlines(win, SH)
    assert len(rows) == 29  # 21 Oct … 18 Nov
    # collected on 18 Nov (local): due to arrive by the end of 19 Nov = midnight of D
    assert rows[-1].paid_from == _utc(2026, 11, 17, 16, 0)
    assert rows[-1].paid_to == _utc(2026, 11, 18, 16, 0)
    assert rows[-1].deadline == midnight(D, SH)


def test_the_16_00_cut_off():
    row = deadline_for(date(2026, 11, 11), SH)
    # paid from 16:00 on the 10th until 16:00 on the 11th: collected by the end of the 11th
    assert row.paid_from == _utc(2026, 11, 10, 8, 0)
    assert row.paid_to == _utc(2026, 11, 11, 8, 0)
    assert row.deadline == _utc(2026, 11, 11, 16, 0)


def test_collection_deadlines_cover_the_window_without_gaps():
    win = window(BY_NAME["same_day_collection_rate"], D, SH)
    rows = collection_deadlines(win, SH)
    assert len(rows) == 30
    assert all(a.paid_to == b.paid_from for a, b in pairwise(rows))
    assert rows[-1].deadline == win.end


def test_pending_deadlines_are_the_end_of_d_and_of_d_plus_1():
    rows = pending_deadlines(D, SH)
    assert [r.deadline for r in rows] == [_utc(2026, 11, 20, 16, 0), _utc(2026, 11, 21, 16, 0)]
    assert rows[0].paid_from == _utc(2026, 11, 19, 8, 0)


def test_a_day_of_25_hours_when_the_clocks_go_back():
    # New York leaves daylight time on Sunday 1 November 2026: that day lasts 25 hours.
    assert midnight(date(2026, 11, 1), NY) == _utc(2026, 11, 1, 4, 0)
    assert midnight(date(2026, 11, 2), NY) == _utc(2026, 11, 2, 5, 0)
    row = deadline_for(date(2026, 11, 1), NY)
    assert row.paid_from == _utc(2026, 10, 31, 20, 0)  # 16:00 EDT
    assert row.paid_to == _utc(2026, 11, 1, 21, 0)  # 16:00 EST


@pytest.mark.parametrize(
    ("name", "numerator", "denominator", "met"),
    [
        ("review_positive_rate", 19, 20, True),  # 0.95 >= 0.95, exactly
        ("review_positive_rate", 18, 20, False),
        ("dispute_rate", 1, 200, True),  # 0.005 <= 0.005
        ("dispute_rate", 2, 200, False),
        ("response_avg_seconds", 60.0, 2, True),  # 30 s on average
        ("response_avg_seconds", 60.002, 2, False),
    ],
)
def test_met_follows_the_direction_of_the_metric(name, numerator, denominator, met):
    metric = BY_NAME[name]
    judged = judge(metric, window(metric, D, SH), Tally(numerator, denominator), metric.target)
    assert judged.met is met
    assert judged.value == pytest.approx(numerator / denominator)


def test_no_data_is_null_not_zero():
    metric = BY_NAME["aftersale_avg_hours"]
    judged = judge(metric, window(metric, D, SH), Tally(0, 0), metric.target)
    assert judged.value is None and judged.met is None


def test_overall_is_the_share_of_metrics_with_data_that_meet_their_target():
    def j(name, num, den):
        metric = BY_NAME[name]
        return judge(metric, window(metric, D, SH), Tally(num, den), metric.target)

    judged = [
        j("review_positive_rate", 20, 20),  # met
        j("dispute_rate", 5, 100),  # missed
        j("response_30s_rate", 9, 10),  # met
        j("aftersale_avg_hours", 0, 0),  # no data: not counted
    ]
    assert overall(judged) == 66.7  # 2 of 3
    assert overall([j("aftersale_avg_hours", 0, 0)]) is None


def test_targets_are_checked():
    assert parse_target("review_positive_rate", "0.97") == Decimal("0.97")
    assert parse_target("response_avg_seconds", 45) == Decimal(45)
    for metric, value in [
        ("review_positive_rate", "1.2"),
        ("dispute_rate", "-0.1"),
        ("dispute_rate", "abc"),
        ("dispute_rate", "NaN"),
        ("weather", "1"),
    ]:
        with pytest.raises(InvalidTarget):
            parse_target(metric, value)
