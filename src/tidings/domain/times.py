"""Time helpers: aware datetimes only, within the years tidings reckons with; durations
written as `30m`, `2h`, `3d`.

A time is taken from 1970 (the POSIX epoch) to the end of 9998: a journey's waits, a score's
180 days back, a report's day after its last, a store's zone, all stay on the calendar, which
ends in 9999 (past it, `OverflowError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidings.domain.errors import NaiveDatetime

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)
_FIRST = datetime(1970, 1, 1, tzinfo=UTC)
_AFTER = datetime(9999, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = f"must be between {FIRST_DAY} and {LAST_DAY}"


def require_aware(value: datetime, name: str) -> datetime:
    """Return `value` if it carries an offset, else refuse it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{name}: a time zone offset is required")
    return value


def in_range(value: datetime) -> bool:
    """Is the aware `value` within the years tidings reckons with?"""
    return _FIRST <= value < _AFTER


def day_in_range(value: date) -> bool:
    return FIRST_DAY <= value <= LAST_DAY


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `2h`, `3d` into a timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30m, 2h, 3d)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError when it does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def iso(value: datetime, tz: ZoneInfo) -> str:
    """RFC 3339 text of `value` in zone `tz`, with offset, seconds precision."""
    return value.astimezone(tz).isoformat(timespec="seconds")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def spoken(value: datetime, tz: ZoneInfo, locale: str) -> str:
    """A day and a time of day in `tz`, as a short text in `locale` writes them: `Dec 1,
    12:00` (English, also for a locale not known here), `12月1日12:00`, `01.12 12:00`."""
    at = value.astimezone(tz)
    clock = f"{at.hour:02d}:{at.minute:02d}"
    if locale == "zh-CN":
        return f"{at.month}月{at.day}日{clock}"
    if locale == "ru":
        return f"{at.day:02d}.{at.month:02d} {clock}"
    return f"{_MONTHS[at.month - 1]} {at.day}, {clock}"


@dataclass
class Every:
    """A job's gate on a clock: open the first time it is asked, then once `interval` has
    gone by since it last opened."""

    interval: timedelta
    opened: datetime | None = None

    def due(self, now: datetime) -> bool:
        if self.opened is not None and now - self.opened < self.interval:
            return False
        self.opened = now
        return True
