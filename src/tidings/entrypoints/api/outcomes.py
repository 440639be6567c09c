"""What the messages brought and how the store stands: the service score, the report, the
score's targets (score.md; issue 5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from tidings.entrypoints.api.deps import App, OwnStore
from tidings.entrypoints.api.errors import ApiError, documented
from tidings.entrypoints.api.params import Day, Time
from tidings.entrypoints.args import day_out_of_range, time_out_of_range

router = APIRouter(tags=["outcomes"])
OUT = documented(403, 404)  # another store's key; a store no store.upserted has named


@router.get(
    "/v1/stores/{store_id}/score", summary="The store service score at a time", responses=OUT
)
def score(app: App, store_id: OwnStore, at: Time | None = None) -> dict[str, Any]:
    """Every metric of score.md with its window, numerator, denominator, target, `met` and
    culprits, the orders at risk, and `overall`; `at` (RFC 3339 with offset) defaults to now."""
    if at is not None and at.tzinfo is None:
        raise ApiError(422, "invalid_time", "at: a time zone offset is required")
    _refuse("at", time_out_of_range(at) if at else None, "invalid_time")
    return app.score(store_id, at)


@router.get(
    "/v1/stores/{store_id}/report", summary="What the messages of some days did", responses=OUT
)
def report(
    app: App,
    store_id: OwnStore,
    first: Annotated[Day, Query(alias="from")],
    last: Annotated[Day, Query(alias="to")],
) -> dict[str, Any]:
    """Per journey: sent, suppressed by reason, delivered, clicked, segments and cost, orders
    and revenue recovered, cost per recovered order; uplift against each holdout. `from` and
    `to` are the store's local days (YYYY-MM-DD), both included."""
    _refuse("from", day_out_of_range(first), "invalid_date")
    _refuse("to", day_out_of_range(last), "invalid_date")
    return app.report(store_id, first, last)


@router.get(
    "/v1/stores/{store_id}/score/targets", summary="The score's targets in force", responses=OUT
)
def targets(app: App, store_id: OwnStore) -> dict[str, Any]:
    return app.targets(store_id)


@router.put(
    "/v1/stores/{store_id}/score/targets", summary="Override or clear targets", responses=OUT
)
def set_targets(
    app: App,
    store_id: OwnStore,
    given: Annotated[dict[str, Decimal | None], Body(examples=[{"dispute_rate": "0.01"}])],
) -> dict[str, Any]:
    """A number overrides a metric's target, null goes back to the default."""
    return app.set_targets(store_id, given)


def _refuse(name: str, problem: str | None, code: str) -> None:
    """A parameter out of the years tidings reckons with is the request's fault: 422."""
    if problem:
        raise ApiError(422, code, f"{name}: {problem}")
