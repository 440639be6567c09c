"""A job's gate on a clock (the worker's purge and analysis, the stores' retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tidings.domain.times import Every

T0 = datetime(2026, 11, 11, tzinfo=UTC)


def test_the_gate_opens_at_once_then_once_an_interval() -> None:
    gate = Every(timedelta(seconds=10))
    asked = [T0 + timedelta(seconds=s) for s in (0, 1, 9.9, 10, 15, 19.9, 20, 45)]

    opened = [when for when in asked if gate.due(when)]

    assert opened == [T0 + timedelta(seconds=s) for s in (0, 10, 20, 45)]
