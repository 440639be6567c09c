"""Time helpers: aware datetimes only, durations written as `30m`, `2h`, `3d`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidings.domain.errors import NaiveDatetime

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def require_aware(value: datetime, name: str) -> datetime:
    """Return `value` if it carries an offset, else refuse it."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(f"{name}: a time zone offset is required")
    return value


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
