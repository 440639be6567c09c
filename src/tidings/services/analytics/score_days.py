"""The score's metrics day by day: each metric's tally of one local day, kept for the closed
days (migration 0017), read for the score's windows and for the 30-day trend.

The rule: a window's tally is the sum of its days' tallies, kept or counted live, and equals
the window counted at once. Each metric's day is a slice of its window (the collection
deadlines of that day, the parcels collected that day, the turns, disputes, reviews and
tickets of that day), so counts add up; the culprits, newest first in each day, are taken
from the newest day back. A tally kept as of a time after the one asked about is not used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from tidings.domain.scores import (
    CULPRITS,
    METRICS,
    Tally,
    Window,
    arrival_deadlines,
    collection_deadlines,
    day_of,
    days,
    midnight,
)
from tidings.services.analytics.ports import Analytics, KeptTally

TREND_DAYS = 30
LIVE_DAYS = 1  # the trend's newest days counted live when not kept: yesterday, most often
# forgotten (a parcel collected today for an order paid yesterday); each costs a score's count
SLICED = ("response_30s_rate", "response_avg_seconds", "same_day_collection_rate",
          "next_day_arrival_rate", "dispute_rate")  # fmt: skip  # dear to count: read kept
MEANS = frozenset({"response_avg_seconds", "aftersale_avg_hours"})
Targets = Mapping[str, Decimal]
Counter = Callable[[Window, str], Tally]


def span(metric: str, day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants whose rows a metric's day reads (the triggers forget the day by them)."""
    win = _window(day, day, tz)
    if metric == "same_day_collection_rate":
        (deadline,) = collection_deadlines(win, tz)
        return deadline.paid_from, deadline.paid_to
    return win.start, win.end


def counter(reader: Analytics, store: str, at: datetime, tz: tzinfo, targets: Targets) -> Counter:
    """A metric's tally over a window of whole days, counted live (the two response metrics
    in one count, each window's once)."""
    counted: dict[tuple[date, date, str], Tally] = {}

    def one(win: Window, metric: str) -> Tally:
        if metric == "review_positive_rate":
            return reader.reviews(store, win)
        if metric == "same_day_collection_rate":
            return reader.collection(store, collection_deadlines(win, tz), at)
        if metric == "next_day_arrival_rate":
            return reader.arrival(store, arrival_deadlines(win, tz))
        if metric == "aftersale_avg_hours":
            return reader.aftersale(store, win, targets["aftersale_avg_hours"])
        if metric == "return_satisfaction_rate":
            return reader.satisfaction(store, win)
        return reader.disputes(store, win)

    def count(win: Window, metric: str) -> Tally:
        key = (win.first, win.last, metric)
        if key not in counted:
            if metric in ("response_30s_rate", "response_avg_seconds"):
                rate, mean = reader.responses(store, win, at, targets["response_avg_seconds"])
                counted[(win.first, win.last, "response_30s_rate")] = rate
                counted[(win.first, win.last, "response_avg_seconds")] = mean
            else:
                counted[key] = one(win, metric)
        return counted[key]

    return count


def kept(
    reader: Analytics, store: str, first: date, last: date, at: datetime, tz: tzinfo
) -> dict[tuple[date, str], Tally]:
    """The kept tallies of days `first` … `last` usable at `at`."""
    return {
        (k.day, k.metric): k.tally
        for k in reader.kept_tallies(store, first, last)
        if k.summed_for <= at and (k.starts_at, k.ends_at) == span(k.metric, k.day, tz)
    }


def sliced_tallies(
    reader: Analytics, store: str, at: datetime, wins: Mapping[str, Window], tz: tzinfo,
    targets: Targets,
) -> dict[str, Tally]:  # fmt: skip
    """The SLICED metrics' tallies over their windows: kept days, and runs of the others
    counted live (one count a run)."""
    first = min(wins[m].first for m in SLICED)
    last = max(wins[m].last for m in SLICED)
    found = kept(reader, store, first, last, at, tz)
    count = counter(reader, store, at, tz, targets)
    out = {}
    for metric in SLICED:
        win = wins[metric]
        pieces = [
            (d, found[(d, metric)]) for d in days(win.first, win.last) if (d, metric) in found
        ]
        for run in _runs([d for d in days(win.first, win.last) if (d, metric) not in found]):
            pieces.append((run[-1], count(_window(run[0], run[-1], tz), metric)))
        out[metric] = combine(pieces, metric in MEANS)
    return out


def combine(pieces: list[tuple[date, Tally]], mean: bool) -> Tally:
    """Tallies of disjoint days as one: sums, and the culprits from the newest day back."""
    pieces = sorted(pieces, key=lambda p: p[0], reverse=True)
    culprits: list[str] = []
    for _, tally in pieces:
        culprits += [c for c in tally.culprits if c not in culprits]
    denominator = sum(t.denominator for _, t in pieces)
    if mean:
        numerator: int | float = float(sum(Decimal(repr(t.numerator)) for _, t in pieces))
    else:
        numerator = sum(int(t.numerator) for _, t in pieces)
    return Tally(numerator, denominator, culprits[:CULPRITS])


def day_tallies(count: Counter, day: date, at: datetime, tz: tzinfo) -> list[KeptTally]:
    """Every metric's tally of local `day` alone, to keep."""
    win = _window(day, day, tz)
    return [KeptTally(day, m.name, count(win, m.name), *span(m.name, day, tz), at) for m in METRICS]


def trend(
    reader: Analytics, store: str, at: datetime, tz: tzinfo, targets: Targets,
    length: int = TREND_DAYS,
) -> dict[str, list[tuple[date, Tally | None]]]:  # fmt: skip
    """Each metric's tally of each of the `length` local days before `at`'s day: kept, or
    counted live for the newest LIVE_DAYS not kept (a late fact forgets the days just
    closed); an older day not kept yet is None (the worker keeps it within the hour)."""
    today = day_of(at, tz)
    first, last = today - timedelta(days=length), today - timedelta(days=1)
    found = kept(reader, store, first, last, at, tz)
    count = counter(reader, store, at, tz, targets)
    out: dict[str, list[tuple[date, Tally | None]]] = {m.name: [] for m in METRICS}
    for day in days(first, last):
        win, recent = _window(day, day, tz), day > last - timedelta(days=LIVE_DAYS)
        for m in METRICS:
            tally = found.get((day, m.name)) or (count(win, m.name) if recent else None)
            out[m.name].append((day, tally))
    return out


def _window(first: date, last: date, tz: tzinfo) -> Window:
    return Window(first, last, midnight(first, tz), midnight(last + timedelta(days=1), tz))


def _runs(missing: list[date]) -> list[list[date]]:
    runs: list[list[date]] = []
    for d in missing:
        if runs and runs[-1][-1] == d - timedelta(days=1):
            runs[-1].append(d)
        else:
            runs.append([d])
    return runs
