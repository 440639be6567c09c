"""Reviews: bad reviews with the reply posted and the apology's state; deleted reviews."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.screens.home import From, To
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_reviews
from tidings.services.queries_reviews import ReviewsPage

router = APIRouter(route_class=ConsoleRoute)
COLUMNS = ("review_id", "order_id", "rating", "text", "posted_at", "deleted_at", "deleted_by")


@router.get("/{store_id}/reviews")
def reviews(request: Request, app: App, seller: SellerStore, first: From = None,
            last: To = None, format: str = "html",
            rows: Literal["bad", "deleted"] = "bad") -> Response:  # fmt: skip
    uow = app.console_unit_of_work()
    page = queries_reviews.reviews(uow, seller.store_id, first, last, app.clock())
    if format == "csv":
        return reviews_csv(page, rows)
    return render(request, "reviews.html", page=page, seller=seller)


def reviews_csv(page: ReviewsPage, rows: str) -> Response:
    if rows == "deleted":
        return table(
            "reviews-deleted", COLUMNS, ([getattr(r, c) for c in COLUMNS] for r in page.deleted)
        )
    found = (
        [getattr(b.review, c) for c in COLUMNS]
        + [b.reply.body if b.reply else None, b.apology.status if b.apology else None,
           b.apology.reason if b.apology else None]
        for b in page.bad
    )  # fmt: skip
    return table("reviews-bad", (*COLUMNS, "reply", "apology_status", "apology_reason"), found)
