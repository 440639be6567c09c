"""The HTTP API (OpenAPI at /docs), the shoppers' pages, and in `tidings serve` the worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings import bootstrap
from tidings.config import Settings
from tidings.entrypoints import console, hooks, throttle, worker
from tidings.entrypoints.api import (
    connectors,
    errors,
    events,
    health,
    keys,
    outcomes,
    providers,
    providers_cn,
    resources,
    templates,
)
from tidings.entrypoints.api.errors import error_response
from tidings.entrypoints.web import pages
from tidings.entrypoints.web.headers import SecurityHeaders


def create_app(app: bootstrap.App, *, run_worker: bool = False) -> FastAPI:
    """The API over `app`; with `run_worker`, a worker runs beside it in a process of its own."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not run_worker:
            yield
            return
        beside = worker.Beside(app)
        watching = asyncio.create_task(_watch(beside))
        yield
        watching.cancel()
        beside.close()

    api = FastAPI(
        title="tidings",
        summary="Events in; journeys, messages and alerts out.",
        version="1",
        lifespan=lifespan,
    )
    api.state.tidings = app
    api.state.link_throttle = throttle.Throttle()  # the shoppers' short links: per client
    api.state.key_throttle = key_throttle(app.settings)
    api.add_middleware(PlainRequest)
    api.add_middleware(BodyLimit, limit=app.settings.max_body_bytes)
    api.add_middleware(SecurityHeaders)  # outermost: a refusal of BodyLimit carries them too
    routers = (events.router, resources.router, outcomes.router, keys.router, providers.router,
               health.router, pages.router, connectors.router, hooks.router, providers_cn.router,
               templates.router)  # fmt: skip
    for router in routers:
        api.include_router(router)
    api.mount("/static/pages", StaticFiles(directory=pages.STATIC), name="pages-static")
    api.include_router(console.router)
    errors.install(api)

    return api


def key_throttle(settings: Settings) -> throttle.Throttle | None:
    """Each API key's limit of requests (None: `api_key_limit` 0, no limit)."""
    if not settings.api_key_limit:
        return None
    window = timedelta(seconds=settings.api_key_window_seconds)
    return throttle.Throttle(limit=settings.api_key_limit, window=window)


class PlainRequest:
    """Refuse (422) a path or query that carries a NUL character (no name or text of tidings
    holds one, and PostgreSQL cannot even compare text with it), and a query that gives one
    parameter twice (every parameter takes one value: which one was meant is not guessed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = _problem(scope) if scope["type"] == "http" else None
        if problem:
            await error_response(422, "invalid_request", problem)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _problem(scope: Scope) -> str | None:
    query: bytes = scope.get("query_string", b"")
    if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
        return "the path or query holds a NUL character"
    names = [name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)]
    twice = sorted({name for name in names if names.count(name) > 1})
    return f"a parameter given more than once: {', '.join(twice)}" if twice else None


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


async def _watch(beside: worker.Beside) -> None:
    """Start the worker again should it end unasked (looked at every 5 s)."""
    while True:
        await asyncio.sleep(5)
        beside.watch()
