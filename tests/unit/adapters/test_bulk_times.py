"""The bulk writer's SQLite timestamps: SQLAlchemy's DATETIME text of the UTC instant, as its
own type writes it (the hot path writes them without it, and both must sort alike)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tidings.adapters.db.bulk import _sqlite_time


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 11, 11, tzinfo=UTC), "2026-11-11 00:00:00.000000"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01 00:00:00.000000"),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31 23:59:59.999999"),
        (datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=8))),
         "2026-01-01 19:04:05.000006"),
    ],
)  # fmt: skip
def test_a_time_is_written_as_its_utc_instant_without_an_offset(value, text):
    assert _sqlite_time(value) == text


def test_no_time_is_null():
    assert _sqlite_time(None) is None
