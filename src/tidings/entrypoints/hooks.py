"""POST /hooks/{source}/{store_id}: the platforms' webhooks, each as its platform sends it.

The one rule: verify first, on the raw bytes. A missing or wrong signature, or a store with
no connector for the source, gets 401 and nothing is kept; a verified delivery is kept as
received and answered as its platform needs (2xx even when it cannot be translated, since the
platform would only send it again), never with a 500.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from tidings.domain.connectors import Delivery
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.api.errors import ApiError, unkeyed
from tidings.services import connectors

router = APIRouter(tags=["hooks"])
log = logging.getLogger(__name__)


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/hooks/{source}/{store_id}",
    summary="A platform's webhook (signed by it)",
    responses=unkeyed(401, 404),
)
def hook(
    app: App, source: str, store_id: str, request: Request, body: bytes = Depends(raw_body)
) -> Response:
    """Shopify, WooCommerce, AfterShip, 17TRACK and kuaidi100 post here once a connector of
    the store is added (`tidings connectors add`). The database work runs off the event loop."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    return _take(app, source, store_id, body, headers)


def _take(app: App, source: str, store: str, body: bytes, headers: dict[str, str]) -> Response:
    platform = app.platform(source)
    if platform is None:
        raise ApiError(404, "unknown_source", f"no platform is called {source[:32]!r}")
    if getattr(platform, "ping", None) and platform.ping(body, headers):  # type: ignore[attr-defined]
        return JSONResponse({"status": "pong"}, 200)
    with app.unit_of_work() as uow:
        secret = uow.connectors.secret(store, source)
        if secret is None or not platform.verify(secret, body, headers):
            raise ApiError(401, "bad_signature", f"not signed by a {source} connector of {store!r}")
        delivery = Delivery(store, source, body, headers, app.clock(), uow.connectors.facts(store))
        got = connectors.receive(uow, platform, delivery, app.contract_event)
        uow.commit()
    log.info("hook %s/%s: %s, %d new events", source, store, got.outcome, got.new)
    if got.new:
        app.wake()
    status, answer = platform.answer(got.outcome)
    return JSONResponse(answer, status)
