"""What every route needs: the app, the caller's store (from its API key), JSON errors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from tidings import bootstrap
from tidings.services import keys


class ApiError(HTTPException):
    """An error the API answers with: a status, a code and a message that says what was wrong."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(status, message)
        self.code, self.extra = code, extra


def app_of(request: Request) -> bootstrap.App:
    app: bootstrap.App = request.app.state.tidings
    return app


App = Annotated[bootstrap.App, Depends(app_of)]


def caller(
    app: App,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """The store whose API key came with the request."""
    given = x_api_key or _bearer(authorization or "")
    if not given:
        raise ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>")
    with app.unit_of_work(read_only=True) as uow:
        store = keys.store_of(uow, given)
    if store is None:
        raise ApiError(401, "unauthorized", "this API key is not valid")
    return store


def _bearer(authorization: str) -> str:
    """The key of `Bearer <key>`, the scheme in any case (RFC 9110 §11.1); a bare key as is."""
    scheme, _, key = authorization.strip().partition(" ")
    return key.strip() if scheme.lower() == "bearer" else authorization.strip()


Caller = Annotated[str, Depends(caller)]


def own_store(store_id: str, store: Caller) -> str:
    """The store of the path, when the caller's key is its own: a key of one store can
    neither read nor write another."""
    if store_id != store:
        raise ApiError(403, "forbidden", f"this key belongs to store {store!r}, not {store_id!r}")
    return store_id


OwnStore = Annotated[str, Depends(own_store)]


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status)
