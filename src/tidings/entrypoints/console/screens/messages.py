"""Messages: search by order, cart, shipment, customer or phone; one message's timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tidings.domain.messages import REASONS
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.console.auth import SellerStore
from tidings.entrypoints.console.guard import ConsoleRoute, Refusal
from tidings.entrypoints.console.web import render, table
from tidings.services import queries_messages
from tidings.services.queries_messages import STATUSES, MessageSearch, MessagesPage

router = APIRouter(route_class=ConsoleRoute)
COLUMNS = ("message_id", "journey", "step", "subject", "channel", "to", "customer_id",
           "status", "reason", "due_at", "decided_at", "segments", "cost")  # fmt: skip


@router.get("/{store_id}/messages")
def messages(request: Request, app: App, seller: SellerStore, q: str = "",
             journey: str = "", status: str = "", reason: str = "",
             format: str = "html") -> Response:  # fmt: skip
    search = MessageSearch(q.strip(), journey or None, status or None, reason or None)
    page = queries_messages.messages(
        app.console_unit_of_work(), app.catalogue, seller.store_id, search
    )
    if format == "csv":
        return messages_csv(page)
    return render(request, "messages.html", block="rows", page=page, seller=seller,
                  statuses=STATUSES, reasons=REASONS)  # fmt: skip


@router.get("/{store_id}/messages/{message_id}")
def message(request: Request, app: App, seller: SellerStore, message_id: str) -> Response:
    found = queries_messages.timeline(app.console_unit_of_work(), seller.store_id, message_id)
    if found is None:
        raise Refusal(404, "no_message")
    return render(request, "message.html", page=found, seller=seller)


def messages_csv(page: MessagesPage) -> Response:
    return table("messages", COLUMNS, ([getattr(r, c) for c in COLUMNS] for r in page.rows))
