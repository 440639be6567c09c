"""Quiet hours in the recipient's time zone: defer, never drop."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
    """The instant a local wall time names, in UTC.

    A time skipped by a DST change (02:30 on a spring-forward night) moves forward by the
    gap; a repeated one (01:30 on a fall-back night) is its first occurrence (PEP 495, fold=0).
    UTC, because Python compares datetimes that share a tzinfo by their wall clocks.
    """
    return naive.replace(tzinfo=tz).astimezone(UTC)
