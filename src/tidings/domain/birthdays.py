"""Birthdays: the next one, at a given hour of the customer's own day."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, time

from tidings.domain.times import zone

GREETING_HOUR = 10


def next_birthday(
    birthday: str | None, after: datetime, tz: str, hour: int = GREETING_HOUR
) -> datetime | None:
    """The first `hour`:00 of the birthday, in zone `tz`, later than `after` (UTC).

    `birthday` is "MM-DD" or "YYYY-MM-DD". A day the month lacks in that year (29 February,
    or a 31st) falls on the month's last day.
    """
    if not birthday:
        return None
    month, day = (int(part) for part in birthday[-5:].split("-"))
    local = zone(tz)
    year = after.astimezone(local).year
    for candidate_year in (year, year + 1, year + 2):
        last = calendar.monthrange(candidate_year, month)[1]
        when = datetime.combine(
            datetime(candidate_year, month, min(day, last)).date(), time(hour), tzinfo=local
        )
        if when > after:
            return when.astimezone(UTC)
    return None
