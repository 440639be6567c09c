"""Every console response: its security headers, and a refusal turned into a page.

The rule: a refusal (not signed in, another store's page, a stale form, a bad period, an
unknown id) is raised before anything changes and answered with a page that says what was
wrong in the reader's language; nothing else of the request happens.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from tidings.domain.errors import InvalidPeriod, UnknownStore
from tidings.entrypoints.console.web import render

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
SIGN_IN_AGAIN = ("signed_out", "expired")


class Refusal(Exception):
    """A request the console answers with a page saying why; `problem` names the message."""

    def __init__(self, status: int, problem: str) -> None:
        super().__init__(problem)
        self.status, self.problem = status, problem


class ConsoleRoute(APIRoute):
    """A route of the console: its headers on every answer, its refusals as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                response = await handler(request)
            except Refusal as refusal:
                response = refused(request, refusal)
            except RequestValidationError:
                response = refused(request, Refusal(422, "bad_input"))
            except InvalidPeriod:
                response = refused(request, Refusal(422, "bad_period"))
            except UnknownStore:
                response = refused(request, Refusal(404, "no_store"))
            response.headers.update(HEADERS)
            return response

        return guarded


def refused(request: Request, refusal: Refusal) -> Response:
    if refusal.problem in SIGN_IN_AGAIN:
        query = urlencode({"problem": refusal.problem})
        return RedirectResponse(f"/console/login?{query}", status_code=303)
    return render(request, "refused.html", status=refusal.status, problem=refusal.problem)
