"""Parcels: shipments by status, and those that need the seller, each linking to its messages."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_parcels
from tidings.services.queries_parcels import ParcelsPage

router = APIRouter(route_class=ConsoleRoute)
Care = Literal["exceptions", "failed_attempts", "stalled", "waiting", "refused"]
COLUMNS = ("shipment_id", "order_id", "carrier", "tracking_number", "status", "substatus",
           "status_at", "pickup_point", "storage_until", "payment")  # fmt: skip


@router.get("/{store_id}/parcels")
def parcels(request: Request, app: App, seller: SellerStore, format: str = "html",
            rows: Care | None = None) -> Response:  # fmt: skip
    page = queries_parcels.parcels(app.console_unit_of_work(), seller.store_id, app.clock())
    if format == "csv":
        return parcels_csv(page, rows)
    return render(request, "parcels.html", page=page, seller=seller)


def parcels_csv(page: ParcelsPage, rows: str | None) -> Response:
    if rows is None:
        return table("parcels-by-status", ("status", "shipments"), page.counts)
    if rows == "waiting":
        found = [[getattr(w.parcel, c) for c in COLUMNS] + [w.days_left] for w in page.waiting]
        return table("parcels-waiting", (*COLUMNS, "days_left"), found)
    listed = getattr(page, rows)
    return table(f"parcels-{rows}", COLUMNS, ([getattr(p, c) for c in COLUMNS] for p in listed))
