"""What the messages of a period did: per journey, what was sent and what it brought back,
and for journeys with a holdout, the uplift against it.

The period is local days `first` … `last` of the store. A message belongs to the period it
was decided in (sent or suppressed); the orders credited to it count with it, whenever they
were paid. One order is credited to at most one message (see the attribution adapter). The
closed days come from the kept daily figures where they stand (analytics/figures.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tidings.domain.errors import InvalidPeriod
from tidings.domain.times import zone
from tidings.domain.uplift import METHOD, NOT_ENOUGH, OUTCOMES, Arm, Interval, uplift
from tidings.services.analytics.figures import (
    FIELDS,
    Span,
    empty,
    journey_rows,
    standing,
    uplift_arms,
)
from tidings.services.analytics.ports import AnalyticsUnitOfWork, KeptDay
from tidings.services.analytics.score import known_store

MICROS = Decimal(1_000_000)


def report(
    *, uow: AnalyticsUnitOfWork, store: str, first: date, last: date, with_uplift: bool = True,
    live: dict[Span, KeptDay] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The report of `store` over its local days `first` … `last`, as a JSON-ready dict;
    without `with_uplift`, its figures alone (no "uplift": the holdout's reads are the dearest);
    the spans counted live go into `live`, when given."""
    if last < first:
        raise InvalidPeriod(f"the period ends ({last}) before it starts ({first})")
    with uow:
        reader = uow.analytics
        info = known_store(reader, store)
        tz = zone(info.timezone)
        kept = standing(reader, store, first, last, tz)  # read once for both
        rows = journey_rows(reader, store, first, last, tz, live, kept)
        holdouts, arms = (
            uplift_arms(reader, store, first, last, tz, kept) if with_uplift else ([], {})
        )
    found = {
        "store": store,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": info.timezone,
        "currency": info.currency,
        "journeys": [_journey_json(name, row) for name, row in sorted(rows.items())],
        "totals": _journey_json("all", _total(rows)),
    }
    if with_uplift:
        found["uplift"] = [_uplift_json(j, arms.get(j)) for j in holdouts]
    return found


def _total(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    total = empty()
    for row in rows.values():
        for name in (*FIELDS, "orders", "revenue_micros"):
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
