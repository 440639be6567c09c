"""POST /v1/keys/rotate: the key that asks gets a successor; it keeps working `grace_hours`
longer, so every client can move over before it stops (the CLI's `tidings keys rotate`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from tidings.entrypoints.api.deps import App, Key
from tidings.entrypoints.api.errors import ApiError, documented

router = APIRouter(tags=["keys"])
MOST_GRACE_HOURS = 24 * 30


@router.post(
    "/v1/keys/rotate",
    summary="Rotate the API key of this request",
    status_code=201,
    responses=documented(409),
)
def rotate(
    app: App,
    key: Key,
    grace_hours: Annotated[float, Query(ge=0, le=MOST_GRACE_HOURS)] = 24,
) -> dict[str, Any]:
    """A new key of the same store, shown this once; the key of this request works until
    `old_key_expires_at`, then stops. A key being replaced already answers 409: rotate its
    successor."""
    rotated = app.rotate_key(f"tdk_{key.key_id}", timedelta(hours=grace_hours))
    if rotated is None:  # revoked between the check and now
        raise ApiError(401, "unauthorized", "this API key is not valid")
    return {
        "key": rotated.key,
        "key_id": f"tdk_{rotated.key.split('_')[1]}",
        "old_key_id": f"tdk_{rotated.old_key_id}",
        "old_key_expires_at": rotated.old_key_expires_at.isoformat(),
    }
