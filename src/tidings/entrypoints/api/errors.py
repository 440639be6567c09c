"""Every error the API answers, in one place: its one rule is that an error is JSON
`{"error": {"code", "message"}}` with a status the OpenAPI document lists for its route.

Domain errors meet HTTP here, once for the whole app (`DOMAIN`); a route raises or lets them
rise, and never maps them itself. A database that cannot be reached is a 503 with
`Retry-After`: nothing was acknowledged, so the caller sends again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from tidings import bootstrap
from tidings.domain.errors import (
    Conflict,
    InvalidEvent,
    InvalidPeriod,
    InvalidTarget,
    NaiveDatetime,
    TidingsError,
    UnknownStore,
)

log = logging.getLogger(__name__)
RETRY_AFTER_DOWN = 5  # seconds: a database restart takes a few

DOMAIN: dict[type[TidingsError], tuple[int, str]] = {
    UnknownStore: (404, "not_found"),
    Conflict: (409, "conflict"),
    InvalidEvent: (422, "invalid_request"),
    InvalidPeriod: (422, "invalid_request"),
    InvalidTarget: (422, "invalid_request"),
    NaiveDatetime: (422, "invalid_time"),
}


class ApiError(HTTPException):
    """An error the API answers with: a status, a code and a message that says what was wrong."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(status, message, headers=extra.pop("headers", None))
        self.code, self.extra = code, extra


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")  # /readyz adds the checks it made

    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


WHY = {
    400: "A platform's delivery was kept but could not be read (in the platform's error shape)",
    401: "No API key, or one that is unknown, revoked or past its rotation's end",
    403: "The key belongs to another store, or a webhook's signature does not check",
    404: "Nothing of that name for this store",
    409: "The request conflicts with the state it would change",
    413: "The request body is over the limit (`max_body_bytes`)",
    422: "A parameter or the body is not what the route takes",
    429: "The key (or client) is over its rate limit: wait `Retry-After` seconds",
    503: "The database cannot be reached: send again after `Retry-After` seconds",
}
ALWAYS = (413, 422, 503)  # any request: the body limit, its parameters, the database
KEYED = (*ALWAYS, 401, 429)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that may answer `statuses` (and those every request may)."""
    return {s: {"model": ErrorBody, "description": WHY[s]} for s in sorted({*KEYED, *statuses})}


def unkeyed(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The same, for a route that takes no API key (webhooks, shoppers' pages). The body is
    named outright: a page's own media type (HTML) is not its errors' (ErrorBody is in the
    document's components through the keyed routes)."""
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {s: {"content": content, "description": WHY[s]} for s in sorted({*ALWAYS, *statuses})}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status, headers)


def install(api: FastAPI) -> None:
    """Every error is JSON with a code and a message that says what was wrong."""

    @api.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Any:
        return error_response(exc.status_code, exc.code, str(exc.detail), exc.headers, **exc.extra)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Any:
        if exc.status_code == 400:  # FastAPI's word for a body it could not parse
            return error_response(422, "invalid_json", f"the body is not JSON: {exc.detail}")
        return error_response(exc.status_code, "http_error", str(exc.detail), exc.headers)

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Any:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return error_response(422, "invalid_request", "; ".join(problems))

    @api.exception_handler(TidingsError)
    async def domain(_: Request, exc: TidingsError) -> Any:
        status, code = _mapped(exc)
        return error_response(status, code, str(exc))

    for kind in bootstrap.DATABASE_DOWN:
        api.add_exception_handler(kind, _database_down)


def _mapped(exc: TidingsError) -> tuple[int, str]:
    """The status and code of a domain error: its nearest class in `DOMAIN`, else a 500 (an
    error tidings raises on purpose that no route should have let out)."""
    for kind in type(exc).__mro__:
        if kind in DOMAIN:
            return DOMAIN[kind]
    raise exc


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    log.warning("the database cannot be reached: %s", type(exc).__name__)
    text = "the database cannot be reached just now; nothing was taken, send again"
    headers = {"Retry-After": str(RETRY_AFTER_DOWN)}
    return error_response(503, "unavailable", text, headers)
