"""Webhooks of HTTP SMS providers (the Twilio shape): status callbacks and shopper replies.

No API key: the provider signs each request (X-Twilio-Signature over the URL and the form),
and a request whose signature does not check is refused.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from tidings import bootstrap
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.deps import ApiError, App
from tidings.services.ingest import ingest, receipt_event
from tidings.services.live import take

router = APIRouter(tags=["providers"])
Signature = Annotated[str | None, Header(alias="X-Twilio-Signature")]


@router.post("/v1/providers/{name}/status", summary="A provider's delivery status callback")
async def status(name: str, request: Request, app: App, signature: Signature = None) -> Response:
    params = await _signed(app, name, request, signature)
    query = request.query_params
    try:
        receipt = bootstrap.receipt_from(name, params, app.clock(), query.get("message_id"))
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    if receipt is not None:  # a final status; `sent`, `queued` … say nothing new
        with app.unit_of_work() as uow:
            store, message = query.get("store"), receipt.message_id
            if store and message:
                ingest(uow, [receipt_event(receipt, store, message)], app.clock())
            else:
                take(uow, app.dispatcher.routes, receipt, app.clock())
            uow.commit()
        app.wake()
    return Response(status_code=204)


@router.post("/v1/providers/{name}/inbound", summary="A shopper's SMS to the store's number")
async def inbound(name: str, request: Request, app: App, signature: Signature = None) -> Response:
    params = await _signed(app, name, request, signature)
    try:
        reply = bootstrap.reply_from(name, params, app.clock())
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    with app.unit_of_work() as uow:
        if take(uow, app.dispatcher.routes, reply, app.clock()):
            uow.commit()
    app.wake()
    return Response(status_code=204)


async def _signed(
    app: bootstrap.App, name: str, request: Request, signature: str | None
) -> dict[str, str]:
    token = app.webhook_secret(name)
    if token is None:
        raise ApiError(404, "not_found", f"no HTTP SMS provider {name!r} is configured")
    form = await request.form()
    params = {k: str(v) for k, v in form.items()}
    url = app.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    if not bootstrap.verify_webhook(token, url, params, signature):
        raise ApiError(403, "bad_signature", "the request's signature does not check")
    return params
