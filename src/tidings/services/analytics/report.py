"""What the messages of a period did: per journey, what was sent and what it brought back,
and for journeys with a holdout, the uplift against it.

The period is local days `first` … `last` of the store. A message belongs to the period it
was decided in (sent or suppressed); the orders credited to it count with it, whenever they
were paid. One order is credited to at most one message (see the attribution adapter).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from tidings.domain.errors import InvalidPeriod
from tidings.domain.scores import midnight
from tidings.domain.times import zone
from tidings.domain.uplift import METHOD, NOT_ENOUGH, OUTCOMES, Arm, Interval, uplift
from tidings.services.analytics.ports import AnalyticsUnitOfWork, MessageCount, ReportReader
from tidings.services.analytics.score import known_store

MICROS = Decimal(1_000_000)
_FIELDS = ("sent", "suppressed_total", "delivered", "clicked", "segments", "cost_micros")


def report(*, uow: AnalyticsUnitOfWork, store: str, first: date, last: date) -> dict[str, Any]:
    """The report of `store` over its local days `first` … `last`, as a JSON-ready dict."""
    if last < first:
        raise InvalidPeriod(f"the period ends ({last}) before it starts ({first})")
    with uow:
        reader = uow.analytics
        info = known_store(reader, store)
        tz = zone(info.timezone)
        start, end = midnight(first, tz), midnight(last + timedelta(days=1), tz)
        rows = _journeys(reader, store, start, end)
        holdouts = sorted(reader.held_back(store, start, end))
        arms = {
            j: reader.arms(store, j, OUTCOMES[j], start, end) for j in holdouts if j in OUTCOMES
        }
    return {
        "store": store,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": info.timezone,
        "currency": info.currency,
        "journeys": [_journey_json(name, row) for name, row in sorted(rows.items())],
        "totals": _journey_json("all", _total(rows)),
        "uplift": [_uplift_json(j, arms.get(j)) for j in holdouts],
    }


def _journeys(reader: ReportReader, store: str, start: Any, end: Any) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(_empty)
    for count in reader.messages(store, start, end):
        _add_count(rows[count.journey], count)
    for journey, n in reader.delivered(store, start, end).items():
        rows[journey]["delivered"] = n
    for journey, n in reader.clicked(store, start, end).items():
        rows[journey]["clicked"] = n
    for rec in reader.recovered(store, start, end):
        rows[rec.journey]["orders"] = rec.orders
        rows[rec.journey]["revenue_micros"] = rec.revenue_micros
    return dict(rows)


def _empty() -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_FIELDS, 0)
    row.update(suppressed={}, orders=0, revenue_micros=0)
    return row


def _add_count(row: dict[str, Any], count: MessageCount) -> None:
    if count.status == "sent":
        row["sent"] += count.messages
        row["segments"] += count.segments
        row["cost_micros"] += count.cost_micros
    elif count.status == "suppressed":
        reason = count.reason or "unknown"
        row["suppressed"][reason] = row["suppressed"].get(reason, 0) + count.messages
        row["suppressed_total"] += count.messages


def _total(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    total = _empty()
    for row in rows.values():
        for name in (*_FIELDS, "orders", "revenue_micros"):
            total[name] += row[name]
        for reason, n in row["suppressed"].items():
            total["suppressed"][reason] = total["suppressed"].get(reason, 0) + n
    return total


def _journey_json(name: str, row: dict[str, Any]) -> dict[str, Any]:
    cost = Decimal(row["cost_micros"]) / MICROS
    orders = row["orders"]
    return {
        "journey": name,
        "sent": row["sent"],
        "suppressed": dict(sorted(row["suppressed"].items())),
        "suppressed_total": row["suppressed_total"],
        "delivered": row["delivered"],
        "clicked": row["clicked"],
        "segments": row["segments"],
        "cost": money(cost),
        "orders_recovered": orders,
        "revenue_recovered": money(Decimal(row["revenue_micros"]) / MICROS),
        "cost_per_order": money(cost / orders) if orders else None,
    }


def money(value: Decimal) -> str:
    """Two decimals, more only where they carry something (an SMS price of 0.045), at most 4."""
    four = value.quantize(Decimal("0.0001"))
    two = value.quantize(Decimal("0.01"))
    return str(two) if two == four else str(four.normalize())


def _uplift_json(journey: str, arms: tuple[Arm, Arm] | None) -> dict[str, Any]:
    if arms is None:
        return {"journey": journey, "outcome": None, "note": "no outcome defined for this journey"}
    result = uplift(*arms)
    return {
        "journey": journey,
        "outcome": OUTCOMES[journey],
        "treated": _arm_json(result.treated),
        "held_back": _arm_json(result.held_back),
        "enough_data": result.enough,
        "note": None if result.enough else NOT_ENOUGH,
        "absolute": _interval_json(result.absolute),
        "relative": _interval_json(result.relative),
        "method": METHOD,
    }


def _arm_json(arm: Arm) -> dict[str, Any]:
    return {"subjects": arm.subjects, "outcomes": arm.outcomes, "rate": arm.rate}


def _interval_json(interval: Interval | None) -> dict[str, float] | None:
    if interval is None:
        return None
    return {"value": interval.value, "low": interval.low, "high": interval.high}
