"""The report's figures per journey (and per step) over local days: read from the kept days,
and today's kept hours, where they stand; counted live for the rest. And their keeping: the
closed days, and today's closed hours until the day is summed whole.

The rule: a span counts the same kept or live. Its figures are additive over any cut of time (a
message belongs to the instant it was decided at, an order's credit to its message's, and a
message decided later can only take credit from an earlier one of the same customer or subject,
which forgets the earlier one's day or hour: see migration 0017), so a period is the sum of its
pieces. A kept piece holds each step's figures; a journey's are their sum.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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
HOUR = timedelta(hours=1)
Row = dict[str, Any]
Span = tuple[datetime, datetime]


def journey_rows(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo,
    live: dict[Span, KeptDay] | None = None, kept: list[KeptDay] | None = None,
) -> dict[str, Row]:  # fmt: skip
    """The report's row of each journey over local days `first` … `last` (`kept`: the period's
    standing pieces, when read already); the spans counted live go into `live`, when given
    (Home's daily volume reads them again)."""
    rows: dict[str, Row] = defaultdict(empty)
    kept = standing(reader, store, first, last, tz) if kept is None else kept
    for piece in kept:
        add_day(rows, piece)
    for span in uncounted(first, last, kept, tz, reader.first_decided(store)):
        found = counted(reader, store, *span)
        add_day(rows, found)
        if live is not None:
            live[span] = found
    return dict(rows)


def step_figures(
    reader: Analytics, store: str, journey: str, first: date, last: date, tz: tzinfo
) -> tuple[list[MessageCount], list[Outcome]]:
    """One journey's counts and outcomes per step over local days `first` … `last`: its
    steps' share of the kept pieces, and of the rest counted live by step."""
    pieces = standing(reader, store, first, last, tz)
    spans = uncounted(first, last, pieces, tz, reader.first_decided(store))
    pieces += [counted(reader, store, *span, by_step=True) for span in spans]
    counts = [c for p in pieces for c in p.counts if c.journey == journey]
    return counts, [o for p in pieces for o in p.outcomes if o.journey == journey]


def daily_counts(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo,
    live: dict[Span, KeptDay] | None = None,
) -> list[tuple[date, list[MessageCount]]]:  # fmt: skip
    """Each local day's message counts: its kept pieces, and the rest counted already (`live`)
    or now."""
    counted_already = live or {}
    kept = standing(reader, store, first, last, tz)
    since = reader.first_decided(store)
    out: list[tuple[date, list[MessageCount]]] = []
    for d in days(first, last):
        mine = [k for k in kept if k.day == d]
        counts = [c for k in mine for c in k.counts]
        for span in uncounted(d, d, mine, tz, since):
            found = counted_already.get(span)
            counts += found.counts if found else reader.messages(store, *span)
        out.append((d, counts))
    return out


def standing(
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo, figures: bool = True
) -> list[KeptDay]:
    """The kept days and hours of the period whose instants are still theirs (the store's time
    zone may have changed since); a day's hours only where the day is not kept whole. Without
    `figures`, only which they are."""
    found = reader.kept_days(store, first, last, figures)
    whole = {k.day for k in found if k.hour is None and _spans(k) == _span(k.day, k.day, tz)}
    return [
        k for k in found
        if (k.hour is None and k.day in whole)
        or (k.hour is not None and k.day not in whole and _spans(k) == hour_span(k.day, k.hour, tz))
    ]  # fmt: skip


def uncounted(
    first: date, last: date, kept: list[KeptDay], tz: tzinfo, since: datetime | None
) -> list[Span]:
    """The spans of local days `first` … `last` that no kept piece covers, from `since` (the
    store's first message: none before it, and none at all without it)."""
    if since is None:
        return []
    cursor, end = _span(first, last, tz)
    gaps = []
    for piece in sorted(kept, key=lambda k: k.starts_at):
        if piece.starts_at > cursor:
            gaps.append((cursor, piece.starts_at))
        cursor = max(cursor, piece.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return [(max(start, since), stop) for start, stop in gaps if stop > since]


def hour_span(day: date, hour: int, tz: tzinfo) -> Span | None:
    """The instants of the `hour`-th hour from local `day`'s midnight (None: the day is over
    by then; a day a clock change shortens has 23)."""
    start, end = midnight(day, tz) + hour * HOUR, midnight(day + timedelta(days=1), tz)
    return (start, min(start + HOUR, end)) if start < end else None


def counted(
    reader: ReportReader, store: str, start: datetime, end: datetime, with_arms: bool = False,
    by_step: bool = False,
) -> KeptDay:  # fmt: skip
    """The figures of [start, end) counted live, in the shape of a kept day, per journey (or
    `by_step`); with the holdout's arms of every journey that has an outcome, when asked."""
    delivered = reader.delivered(store, start, end, by_step)
    clicked = reader.clicked(store, start, end, by_step)
    recovered = {(r.journey, r.step): r for r in reader.recovered(store, start, end, by_step)}
    outcomes = tuple(
        Outcome(
            journey,
            delivered.get((journey, step), 0),
            clicked.get((journey, step), 0),
            recovered[journey, step].orders if (journey, step) in recovered else 0,
            recovered[journey, step].revenue_micros if (journey, step) in recovered else 0,
            step,
        )
        for journey, step in sorted(set(delivered) | set(clicked) | set(recovered))
    )
    arms = _arms(reader, store, start, end) if with_arms else ()
    counts = tuple(reader.messages(store, start, end, by_step))
    return KeptDay(start.date(), start, end, counts, outcomes, arms)


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
    reader: Analytics, store: str, first: date, last: date, tz: tzinfo,
    kept: list[KeptDay] | None = None,
) -> tuple[list[str], dict[str, tuple[Arm, Arm]]]:  # fmt: skip
    """The journeys that held a subject back in the period, and for those with an outcome
    their (treated, held back) arms: the kept pieces' sums (`kept`, when read already), and
    the rest counted."""
    kept = standing(reader, store, first, last, tz) if kept is None else kept
    # the arms count subjects by when their message was due
    runs = uncounted(first, last, kept, tz, reader.first_due(store))
    held = {a.journey for piece in kept for a in piece.arms if a.held_back}
    for start, end in runs:
        held |= set(reader.held_back(store, start, end))
    arms: dict[str, tuple[Arm, Arm]] = {}
    for journey in sorted(held & set(OUTCOMES)):
        pieces = [(a.treated, a.held) for piece in kept for a in piece.arms
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
    its first message on) that are not kept or were forgotten; the days summed. A day summed
    whole replaces the hours kept of it."""

    def wanted(reader: Analytics, tz: tzinfo, since: datetime | None) -> list[KeptDay]:
        today = day_of(at, tz)
        first = max(day_of(since, tz), today - timedelta(days=most)) if since else today
        yesterday = today - timedelta(days=1)
        kept = standing(reader, store, first, yesterday, tz, figures=False)
        whole = {k.day for k in kept if k.hour is None}
        return [_piece(d, *_span(d, d, tz)) for d in days(first, yesterday) if d not in whole]

    return [piece.day for piece in _keep(uow, store, at, wanted)]


def keep_todays_hours(*, uow: AnalyticsUnitOfWork, store: str, at: datetime) -> list[int]:
    """Sum and keep each closed hour of the store's local day at `at` that is not kept or was
    forgotten (from its first message on): a busy day then counts live only its last hour and
    what changed; the hours summed."""

    def wanted(reader: Analytics, tz: tzinfo, since: datetime | None) -> list[KeptDay]:
        today = day_of(at, tz)
        kept = {k.hour for k in standing(reader, store, today, today, tz, figures=False)}
        spans = ((hour, hour_span(today, hour, tz)) for hour in range(25))
        return [
            _piece(today, *span, hour=hour)
            for hour, span in spans
            if span is not None and span[1] <= at and hour not in kept
            and since is not None and span[1] > since
        ]  # fmt: skip

    return [piece.hour for piece in _keep(uow, store, at, wanted) if piece.hour is not None]


def _keep(
    uow: AnalyticsUnitOfWork,
    store: str,
    at: datetime,
    wanted: Callable[[Analytics, tzinfo, datetime | None], list[KeptDay]],
) -> list[KeptDay]:
    """Count and keep at `at`, per step, the pieces `wanted` names (given the reader, the
    store's time zone and its first message), with no write that would forget one committing
    meanwhile."""
    with uow:
        reader = uow.analytics
        reader.hold_forgetting(store, "figures")
        tz = zone(known_store(reader, store).timezone)
        pieces = wanted(reader, tz, reader.first_decided(store))
        for piece in pieces:
            found = counted(reader, store, piece.starts_at, piece.ends_at, True, by_step=True)
            reader.keep_day(store, replace(found, day=piece.day, hour=piece.hour), at)
        uow.commit()
    return pieces


def _piece(day: date, start: datetime, end: datetime, hour: int | None = None) -> KeptDay:
    """A day or an hour to be counted (its figures still empty)."""
    return KeptDay(day, start, end, (), (), (), hour)


@dataclass
class Keeper:
    """The worker's keeping of every store's closed days (report figures and score tallies)
    and today's closed hours, once in `every`."""

    unit_of_work: Callable[[], AnalyticsUnitOfWork]
    every: timedelta = timedelta(minutes=10)
    _kept_at: datetime | None = None

    def run(self, now: datetime) -> int:
        """How many days and hours were summed (0 also when it is not time yet)."""
        if self._kept_at is not None and now - self._kept_at < self.every:
            return 0
        self._kept_at = now
        with self.unit_of_work() as uow:
            stores = uow.analytics.store_ids()
        summed = 0
        for store in stores:
            summed += len(keep_closed_days(uow=self.unit_of_work(), store=store, at=now))
            summed += len(keep_todays_hours(uow=self.unit_of_work(), store=store, at=now))
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


def _span(first: date, last: date, tz: tzinfo) -> Span:
    return midnight(first, tz), midnight(last + timedelta(days=1), tz)


def _spans(piece: KeptDay) -> Span:
    return piece.starts_at, piece.ends_at
