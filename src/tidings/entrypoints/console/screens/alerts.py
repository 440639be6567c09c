"""Alerts: open, acknowledged, resolved; staff acknowledge, the owner also resolves."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import OwnerForm, SellerForm, SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute, Refusal
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_messages
from tidings.services.queries_messages import AlertsPage

router = APIRouter(route_class=ConsoleRoute)
State = Literal["open", "acknowledged", "resolved"]
COLUMNS = ("alert_id", "kind", "subject", "state", "text", "opened_at", "acknowledged_at",
           "resolved_at")  # fmt: skip


@router.get("/{store_id}/alerts")
def alerts(request: Request, app: App, seller: SellerStore, state: State | None = None,
           format: str = "html") -> Response:  # fmt: skip
    page = queries_messages.alerts(app.console_unit_of_work(), seller.store_id, state)
    if format == "csv":
        return alerts_csv(page)
    return render(request, "alerts.html", block="rows", page=page, seller=seller)


@router.post("/{store_id}/alerts/{alert_id}/acknowledge")
def acknowledge(app: App, seller: SellerForm, alert_id: str) -> Response:
    return _change(app, seller.store_id, alert_id, "acknowledged")


@router.post("/{store_id}/alerts/{alert_id}/resolve")
def resolve(app: App, seller: OwnerForm, alert_id: str) -> Response:
    return _change(app, seller.store_id, alert_id, "resolved")


def _change(app: App, store: str, alert_id: str, state: str) -> Response:
    with app.console_unit_of_work() as uow:
        if not uow.read.set_alert(store, alert_id, state, app.clock()):
            raise Refusal(404, "no_alert")
        uow.commit()
    return RedirectResponse(f"/console/{store}/alerts", status_code=303)


def alerts_csv(page: AlertsPage) -> Response:
    return table("alerts", COLUMNS, ([getattr(r, c) for c in COLUMNS] for r in page.rows))
