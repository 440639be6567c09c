"""What every route needs: the app, and the caller's store from its API key, within the key's
rate limit (a key past it is told how long to wait: 429 with `Retry-After`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from tidings import bootstrap
from tidings.entrypoints.api.errors import ApiError
from tidings.entrypoints.throttle import Throttle
from tidings.services import keys


def app_of(request: Request) -> bootstrap.App:
    app: bootstrap.App = request.app.state.tidings
    return app


App = Annotated[bootstrap.App, Depends(app_of)]
# The two ways to give a key, as the OpenAPI document declares them; `holder` reads the
# headers itself, so a bare key in Authorization is still taken.
BEARER = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
API_KEY = APIKeyHeader(name="X-Api-Key", auto_error=False, description="`X-Api-Key: <key>`")
Declared = Annotated[object, Security(BEARER)]
DeclaredKey = Annotated[object, Security(API_KEY)]


def holder(
    request: Request, app: App, _bearer_key: Declared = None, _api_key: DeclaredKey = None
) -> keys.Holder:
    """The key that came with the request, once it is known to work and within its limit."""
    headers = request.headers
    given = headers.get("x-api-key") or _bearer(headers.get("authorization") or "")
    if not given:
        raise ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>")
    with app.unit_of_work(read_only=True) as uow:
        found = keys.holder(uow, given, app.clock())
    if found is None:
        raise ApiError(401, "unauthorized", "this API key is not valid")
    _within_limit(request, found.key_id, app)
    return found


def _within_limit(request: Request, key_id: str, app: bootstrap.App) -> None:
    limit: Throttle | None = request.app.state.key_throttle  # None: no limit set
    wait = limit.wait(key_id, app.clock()) if limit else 0
    if limit and wait:
        text = f"this key made its {limit.limit} requests of the window: wait {wait} s"
        raise ApiError(429, "too_many_requests", text, headers={"Retry-After": str(wait)})


def _bearer(authorization: str) -> str:
    """The key of `Bearer <key>`, the scheme in any case (RFC 9110 §11.1); a bare key as is."""
    scheme, _, key = authorization.strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else authorization.strip()


Key = Annotated[keys.Holder, Depends(holder)]


def caller(key: Key) -> str:
    """The store whose API key came with the request."""
    return key.store


Caller = Annotated[str, Depends(caller)]


def own_store(store_id: str, store: Caller) -> str:
    """The store of the path, when the caller's key is its own: a key of one store can
    neither read nor write another."""
    if store_id != store:
        raise ApiError(403, "forbidden", f"this key belongs to store {store!r}, not {store_id!r}")
    return store_id


OwnStore = Annotated[str, Depends(own_store)]
