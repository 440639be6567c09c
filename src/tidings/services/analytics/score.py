"""The store service score at a time T (spec/score.md), and the store's own targets."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from tidings.domain import scores
from tidings.domain.errors import UnknownStore
from tidings.domain.scores import METRICS, Judged, Tally
from tidings.domain.times import iso, require_aware, zone
from tidings.services.analytics.ports import (
    Analytics,
    AnalyticsUnitOfWork,
    ScoreReader,
    StoreInfo,
)
from tidings.services.analytics.score_days import (
    TREND_DAYS,
    counter,
    day_tallies,
    kept,
    sliced_tallies,
    trend,
)


def score(
    *, uow: AnalyticsUnitOfWork, store: str, at: datetime, at_risk_limit: int | None = None
) -> dict[str, Any]:
    """The score of `store` as it stood at `at`, as a JSON-ready dict (with the soonest
    `at_risk_limit` orders at risk, when given, none for 0; else all of them)."""
    require_aware(at, "at")
    with uow:
        reader = uow.analytics
        info = known_store(reader, store)
        tz = zone(info.timezone)
        day = scores.day_of(at, tz)
        targets = effective_targets(reader.targets(store))
        tallies = _tallies(reader, store, at, day, tz, targets)
        pending = scores.pending_deadlines(day, tz)
        risk = [] if at_risk_limit == 0 else reader.at_risk(store, pending, at, at_risk_limit)
    judged = [
        scores.judge(m, scores.window(m, day, tz), tallies[m.name], targets[m.name])
        for m in METRICS
    ]
    return {
        "store": store,
        "at": iso(at, tz),
        "day": day.isoformat(),
        "timezone": info.timezone,
        "metrics": {j.metric.name: _metric_json(j) for j in judged},
        "at_risk": [{"order_id": oid, "deadline": iso(when, tz)} for oid, when in risk],
        "overall": scores.overall(judged),
    }


def _tallies(
    reader: Analytics,
    store: str,
    at: datetime,
    day: date,
    tz: tzinfo,
    targets: Mapping[str, Decimal],
) -> dict[str, Tally]:
    """The dear metrics from their kept days (score_days.py), the others counted at once."""
    win = {m.name: scores.window(m, day, tz) for m in METRICS}
    tallies = sliced_tallies(reader, store, at, win, tz, targets)
    slow_hours = targets["aftersale_avg_hours"]
    tallies["review_positive_rate"] = reader.reviews(store, win["review_positive_rate"])
    tallies["aftersale_avg_hours"] = reader.aftersale(store, win["aftersale_avg_hours"], slow_hours)
    tallies["return_satisfaction_rate"] = reader.satisfaction(
        store, win["return_satisfaction_rate"]
    )
    return tallies


def keep_score_days(
    *, uow: AnalyticsUnitOfWork, store: str, at: datetime, most: int = TREND_DAYS + 1
) -> list[date]:
    """Count and keep every metric's tally of the store's closed local days (the `most`
    before `at`'s day) that are not kept or were forgotten; the days counted."""
    with uow:
        reader = uow.analytics
        reader.hold_forgetting(store, "scores")
        tz = zone(known_store(reader, store).timezone)
        today = scores.day_of(at, tz)
        first, last = today - timedelta(days=most), today - timedelta(days=1)
        found = kept(reader, store, first, last, at, tz)
        missing = [
            d for d in scores.days(first, last) if any((d, m.name) not in found for m in METRICS)
        ]
        count = counter(reader, store, at, tz, effective_targets(reader.targets(store)))
        reader.keep_tallies(store, [k for d in missing for k in day_tallies(count, d, at, tz)])
        uow.commit()
    return missing


def daily(*, uow: AnalyticsUnitOfWork, store: str, at: datetime) -> dict[str, list[Tally | None]]:
    """Each metric's tally of each of the TREND_DAYS local days before `at`'s day, oldest
    first (its own day's, not its window's: a trend, not 30 scores); None for a day not
    counted yet (score_days.trend)."""
    require_aware(at, "at")
    with uow:
        reader = uow.analytics
        tz = zone(known_store(reader, store).timezone)
        targets = effective_targets(reader.targets(store))
        found = trend(reader, store, at, tz, targets)
    return {name: [tally for _, tally in rows] for name, rows in found.items()}


def _metric_json(j: Judged) -> dict[str, Any]:
    return {
        "value": j.value,
        "numerator": j.tally.numerator,
        "denominator": j.tally.denominator,
        "target": float(j.target),
        "direction": j.metric.direction,
        "met": j.met,
        "window": {"first": j.window.first.isoformat(), "last": j.window.last.isoformat()},
        "culprits": j.tally.culprits[: scores.CULPRITS],
    }


def known_store(reader: ScoreReader, store: str) -> StoreInfo:
    info = reader.store(store)
    if info is None:
        raise UnknownStore(store)
    return info


def effective_targets(overrides: Mapping[str, str]) -> dict[str, Decimal]:
    """Each metric's target: the store's own where it set one, else the default."""
    out = {m.name: m.target for m in METRICS}
    for name, text in overrides.items():
        if name in out:
            out[name] = Decimal(text)
    return out


def set_targets(
    *, uow: AnalyticsUnitOfWork, store: str, targets: Mapping[str, str | Decimal | None]
) -> dict[str, Any]:
    """Set (a number) or clear (None: back to the default) some of a store's targets.

    Every value is checked before any is written; the answer is the targets now in force.
    """
    parsed = {
        name: None if value is None else scores.parse_target(name, value)
        for name, value in targets.items()
    }
    with uow:
        reader = uow.analytics
        known_store(reader, store)
        for name, value in sorted(parsed.items()):
            reader.set_target(store, name, value)
        now = effective_targets(reader.targets(store))
        uow.commit()
    return targets_json(now)


def get_targets(*, uow: AnalyticsUnitOfWork, store: str) -> dict[str, Any]:
    with uow:
        known_store(uow.analytics, store)
        return targets_json(effective_targets(uow.analytics.targets(store)))


def targets_json(targets: Mapping[str, Decimal]) -> dict[str, Any]:
    return {
        m.name: {
            "target": float(targets[m.name]),
            "direction": m.direction,
            "default": float(m.target),
        }
        for m in METRICS
    }
