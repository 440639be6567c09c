"""Journeys: one row per journey over the period, from the report's own figures."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.screens.home import From, To
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_console
from tidings.services.queries_console import JourneysPage

router = APIRouter(route_class=ConsoleRoute)
COLUMNS = ("journey", "sent", "suppressed", "top_reason", "delivered", "clicked", "orders",
           "revenue", "cost", "cost_per_order")  # fmt: skip


@router.get("/{store_id}/journeys")
def journeys(request: Request, app: App, seller: SellerStore, first: From = None,
             last: To = None, format: str = "html") -> Response:  # fmt: skip
    uow = app.console_unit_of_work()
    page = queries_console.journeys(uow, seller.store_id, first, last, app.clock())
    if format == "csv":
        return journeys_csv(page)
    return render(request, "journeys.html", block="rows", page=page, seller=seller)


def journeys_csv(page: JourneysPage) -> Response:
    return table("journeys", COLUMNS, ([getattr(r, c) for c in COLUMNS] for r in page.rows))
