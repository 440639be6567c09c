"""Home: the period's figures beside the period before, open alerts, the score, daily volume."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_console
from tidings.services.queries_console import HomePage

router = APIRouter(route_class=ConsoleRoute)
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]


@router.get("/{store_id}/")
def home(request: Request, app: App, seller: SellerStore, first: From = None, last: To = None,
         format: str = "html") -> Response:  # fmt: skip
    uow = app.console_unit_of_work()
    page = queries_console.home(uow, seller.store_id, first, last, app.clock())
    if format == "csv":
        return volume_csv(page)
    return render(request, "home.html", block="volume", page=page, seller=seller)


def volume_csv(page: HomePage) -> Response:
    rows = [(d.day.isoformat(), d.sent, d.suppressed) for d in page.days]
    return table("daily-volume", ("day", "sent", "suppressed"), rows)
