"""The pace of the parcel pollers: a bounded number a pull and a day, each number not again
before its recheck, the never asked first, a platform's pause waited out, the cursor pruned."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tidings.adapters.connectors import parcels
from tidings.adapters.connectors.parcels import Pace, Turn, due, moved, poll, turn
from tidings.domain.errors import PlatformError

NOW = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
PACE = Pace(per_pull=2, recheck=timedelta(hours=6), daily=5, day_zone="Europe/Moscow")


def _asked(**ago_hours: float) -> Turn:
    times = {n: (NOW - timedelta(hours=h)).isoformat() for n, h in ago_hours.items()}
    return Turn(times, "2026-11-12", 0)


def test_the_never_asked_come_first_then_the_longest_unasked():
    state = _asked(A=7, B=10, C=1)
    assert due(state, ("A", "B", "C", "D"), NOW, PACE) == ["D", "B"]


def test_a_number_is_not_asked_again_before_its_recheck():
    assert due(_asked(A=5.9, B=6), ("A", "B"), NOW, PACE) == ["B"]


def test_the_days_quota_counts_in_the_platforms_day_and_is_spread_over_it():
    pace = Pace(per_pull=10, recheck=timedelta(hours=6), daily=8, day_zone="Europe/Moscow")
    numbers = tuple("ABCDEFGHIJ")
    noon = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)  # 12:00 in Moscow: half the day's eight
    assert due(Turn({}, "2026-11-12", 0), numbers, noon, pace) == list("ABCD")
    assert due(Turn({}, "2026-11-12", 3), numbers, noon, pace) == ["A"]
    assert due(Turn({}, "2026-11-12", 4), numbers, noon, pace) == []
    evening = noon.replace(hour=20, minute=59)  # 23:59 in Moscow: all eight
    assert due(Turn({}, "2026-11-12", 4), numbers, evening, pace) == list("ABCD")
    past_midnight = noon.replace(hour=21, minute=30)  # a new day: its first share
    assert due(Turn({}, "2026-11-12", 8), numbers, past_midnight, pace) == ["A"]


def test_a_pause_is_waited_out():
    state = Turn({}, "", 0, (NOW + timedelta(minutes=5)).isoformat())
    assert due(state, ("A",), NOW, PACE) == []
    assert due(state, ("A",), NOW + timedelta(minutes=5), PACE) == ["A"]


def test_the_cursor_keeps_the_open_numbers_and_the_days_spending():
    state = _asked(A=7, GONE=7)
    cursor = json.loads(moved(state, ("A", "B"), ["A", "B"], NOW, PACE))
    assert cursor == {"asked": {"A": NOW.isoformat(), "B": NOW.isoformat()},
                      "day": "2026-11-12", "spent": 2, "paused_until": None}  # fmt: skip
    again = turn(json.dumps(cursor))
    assert (again.asked, again.spent) == (cursor["asked"], 2)


@pytest.mark.parametrize("cursor", [None, "", "not json", "[1]", '{"asked": 3}'])
def test_a_cursor_that_does_not_read_starts_afresh(cursor):
    assert turn(cursor) == Turn()


def test_a_refusal_after_some_were_asked_keeps_them_and_pauses():
    answers = {"A": [(b"a", {})], "B": PlatformError("limit", retry_after=60)}

    def ask(number: str) -> list:
        found = answers[number]
        if isinstance(found, Exception):
            raise found
        return found

    got = poll(ask, None, NOW, ("A", "B"), PACE)
    assert got.deliveries == [(b"a", {})]
    cursor = json.loads(got.cursor or "")
    assert list(cursor["asked"]) == ["A"]
    assert cursor["paused_until"] == (NOW + timedelta(seconds=60)).isoformat()
    with pytest.raises(PlatformError, match="limit"):
        poll(ask, None, NOW, ("B",), PACE)  # nothing asked yet: the runner records it


@pytest.mark.parametrize(
    ("settings", "reason"),
    [({"per_pull": "lots"}, "setting per_pull: expected a whole number above 0, got 'lots'"),
     ({"recheck_hours": "0"}, "setting recheck_hours"),
     ({"daily_limit": "-1"}, "setting daily_limit")],
)  # fmt: skip
def test_a_bad_pace_setting_is_named(settings, reason):
    with pytest.raises(PlatformError, match=reason):
        PACE.of(settings)


def test_a_stores_contract_may_allow_more():
    pace = PACE.of({"per_pull": "50", "recheck_hours": "2", "daily_limit": "3000"})
    assert (pace.per_pull, pace.recheck, pace.daily) == (50, timedelta(hours=2), 3000)
    assert PACE.of({}) == PACE


@pytest.mark.parametrize(
    ("text", "kept"),
    [("Москва (115478, Москва г, Каширское ш, д.24, строение 7)",
      "Москва (115478, Москва г, Каширское ш, д.24, строение 7)"),
     ("курьер: +7 (916) 123-45-67, звонить", "курьер: …, звонить"),
     ("тел 89161234567", "тел …")],
)  # fmt: skip
def test_free_text_loses_what_is_written_like_a_phone(text, kept):
    assert parcels.scrubbed(text) == kept


def test_a_storage_period_ends_with_its_last_day():
    arrived = datetime(2026, 11, 12, 10, 15, tzinfo=UTC)
    assert parcels.deadline(arrived, 15).isoformat() == "2026-11-27T23:59:00+00:00"
