"""The report's figures per journey over local days: read from the kept days where they stand,
counted live for the others; and the keeping of the closed days.

The rule: a day counts the same kept or live. Its figures are additive over days (a message
belongs to the day it was decided in, an order's credit to its message's day, and a message
decided later can only take credit from an earlier one of the same customer or subject,
which forgets that earlier day: see migration 0017), so a period is the sum of its days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from tidings.domain.scores import day_of, days, midnight
from tidings.domain.times import zone
from tidings.domain.uplift import OUTCOMES, Arm
from tidings.services.analytics.ports import (
    Analytics,
    AnalyticsUnitOfWork,
    DayArms,
    KeptDay,
    MessageCount,
    Outcome,
    ReportReader,
)
from tidings.services.analytics.score import keep_score_days, known_store

KEPT_DAYS = 400  # the closed days kept, back from yesterday: a longest period and the one before
FIELDS = ("sent", "suppressed_total", "delivered", "clicked", "segments", "cost_micros")
Row = dict[str, Any]


def journey_rows(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo,
    live: dict[date, KeptDay] | None = None,
) -> dict[str, Row]:  # fmt: skip
    """The report's row of each journey over local days `first` … `last`; a day not kept
    that was counted alone goes into `live`, when given (Home's daily volume reads it)."""
    rows: dict[str, Row] = defaultdict(empty)
    kept = standing(reader, store, first, last, tz)
    for day in kept.values():
        add_day(rows, day)
    since = reader.first_decided(store)  # the days before it hold nothing to count
    for start, end in _live_spans(first, last, kept, tz):
        if since is not None and end > since:
            day = counted(reader, store, max(start, since), end)
            add_day(rows, day)
            if live is not None and end - start <= timedelta(days=1):
                live[day_of(start, tz)] = day
    return dict(rows)


def daily_counts(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo,
    live: dict[date, KeptDay] | None = None,
) -> list[tuple[date, list[MessageCount]]]:  # fmt: skip
    """Each local day's message counts: kept, counted already (`live`), or counted now."""
    counted_already = live or {}
    kept = standing(reader, store, first, last, tz)
    since = reader.first_decided(store)
    out: list[tuple[date, list[MessageCount]]] = []
    for d in days(first, last):
        start, end = _span(d, d, tz)
        if d in kept or d in counted_already:
            out.append((d, list((kept.get(d) or counted_already[d]).counts)))
        elif since is None or end <= since:
            out.append((d, []))  # before the store's first message
        else:
            out.append((d, reader.messages(store, start, end)))
    return out


def standing(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo
) -> dict[date, KeptDay]:
    """The kept days of the period whose instants are still the day's (the store's time zone
    may have changed since)."""
    return {
        k.day: k
        for k in reader.kept_days(store, first, last)
        if (k.starts_at, k.ends_at) == _span(k.day, k.day, tz)
    }


def counted(
    reader: ReportReader, store: str, start: datetime, end: datetime, with_arms: bool = False
) -> KeptDay:
    """The figures of [start, end) counted live, in the shape of a kept day (with the holdout's
    arms of every journey that has an outcome, when asked)."""
    delivered = reader.delivered(store, start, end)
    clicked = reader.clicked(store, start, end)
    recovered = {r.journey: r for r in reader.recovered(store, start, end)}
    outcomes = tuple(
        Outcome(
            j,
            delivered.get(j, 0),
            clicked.get(j, 0),
            recovered[j].orders if j in recovered else 0,
            recovered[j].revenue_micros if j in recovered else 0,
        )
        for j in sorted(set(delivered) | set(clicked) | set(recovered))
    )
    arms = _arms(reader, store, start, end) if with_arms else ()
    return KeptDay(start.date(), start, end, tuple(reader.messages(store, start, end)), outcomes,
                   arms)  # fmt: skip


def _arms(reader: ReportReader, store: str, start: datetime, end: datetime) -> tuple[DayArms, ...]:
    held = set(reader.held_back(store, start, end))
    out = []
    for journey in sorted(set(OUTCOMES) | held):
        treated, back = (
            reader.arms(store, journey, OUTCOMES[journey], start, end)
            if journey in OUTCOMES
            else (Arm(0, 0), Arm(0, 0))
        )
        if treated.subjects or back.subjects or journey in held:
            out.append(DayArms(journey, treated, back, journey in held))
    return tuple(out)


def uplift_arms(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo
) -> tuple[list[str], dict[str, tuple[Arm, Arm]]]:
    """The journeys that held a subject back in the period, and for those with an outcome
    their (treated, held back) arms: the kept days' sums, and runs of the others counted."""
    kept = standing(reader, store, first, last, tz)
    since = reader.first_due(store)  # the arms count subjects by when their message was due
    runs = [
        (s, e) for s, e in _live_spans(first, last, kept, tz) if since is not None and e > since
    ]
    held = {a.journey for day in kept.values() for a in day.arms if a.held_back}
    for start, end in runs:
        held |= set(reader.held_back(store, start, end))
    arms: dict[str, tuple[Arm, Arm]] = {}
    for journey in sorted(held & set(OUTCOMES)):
        pieces = [(a.treated, a.held) for day in kept.values() for a in day.arms
                  if a.journey == journey]  # fmt: skip
        pieces += [reader.arms(store, journey, OUTCOMES[journey], s, e) for s, e in runs]
        arms[journey] = (_sum(p[0] for p in pieces), _sum(p[1] for p in pieces))
    return sorted(held), arms


def _sum(arms: Iterable[Arm]) -> Arm:
    subjects = outcomes = 0
    for arm in arms:
        subjects, outcomes = subjects + arm.subjects, outcomes + arm.outcomes
    return Arm(subjects, outcomes)


def keep_closed_days(
    *, uow: AnalyticsUnitOfWork, store: str, at: datetime, most: int = KEPT_DAYS
) -> list[date]:
    """Sum and keep the store's closed local days (up to yesterday, at most `most` back, from
    its first message on) that are not kept or were forgotten; the days summed."""
    with uow:
        reader = uow.analytics
        reader.hold_forgetting(store, "figures")
        tz = zone(known_store(reader, store).timezone)
        since = reader.first_decided(store)
        today = day_of(at, tz)
        first = max(day_of(since, tz), today - timedelta(days=most)) if since else today
        kept = standing(reader, store, first, today - timedelta(days=1), tz)
        summed = [d for d in days(first, today - timedelta(days=1)) if d not in kept]
        for day in summed:
            found = counted(reader, store, *_span(day, day, tz), with_arms=True)
            reader.keep_day(store, KeptDay(day, found.starts_at, found.ends_at, found.counts,
                                           found.outcomes, found.arms), at)  # fmt: skip
        uow.commit()
    return summed


@dataclass
class Keeper:
    """The worker's keeping of every store's closed days (report figures and score tallies),
    once in `every`."""

    unit_of_work: Callable[[], AnalyticsUnitOfWork]
    every: timedelta = timedelta(hours=1)
    _kept_at: datetime | None = None

    def run(self, now: datetime) -> int:
        """How many days were summed (0 also when it is not time yet)."""
        if self._kept_at is not None and now - self._kept_at < self.every:
            return 0
        self._kept_at = now
        with self.unit_of_work() as uow:
            stores = uow.analytics.store_ids()
        summed = 0
        for store in stores:
            summed += len(keep_closed_days(uow=self.unit_of_work(), store=store, at=now))
            summed += len(keep_score_days(uow=self.unit_of_work(), store=store, at=now))
        return summed


def empty() -> Row:
    row: Row = dict.fromkeys(FIELDS, 0)
    row.update(suppressed={}, orders=0, revenue_micros=0)
    return row


def add_day(rows: dict[str, Row], day: KeptDay) -> None:
    for count in day.counts:
        _add_count(rows[count.journey], count)
    for outcome in day.outcomes:
        row = rows[outcome.journey]
        row["delivered"] += outcome.delivered
        row["clicked"] += outcome.clicked
        row["orders"] += outcome.orders
        row["revenue_micros"] += outcome.revenue_micros


def _add_count(row: Row, count: MessageCount) -> None:
    if count.status == "sent":
        row["sent"] += count.messages
        row["segments"] += count.segments
        row["cost_micros"] += count.cost_micros
    elif count.status == "suppressed":
        reason = count.reason or "unknown"
        row["suppressed"][reason] = row["suppressed"].get(reason, 0) + count.messages
        row["suppressed_total"] += count.messages


def _span(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    return midnight(first, tz), midnight(last + timedelta(days=1), tz)


def _live_spans(
    first: date, last: date, kept: dict[date, KeptDay], tz: tzinfo
) -> list[tuple[datetime, datetime]]:
    """The runs of days not kept, each as the instants it spans (one query set a run)."""
    runs: list[list[date]] = []
    for d in days(first, last):
        if d in kept:
            continue
        if runs and runs[-1][-1] == d - timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return [_span(run[0], run[-1], tz) for run in runs]
