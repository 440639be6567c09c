"""The seller's console under /console: server-rendered pages in zh-CN, en and ru.

The rule: every page is for one signed-in user of one store and shows nothing of another
(404); every form carries the session's CSRF token; every answer carries a strict
Content-Security-Policy (guard.py). Screens live one to a module in `screens/`.
"""

from __future__ import annotations

from fastapi import APIRouter

from tidings.entrypoints.console.guard import ConsoleRoute
from tidings.entrypoints.console.screens import (
    alerts,
    home,
    journey,
    journeys,
    login,
    messages,
    missing,
    parcels,
    reviews,
    score,
    settings,
    static,
)

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
SCREENS = (static, login, home, alerts, messages, journeys, journey, parcels, score, reviews,
           settings)  # fmt: skip
for screen in (*SCREENS, missing):  # missing: last
    router.include_router(screen.router)
