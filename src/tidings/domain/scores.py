"""The store service score (spec/score.md): metrics, their windows, targets and verdicts.

Days are calendar days in the store's zone. Day D contains the time asked about; a window
"D-30 … D-1" is the half-open span of instants from the first midnight of D-30 to the first
midnight of D, so today never counts (it is not over yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

from tidings.domain.errors import InvalidTarget

Direction = Literal[">=", "<="]
CUT_OFF = time(16, 0)  # paid before 16:00: collected the same day; at or after: the next
CULPRITS = 20


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric of the score: its direction and default target, and its window's days back
    from D (`first` = 90 and `last` = 1 for days D-90 … D-1)."""

    name: str
    direction: Direction
    target: Decimal
    first: int
    last: int
    rate: bool = True  # a share in 0 … 1; otherwise a mean (seconds, hours)


METRICS: tuple[Metric, ...] = (
    Metric("review_positive_rate", ">=", Decimal("0.95"), 90, 1),
    Metric("response_30s_rate", ">=", Decimal("0.90"), 30, 1),
    Metric("response_avg_seconds", "<=", Decimal(30), 30, 1, rate=False),
    Metric("same_day_collection_rate", ">=", Decimal("0.90"), 30, 1),
    Metric("next_day_arrival_rate", ">=", Decimal("0.80"), 30, 2),
    Metric("aftersale_avg_hours", "<=", Decimal(24), 30, 1, rate=False),
    Metric("return_satisfaction_rate", ">=", Decimal("0.90"), 180, 1),
    Metric("dispute_rate", "<=", Decimal("0.005"), 30, 1),
)
BY_NAME = {m.name: m for m in METRICS}


@dataclass(frozen=True, slots=True)
class Window:
    """Local days `first` … `last` and the instants they span: [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Deadline:
    """Orders paid in [paid_from, paid_to) must be collected before `deadline`."""

    paid_from: datetime
    paid_to: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class Tally:
    """What the database counted for one metric: the failures' ids newest first."""

    numerator: int | float
    denominator: int
    culprits: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Judged:
    metric: Metric
    window: Window
    tally: Tally
    target: Decimal
    value: float | None
    met: bool | None


def day_of(at: datetime, tz: tzinfo) -> date:
    """The store's calendar day containing `at`."""
    return at.astimezone(tz).date()


def midnight(day: date, tz: tzinfo) -> datetime:
    """The first instant of local `day`, in UTC."""
    return local(day, time(0, 0), tz)


def local(day: date, clock: time, tz: tzinfo) -> datetime:
    """Wall-clock `clock` on local `day`, in UTC (a time a clock change skips moves on)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def window(metric: Metric, day: date, tz: tzinfo) -> Window:
    first, last = day - timedelta(days=metric.first), day - timedelta(days=metric.last)
    return Window(first, last, midnight(first, tz), midnight(last + timedelta(days=1), tz))


def deadline_for(day: date, tz: tzinfo) -> Deadline:
    """The orders whose collection deadline is the end of local `day`: paid from 16:00 the
    day before until 16:00 that day."""
    before = day - timedelta(days=1)
    return Deadline(
        local(before, CUT_OFF, tz), local(day, CUT_OFF, tz), midnight(day + timedelta(days=1), tz)
    )


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def collection_deadlines(win: Window, tz: tzinfo) -> list[Deadline]:
    """Deadlines on each day of the window."""
    return [deadline_for(d, tz) for d in days(win.first, win.last)]


def arrival_deadlines(win: Window, tz: tzinfo) -> list[Deadline]:
    """Parcels collected on each day of the window, due to arrive by the end of the next."""
    out = []
    for d in days(win.first, win.last):
        nxt = d + timedelta(days=1)
        out.append(Deadline(midnight(d, tz), midnight(nxt, tz), midnight(nxt + timedelta(1), tz)))
    return out


def pending_deadlines(day: date, tz: tzinfo) -> list[Deadline]:
    """The deadlines still ahead on day D: the end of D and, paid from 16:00 on D, of D+1."""
    return [deadline_for(day, tz), deadline_for(day + timedelta(days=1), tz)]


def judge(metric: Metric, win: Window, tally: Tally, target: Decimal) -> Judged:
    """Value and verdict; no data (nothing to divide by) gives null for both."""
    if tally.denominator == 0:
        return Judged(metric, win, tally, target, None, None)
    exact = Fraction(tally.numerator) / tally.denominator
    met = exact >= Fraction(target) if metric.direction == ">=" else exact <= Fraction(target)
    return Judged(metric, win, tally, target, float(exact), met)


def overall(judged: list[Judged]) -> float | None:
    """The share of the metrics with data that meet their target, 0-100, one decimal."""
    with_data = [j for j in judged if j.met is not None]
    if not with_data:
        return None
    return round(100 * sum(1 for j in with_data if j.met) / len(with_data), 1)


def parse_target(metric: str, text: str | Decimal | float | int) -> Decimal:
    """A store's target for `metric`: a number ≥ 0, at most 1 for a rate."""
    known = BY_NAME.get(metric)
    if known is None:
        raise InvalidTarget(f"unknown metric {metric!r} (one of {', '.join(BY_NAME)})")
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise InvalidTarget(f"{metric}: not a number: {text!r}") from None
    if not value.is_finite() or value < 0 or (known.rate and value > 1):
        bound = "between 0 and 1" if known.rate else "0 or more"
        raise InvalidTarget(f"{metric}: the target must be {bound}, not {text}")
    return value
