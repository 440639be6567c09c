"""POST /hooks/{source}/{store_id}: the platforms' webhooks, each as its platform sends it.

The one rule: verify first, on the raw bytes (a platform that signs nothing, CDEK or Ozon, by
the secret in the URL's `token`). A missing or wrong signature, or a store with no connector
for the source, gets 401 and nothing is kept (a log line says why); a verified delivery is
asked back where its platform must be (CDEK's order, before any write), then kept as received
and answered as its platform needs (2xx even when it cannot be translated, since the platform
would only send it again; Ozon wants its error shape), never with a 500.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from tidings.domain.connectors import URL_TOKEN, Delivery
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
    responses=unkeyed(400, 401, 404),
)
def hook(
    app: App,
    source: str,
    store_id: str,
    request: Request,
    body: bytes = Depends(raw_body),
    token: str = Query("", max_length=256, description="the connector's secret (CDEK, Ozon)"),
) -> Response:
    """Shopify, WooCommerce, AfterShip, 17TRACK, kuaidi100, CDEK and Ozon post here once a
    connector of the store is added (`tidings connectors add`; CDEK and Ozon with `?token=` and
    the connector's secret). The database work runs off the event loop."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers[URL_TOKEN] = token  # the URL's, whatever a header of that name said
    return _take(app, source, store_id, body, headers)


def _take(app: App, source: str, store: str, body: bytes, headers: dict[str, str]) -> Response:
    platform = app.platform(source)
    if platform is None:
        raise ApiError(404, "unknown_source", f"no platform is called {source[:32]!r}")
    pinged = getattr(platform, "ping", None) and platform.ping(body, headers)  # type: ignore[attr-defined]
    if pinged and not hasattr(platform, "pong"):  # an unsigned ping: it tells nothing
        return JSONResponse({"status": "pong"}, 200)
    with app.unit_of_work(read_only=True) as uow:
        credentials = uow.connectors.credentials(store, source)
        facts = uow.connectors.facts(store)
    if credentials is None or not platform.verify(credentials.secret, body, headers):
        reason = "no_connector" if credentials is None else "bad_signature"
        with app.unit_of_work() as uow:  # counted for a known store; the body is never kept
            if uow.connectors.refused(store, source, reason, app.clock()):
                uow.commit()
        why = "no connector" if credentials is None else "bad signature or token"
        return _refused(platform, source, store, why)
    if pinged:  # a ping that must be answered in the platform's words (Ozon)
        return JSONResponse(platform.pong(app.clock()), 200)  # type: ignore[attr-defined]
    delivery = Delivery(store, source, body, headers, app.clock(), facts)
    delivery = app.read_back(delivery, credentials)
    with app.unit_of_work() as uow:
        got = connectors.receive(uow, platform, delivery, app.contract_event)
        uow.commit()
    log.info("hook %s/%s: %s, %d new events", source, store, got.outcome, got.new)
    if got.new:
        app.wake()
    status, answer = platform.answer(got.outcome)
    return JSONResponse(answer, status)


def _refused(platform: object, source: str, store: str, why: str) -> Response:
    """401, and nothing of it kept but a count: in the platform's own error shape where it
    has one (Ozon)."""
    log.warning("hook %s/%s refused: %s", source, store, why)  # the reason, never the body
    message = f"not signed by a {source} connector of {store!r}"
    refusal = getattr(platform, "refusal", None)
    if refusal is None:
        raise ApiError(401, "bad_signature", message)
    status, answer = refusal(401, "ERROR_UNKNOWN", message)
    return JSONResponse(answer, status)
