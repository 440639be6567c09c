"""A store's connectors through its API key: add, list, remove, and the deliveries that could
not be translated. A connector's secret goes in once and never comes back out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from tidings.domain.connectors import SOURCES
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.deps import App, Caller
from tidings.entrypoints.api.errors import ApiError, documented

KEYED, FOUND = documented(), documented(404)

router = APIRouter(tags=["connectors"])


class NewConnector(BaseModel):
    source: str = Field(description=f"one of {', '.join(SOURCES)}")
    secret: str = Field(description="the secret the platform signs its webhooks with (CDEK, "
                        "Ozon: the webhook URL's token)")  # fmt: skip
    client_id: str | None = Field(None, description="CDEK: the API client id")
    client_secret: str | None = Field(None, description="CDEK: the API client secret")


@router.post(
    "/v1/connectors", status_code=201, summary="Connect a platform to the store", responses=KEYED
)
def add(app: App, store: Caller, given: NewConnector) -> dict[str, Any]:
    """The answer gives the webhook URL to paste into the platform; never the secret, but for
    a platform that signs nothing (CDEK, Ozon) the URL carries the one just given."""
    credentials = {"client_id": given.client_id, "client_secret": given.client_secret}
    try:
        url = app.add_connector(store, given.source, given.secret, credentials)
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_connector", str(exc)) from None
    return {"store": store, "source": given.source, "webhook_url": url}


@router.get("/v1/connectors", summary="The store's connectors (without secrets)", responses=KEYED)
def listed(app: App, store: Caller) -> dict[str, Any]:
    return {"connectors": app.connectors(store)}


@router.delete(
    "/v1/connectors/{source}", status_code=204, summary="Disconnect a platform", responses=FOUND
)
def remove(app: App, store: Caller, source: str) -> Response:
    if not app.remove_connector(store, source):
        raise ApiError(404, "not_found", f"the store has no {source[:32]!r} connector")
    return Response(status_code=204)


@router.get(
    "/v1/connectors/{source}/failures", summary="Deliveries that did not translate", responses=FOUND
)
def failures(
    app: App, store: Caller, source: str, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    """Newest first: each kept delivery that could not become events, and why; and the
    webhooks refused before anything was kept (no connector, a bad signature or token), counted
    per day and reason."""
    with app.unit_of_work() as uow:
        rows = uow.connectors.failures(store, source, limit)
        refused = uow.connectors.refusals(store, source, limit)
    return {
        "failures": [r | {"received_at": r["received_at"].isoformat()} for r in rows],
        "refused": [r | {"last_at": r["last_at"].isoformat()} for r in refused],
    }


@router.post(
    "/v1/connectors/{source}/failures/retry", summary="Translate failures again", responses=FOUND
)
def retry(app: App, store: Caller, source: str) -> dict[str, Any]:
    """After a mapping fix (or once the shipment a tracking update names is known): the kept
    deliveries that failed are translated again; counts by their new outcome."""
    if source not in SOURCES:
        raise ApiError(404, "unknown_source", f"no platform is called {source[:32]!r}")
    return {"outcomes": app.retry_failures(store, source)}
