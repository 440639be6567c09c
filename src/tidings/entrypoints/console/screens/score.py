"""Service score: today's metrics against their targets, culprits and at-risk orders."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_score
from tidings.services.queries_score import ScorePage

router = APIRouter(route_class=ConsoleRoute)
COLUMNS = ("name", "value", "numerator", "denominator", "target", "direction", "met", "first",
           "last")  # fmt: skip


@router.get("/{store_id}/score")
def score(request: Request, app: App, seller: SellerStore, format: str = "html",
          rows: Literal["metrics", "at_risk", "trend"] = "metrics") -> Response:  # fmt: skip
    page = queries_score.score_page(
        app.console_unit_of_work(), seller.store_id, app.clock(),
        every_order=format == "csv" and rows == "at_risk",
    )  # fmt: skip
    if format == "csv":
        return score_csv(page, rows)
    return render(request, "score.html", page=page, seller=seller)


def score_csv(page: ScorePage, rows: str) -> Response:
    if rows == "at_risk":
        return table(
            "at-risk", ("order_id", "deadline"), ((r.order_id, r.deadline) for r in page.at_risk)
        )
    if rows == "trend":
        days = ([m.name, d.day, d.value, d.numerator, d.denominator] for m in page.metrics
                for d in m.trend)  # fmt: skip
        return table("score-trend", ("name", "day", "value", "numerator", "denominator"), days)
    found = ([getattr(m, c) for c in COLUMNS] + [" ".join(m.culprits)] for m in page.metrics)
    return table("score", (*COLUMNS, "culprits"), found)
