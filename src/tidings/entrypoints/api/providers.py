"""Webhooks of HTTP SMS providers (the Twilio shape): status callbacks and shopper replies.

No API key: the provider signs each request (X-Twilio-Signature over the URL and the form),
and a request whose signature does not check is refused. The routes are plain functions (the
database work blocks), the form is read before them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response

from tidings import bootstrap
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.api.errors import ApiError, unkeyed
from tidings.services.live import take

router = APIRouter(tags=["providers"])
HOOK = unkeyed(403, 404)  # a signature that does not check; no such provider configured


def form(required: list[str], *fields: str) -> dict[str, object]:
    """The OpenAPI of a webhook's form (read by `signed`, so FastAPI cannot see it)."""
    names = [*required, *fields]
    schema = {"type": "object", "properties": {n: {"type": "string"} for n in names}}
    content = {"application/x-www-form-urlencoded": {"schema": schema | {"required": required}}}
    return {"requestBody": {"required": True, "content": content}}


STATUS_FORM = form(["MessageSid", "MessageStatus"], "ErrorCode", "ErrorMessage")
INBOUND_FORM = form(["From"], "To", "Body", "MessageSid")
Signature = Annotated[str | None, Header(alias="X-Twilio-Signature")]


class Signed:
    """A webhook's form, once its signature checked."""

    def __init__(self, form: dict[str, str]) -> None:
        self.form = form


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
    if any("\x00" in k + v for k, v in form.items()):
        raise ApiError(422, "invalid_request", "the form holds a NUL character")
    return Signed(form)


Webhook = Annotated[Signed, Depends(signed)]


@router.post(
    "/v1/providers/{name}/status",
    summary="A provider's delivery status callback",
    status_code=204,
    responses=HOOK,
    openapi_extra=STATUS_FORM,
)
def status(name: str, app: App, hook: Webhook) -> Response:
    """A final status becomes the message's `message.status` (`sent`, `queued` … say nothing
    new). Its message is the one this provider took under the callback's MessageSid, and no
    other: a store or message named in the URL is not believed (any provider's token signs
    any URL). A receipt of a reference not recorded yet waits for it, so the answer is the
    same for a fast provider and for a reference that names nothing."""
    receipt = bootstrap.receipt_from(name, hook.form, app.clock())
    if receipt is not None:
        with app.unit_of_work() as uow:
            take(uow, app.dispatcher.routes, receipt, app.clock())
            uow.commit()
        app.wake()
    return Response(status_code=204)


@router.post(
    "/v1/providers/{name}/inbound",
    summary="A shopper's SMS to the store's number",
    status_code=204,
    responses=HOOK,
    openapi_extra=INBOUND_FORM,
)
def inbound(name: str, app: App, hook: Webhook) -> Response:
    reply = bootstrap.reply_from(name, hook.form, app.clock())
    with app.unit_of_work() as uow:
        if take(uow, app.dispatcher.routes, reply, app.clock()):
            uow.commit()
    app.wake()
    return Response(status_code=204)
