"""Webhooks of HTTP SMS providers (the Twilio shape): status callbacks and shopper replies.

No API key: the provider signs each request (X-Twilio-Signature over the URL and the form),
and a request whose signature does not check is refused. The routes are plain functions (the
database work blocks), the form is read before them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from tidings import bootstrap
from tidings.domain.delivery import Receipt
from tidings.domain.errors import InvalidEvent
from tidings.domain.events import Event
from tidings.entrypoints.api.deps import ApiError, App
from tidings.services.ingest import ingest, receipt_event
from tidings.services.live import take

router = APIRouter(tags=["providers"])
Signature = Annotated[str | None, Header(alias="X-Twilio-Signature")]


class Signed:
    """A webhook's form and query, once its signature checked."""

    def __init__(self, form: dict[str, str], query: dict[str, str]) -> None:
        self.form, self.query = form, query


async def signed(name: str, request: Request, app: App, signature: Signature = None) -> Signed:
    token = app.webhook_secret(name)
    if token is None:
        raise ApiError(404, "not_found", f"no HTTP SMS provider {name!r} is configured")
    form = {k: str(v) for k, v in (await request.form()).items()}
    url = app.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not bootstrap.verify_webhook(token, url, form, signature):
        raise ApiError(403, "bad_signature", "the request's signature does not check")
    return Signed(form, dict(request.query_params))


Webhook = Annotated[Signed, Depends(signed)]


@router.post("/v1/providers/{name}/status", summary="A provider's delivery status callback")
def status(name: str, app: App, hook: Webhook) -> Response:
    """A final status becomes the message's `message.status` (`sent`, `queued` … say nothing
    new); tidings' own callback URL names the store and the message."""
    message = hook.query.get("message_id")
    try:
        receipt = bootstrap.receipt_from(name, hook.form, app.clock(), message)
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    if receipt is not None:
        store = hook.query.get("store")
        named = _named(receipt, store, message) if store and message else None
        with app.unit_of_work() as uow:
            if named is not None:
                ingest(uow, [named], app.clock())
            else:
                take(uow, app.dispatcher.routes, receipt, app.clock())
            uow.commit()
        app.wake()
    return Response(status_code=204)


def _named(receipt: Receipt, store: str, message: str) -> Event:
    """The receipt as an event of the store and message its callback URL names."""
    try:
        return receipt_event(receipt, store, message)
    except ValueError as exc:  # a URL naming what cannot be, e.g. `?store=BAD!`
        raise ApiError(422, "invalid_callback", str(exc)) from None


@router.post("/v1/providers/{name}/inbound", summary="A shopper's SMS to the store's number")
def inbound(name: str, app: App, hook: Webhook) -> Response:
    try:
        reply = bootstrap.reply_from(name, hook.form, app.clock())
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    with app.unit_of_work() as uow:
        if take(uow, app.dispatcher.routes, reply, app.clock()):
            uow.commit()
    app.wake()
    return Response(status_code=204)
