"""Quiet hours in the recipient's time zone: defer, never drop."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tidings.domain.times import UTC


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, tz: ZoneInfo, start: str, end: str) -> datetime | None:
    """When `now` falls inside [start, end) local time, the instant they end; else None.

    Works across midnight (21:00-09:00) and across daylight-saving changes: the end is the
    wall-clock time `end` on the right local day, resolved in `tz` (a time that does not
    exist that day is moved forward by the gap, as zoneinfo does).
    """
    begin, finish = _clock(start), _clock(end)
    if begin == finish:
        return None
    local = now.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    if begin < finish:
        inside, end_day = begin <= wall < finish, local.date()
    else:
        inside = wall >= begin or wall < finish
        end_day = local.date() + timedelta(days=1) if wall >= begin else local.date()
    if not inside:
        return None
    naive = datetime.combine(end_day, finish)
    return _resolve(naive, tz).astimezone(UTC)


def _resolve(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant a local wall time names; a skipped time moves forward by the gap.

    Returned in UTC: Python compares and subtracts datetimes that share a tzinfo by their
    wall clocks, which is wrong across a change of offset.
    """
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:  # in a DST gap
        return naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return aware.astimezone(UTC)
