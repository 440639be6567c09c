"""The recorder of a live delivery: outcomes gathered into one transaction until the sender
waits on it (a fast provider's whole window goes in one), or none came for moments (a slow or
paced provider's acceptance is not held back); never more than the window unrecorded."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tidings.services import delivery
from tidings.services.delivery import Recorder

WAIT = 10.0  # seconds, at most, for the recorder's thread (it takes milliseconds)


class Transactions:
    """The batches recorded, one list a transaction."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.changed = threading.Condition()

    def __call__(self, batch: list[Any]) -> None:
        with self.changed:
            self.batches.append(batch)
            self.changed.notify_all()

    def wait_for(self, n: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: sum(map(len, self.batches)) >= n, WAIT)


def test_a_fast_senders_window_goes_in_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "RECORD_QUIET", WAIT)  # the sender is never quiet long enough
    recorded = Transactions()

    with Recorder(recorded, window=10) as recorder:
        for outcome in range(45):
            recorder.wait_for_room()
            recorder.put(outcome)  # type: ignore[arg-type]

    assert [len(b) for b in recorded.batches] == [10, 10, 10, 10, 5]  # the last at the end
    assert [o for b in recorded.batches for o in b] == list(range(45))  # in the order they came


def test_a_slow_senders_outcome_is_recorded_while_the_next_try_is_still_out() -> None:
    recorded = Transactions()

    with Recorder(recorded, window=10) as recorder:
        recorder.wait_for_room()
        recorder.put("accepted")  # type: ignore[arg-type]
        recorder.wait_for_room()  # the next try: its provider takes its time
        recorded.wait_for(1)  # once quiet for RECORD_QUIET, not when the sender is done

        assert recorded.batches == [["accepted"]]


def test_a_flush_records_what_was_put_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "RECORD_QUIET", WAIT)
    recorded = Transactions()

    with Recorder(recorded, window=10) as recorder:
        for outcome in range(3):
            recorder.wait_for_room()
            recorder.put(outcome)  # type: ignore[arg-type]
        started = time.monotonic()
        recorder.flush()  # before a lease is renewed: all that went is recorded

        assert time.monotonic() - started < WAIT / 2  # the recorder saw the sender wait
        assert recorded.batches == [[0, 1, 2]]
