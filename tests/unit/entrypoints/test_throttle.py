"""The link route's limit per client, on a clock the test moves by hand."""

from __future__ import annotations

from datetime import timedelta

from helpers import at
from tidings.entrypoints.throttle import Throttle


def test_a_client_gets_its_limit_in_a_window_then_waits_for_its_end():
    limit = Throttle(limit=2, window=timedelta(seconds=60))
    assert [limit.wait("10.0.0.1", at(10)), limit.wait("10.0.0.1", at(10, seconds=20))] == [0, 0]
    assert limit.wait("10.0.0.1", at(10, seconds=40.5)) == 20  # rounded up
    assert limit.wait("10.0.0.2", at(10, seconds=40.5)) == 0  # another client: its own count
    assert limit.wait("10.0.0.1", at(10, seconds=60)) == 0  # a new window


def test_a_refused_request_does_not_move_the_window():
    limit = Throttle(limit=1, window=timedelta(seconds=60))
    limit.wait("a", at(10))
    assert [limit.wait("a", at(10, seconds=s)) for s in (1, 30, 59.9)] == [59, 30, 1]
    assert limit.wait("a", at(10, minutes=1)) == 0


def test_a_clock_that_goes_back_starts_a_new_window():
    limit = Throttle(limit=1, window=timedelta(seconds=60))
    limit.wait("a", at(10))
    assert limit.wait("a", at(9, 59)) == 0


def test_memory_stays_bounded_ended_windows_forgotten_first():
    limit = Throttle(limit=1, window=timedelta(seconds=60), most_clients=3)
    limit.wait("old", at(9))
    limit.wait("b", at(10))
    limit.wait("c", at(10))
    limit.wait("d", at(10))  # full: "old" (its window ended) goes
    assert set(limit._seen) == {"b", "c", "d"}
    limit.wait("e", at(10))  # full of live windows: the first seen goes
    assert set(limit._seen) == {"c", "d", "e"}
    assert limit.wait("d", at(10)) > 0
