"""What no screen answers: a store's address without its slash goes home; the rest is a page
that says it does not exist (with the console's headers, never the API's JSON)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from tidings.entrypoints.console.guard import ConsoleRoute, Refusal

router = APIRouter(route_class=ConsoleRoute)


@router.get("/{rest:path}")
def missing(rest: str) -> Response:
    if rest and "/" not in rest:
        return RedirectResponse(f"/console/{rest}/", status_code=303)
    raise Refusal(404, "not_found")
