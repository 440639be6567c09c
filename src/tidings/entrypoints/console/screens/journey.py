"""Journey detail: one journey's funnel per step, its daily volume, its texts previewed on a
real subject and a dry run of its start on the store's latest events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute, Refusal
from tidings.entrypoints.console.screens.home import From, To
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_journey
from tidings.services.queries_journey import JourneyPage

router = APIRouter(route_class=ConsoleRoute)
FIGURES = ("pending", "sent", "suppressed_total", "delivered", "clicked", "orders", "revenue",
           "cost")  # fmt: skip


@router.get("/{store_id}/journeys/{name}")
def journey(request: Request, app: App, seller: SellerStore, name: str, first: From = None,
            last: To = None, format: str = "html") -> Response:  # fmt: skip
    uow, texts = app.console_unit_of_work(read_only=True), app.engine.texts
    page = queries_journey.journey_page(uow, texts, seller.store_id, name, first, last, app.clock())
    if page is None:
        raise Refusal(404, "no_journey")
    if format == "csv":
        return funnel_csv(page)
    return render(request, "journey.html", block="funnel", page=page, seller=seller)


def funnel_csv(page: JourneyPage) -> Response:
    """A row a step: the period's figures, its reasons not sent, then the period before's."""
    header = ("step", *FIGURES, "suppressed_by_reason", *(f"previous_{f}" for f in FIGURES))
    rows = [
        (now.step, *(getattr(now, f) for f in FIGURES), _reasons(now.suppressed),
         *(getattr(then, f) for f in FIGURES))
        for now, then in zip(page.funnel, page.previous_by_step, strict=True)
    ]  # fmt: skip
    return table(f"journey-{page.journey.name}", header, rows)


def _reasons(counts: dict[str, int]) -> str:
    return "; ".join(f"{reason}={n}" for reason, n in sorted(counts.items()))
