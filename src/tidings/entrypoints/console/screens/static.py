"""The console's own stylesheet and script, shipped in the package (nothing from a CDN)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

from tidings.entrypoints.console.guard import ConsoleRoute, Refusal

router = APIRouter(route_class=ConsoleRoute)
FILES = {"console.css": "text/css", "console.js": "text/javascript"}
HERE = Path(__file__).parent.parent / "static"


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in FILES:
        raise Refusal(404, "not_found")
    return Response(_read(name), media_type=f"{FILES[name]}; charset=utf-8")


@cache
def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()
