"""Is it alive, is it ready: `/healthz` answers while the process serves (no database read);
`/readyz` answers 200 only when each of its checks passes, else 503 naming the one that
failed, so a load balancer sends no request it would have to refuse."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tidings.entrypoints.api.deps import App
from tidings.entrypoints.api.errors import RETRY_AFTER_DOWN, ApiError, unkeyed

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process serves", responses=unkeyed())
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database answers, its schema is current", responses=unkeyed())
def readyz(app: App) -> dict[str, Any]:
    """Each check and what it found (`database`, `schema`): "ok", or what is wrong."""
    checks = app.readiness()
    failed = [f"{name}: {found}" for name, found in checks.items() if found != "ok"]
    if failed:
        headers = {"Retry-After": str(RETRY_AFTER_DOWN)}
        text = "not ready: " + "; ".join(failed)
        raise ApiError(503, "not_ready", text, checks=checks, headers=headers)
    return {"status": "ready", "checks": checks}
