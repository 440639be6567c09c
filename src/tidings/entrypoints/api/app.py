"""The HTTP API (OpenAPI at /docs), the shoppers' pages, and in `tidings serve` the worker."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings import bootstrap
from tidings.entrypoints import worker
from tidings.entrypoints.api import events, outcomes, providers, resources
from tidings.entrypoints.api.deps import ApiError, error_response
from tidings.entrypoints.web import pages
from tidings.entrypoints.web.headers import SecurityHeaders
from tidings.entrypoints.throttle import Throttle


def create_app(app: bootstrap.App, *, run_worker: bool = False) -> FastAPI:
    """The API over `app`; with `run_worker`, a worker runs beside it in the same process."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker:
            thread = threading.Thread(
                target=worker.run,
                args=(app.worker(), stop, app.wakeup, app.settings.poll_seconds),
                name="tidings-worker",
                daemon=True,
            )
            thread.start()
        yield
        stop.set()
        app.wakeup.set()
        if thread is not None:
            thread.join(30)

    api = FastAPI(
        title="tidings",
        summary="Events in; journeys, messages and alerts out.",
        version="1",
        lifespan=lifespan,
    )
    api.state.tidings = app
    api.state.link_throttle = Throttle()  # the shoppers' short links: requests per client
    api.add_middleware(BodyLimit, limit=app.settings.max_body_bytes)
    api.add_middleware(SecurityHeaders)  # outermost: a refusal of BodyLimit carries them too
    routers = (events.router, resources.router, outcomes.router, providers.router, pages.router)
    for router in routers:
        api.include_router(router)
    api.mount("/static/pages", StaticFiles(directory=pages.STATIC), name="pages-static")
    _errors(api)

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api


def _errors(api: FastAPI) -> None:
    """Every error is JSON with a code and a message that says what was wrong."""

    @api.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Any:
        return error_response(exc.status_code, exc.code, str(exc.detail), **exc.extra)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Any:
        return error_response(exc.status_code, "http_error", str(exc.detail))

    @api.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Any:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return error_response(422, "invalid_request", "; ".join(problems))


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, before any route reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            chunks.append(message)
            size += len(message.get("body", b""))
            more = message.get("more_body", False) and message["type"] == "http.request"
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
        replay = iter(chunks)

        async def again() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, again, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        text = f"the request body is over the limit of {self.limit} bytes"
        await error_response(413, "too_large", text)(scope, receive, send)
