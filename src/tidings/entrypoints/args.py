"""What the commands' and the API's time arguments may be: aware times and calendar days
within the years tidings can reckon with, refused clearly.

A time or day is taken from 1970 (the POSIX epoch) up to the end of year 9998: the score
looks back 180 days from its time and the report reads to the day after its last, in the
store's zone, and neither may fall off the calendar's ends (`OverflowError`: a 500).
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime

FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
_FIRST = datetime(1970, 1, 1, tzinfo=UTC)
_AFTER = datetime(9999, 1, 1, tzinfo=UTC)


def aware_time(text: str) -> datetime:
    """An RFC 3339 time with its offset; a naive one is refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs an offset, e.g. +08:00")
    problem = time_out_of_range(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def day(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    problem = day_out_of_range(value)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return value


def time_out_of_range(value: datetime) -> str | None:
    """What is wrong with an aware time out of the years tidings reckons with, if it is."""
    inside = _FIRST <= value < _AFTER
    return None if inside else f"{value.isoformat()} is not between {FIRST_DAY} and {LAST_DAY}"


def day_out_of_range(value: date) -> str | None:
    """What is wrong with a day out of the years tidings reckons with, if it is."""
    inside = FIRST_DAY <= value <= LAST_DAY
    return None if inside else f"{value.isoformat()} is not between {FIRST_DAY} and {LAST_DAY}"
