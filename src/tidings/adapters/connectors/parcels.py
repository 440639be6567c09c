"""What the parcel pollers share (Russian Post, Boxberry): which of the store's open parcels to
ask about now, at a bounded rate, and the cursor that remembers it.

The one rule: a number is asked at most once per `recheck`, at most `per_pull` numbers a pull
and at most `daily` a day (the platform's own quota, counted in its own day and spread over
it: by noon, half); a pause the platform asked for is kept in the cursor and waited out.
Numbers never asked come first, then the longest unasked. The cursor is JSON:
`{"asked": {number: iso time}, "day": "YYYY-MM-DD", "spent": n, "paused_until": iso | null}`,
pruned to the numbers still open.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from tidings.domain.connectors import Pulled
from tidings.domain.errors import PlatformError

log = logging.getLogger(__name__)
Item = tuple[bytes, dict[str, str]]
Ask = Callable[[str], list[Item]]  # one number's deliveries; PlatformError when refused
_PHONE_LIKE = re.compile(r"\+?\d[\d\s()\-]{8,}\d")  # ten digits or more, as a phone is written


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast a platform may be asked: its settings `per_pull`, `recheck_hours` and
    `daily_limit` override these defaults."""

    per_pull: int
    recheck: timedelta
    daily: int | None = None
    day_zone: str = "UTC"  # whose midnight starts the platform's day

    def of(self, settings: Mapping[str, str]) -> Pace:
        """These defaults with the store's own settings; a bad one raises PlatformError."""
        hours = whole_setting(settings, "recheck_hours", int(self.recheck.total_seconds() // 3600))
        daily = whole_setting(settings, "daily_limit", 0) if "daily_limit" in settings else None
        return replace(self, per_pull=whole_setting(settings, "per_pull", self.per_pull),
                       recheck=timedelta(hours=hours), daily=daily or self.daily)  # fmt: skip


def whole_setting(settings: Mapping[str, str], name: str, default: int) -> int:
    """A setting that counts something; a bad one raises PlatformError naming it."""
    raw = settings.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit() or int(raw) < 1:
        raise PlatformError(f"setting {name}: expected a whole number above 0, got {raw[:20]!r}")
    return int(raw)


@dataclass(slots=True)
class Turn:
    """The cursor read: when each open number was last asked, and the day's quota spent."""

    asked: dict[str, str] = field(default_factory=dict)
    day: str = ""
    spent: int = 0
    paused_until: str | None = None


def turn(cursor: str | None) -> Turn:
    """The cursor as kept; one that does not read (or none) starts afresh."""
    try:
        found = json.loads(cursor or "{}")
        asked = {str(k): str(v) for k, v in dict(found.get("asked") or {}).items()}
        paused = found.get("paused_until")
        return Turn(asked, str(found.get("day") or ""), int(found.get("spent") or 0),
                    str(paused) if paused else None)  # fmt: skip
    except (ValueError, TypeError, AttributeError):
        return Turn()


def due(state: Turn, wanted: tuple[str, ...], now: datetime, pace: Pace) -> list[str]:
    """The numbers to ask now, in order (the never asked first, then the longest unasked)."""
    if state.paused_until and datetime.fromisoformat(state.paused_until) > now:
        return []
    room = pace.per_pull
    if pace.daily is not None:
        spent = state.spent if state.day == _day(now, pace) else 0
        room = min(room, max(_allowed_by(now, pace.daily, pace.day_zone) - spent, 0))
    cutoff = (now - pace.recheck).isoformat()
    ready = [n for n in wanted if n not in state.asked or _at(state.asked[n]) <= _at(cutoff)]
    ready.sort(key=lambda n: (n in state.asked, _at(state.asked.get(n, cutoff)), n))
    return ready[:room]


def moved(state: Turn, wanted: tuple[str, ...], asked: list[str], now: datetime, pace: Pace,
          pause: timedelta | None = None) -> str:  # fmt: skip
    """The cursor after asking `asked` at `now` (and pausing, when the platform said so)."""
    day = _day(now, pace)
    spent = (state.spent if state.day == day else 0) + len(asked)
    times = {n: t for n, t in state.asked.items() if n in wanted}
    times.update({n: now.isoformat() for n in asked})
    paused = (now + pause).isoformat() if pause else None
    body = {"asked": dict(sorted(times.items())), "day": day, "spent": spent,
            "paused_until": paused}  # fmt: skip
    return json.dumps(body, separators=(",", ":"))


def poll(ask: Ask, cursor: str | None, now: datetime, wanted: tuple[str, ...], pace: Pace
         ) -> Pulled:  # fmt: skip
    """Ask about each number due, within the pace. A refusal before anything was asked raises
    (the runner records it and waits `retry_after`); one after keeps what was asked so far and
    pauses the rest in the cursor."""
    state = turn(cursor)
    items: list[Item] = []
    asked: list[str] = []
    pause = None
    for number in due(state, wanted, now, pace):
        try:
            items += ask(number)
        except PlatformError as exc:
            if not asked:
                raise
            log.warning("asking about a parcel failed after %d asked: %s", len(asked), exc)
            pause = timedelta(seconds=exc.retry_after)
            break
        asked.append(number)
    return Pulled(items, moved(state, wanted, asked, now, pace, pause))


def deadline(at: datetime, days: int) -> datetime:
    """The end of the last day of a storage period that starts counting the day after `at`,
    in `at`'s own offset."""
    last = at.date() + timedelta(days=days)
    return datetime.combine(last, time(23, 59), tzinfo=at.tzinfo)


def scrubbed(text: str) -> str:
    """A carrier's free text without anything written like a phone number."""
    return _PHONE_LIKE.sub("…", text)


def _allowed_by(now: datetime, daily: int, day_zone: str) -> int:
    """The day's quota spread over the day: by `now`, the share of the day gone by (so that
    a parcel arriving in the evening is still asked about that day)."""
    local = now.astimezone(ZoneInfo(day_zone))
    gone = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
    return min(daily, math.ceil(daily * gone / 86400))


def _day(now: datetime, pace: Pace) -> str:
    return now.astimezone(ZoneInfo(pace.day_zone)).date().isoformat()


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)
