"""Pushes of Alibaba Cloud SMS: delivery reports (SmsReport) and shoppers' replies (SmsUp).

The provider does not sign its pushes: each push URL carries the provider's configured
`callback_token` (`?token=…`), and a push without it is refused. Every push is answered
`{"code":0,"msg":"成功"}` once kept, or the provider pushes it again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tidings import bootstrap
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.deps import ApiError, App
from tidings.services.live import take

router = APIRouter(tags=["providers"])
ANSWER = {"code": 0, "msg": "成功"}


async def _pushed(name: str, request: Request, app: App) -> Any:
    """The push's JSON, once its token checked."""
    token = app.push_token(name)
    if token is None:
        raise ApiError(404, "not_found", f"no Alibaba Cloud SMS provider {name!r} takes pushes")
    given = request.query_params.get("token")
    if not bootstrap.verify_push_token(token, given):
        raise ApiError(403, "bad_token", "the push's token does not check")
    try:
        return bootstrap.loads(await request.body())
    except ValueError:
        raise ApiError(422, "invalid_callback", "the push is not JSON") from None


@router.post("/v1/providers/{name}/aliyun/report", summary="Alibaba Cloud SMS delivery reports")
async def report(name: str, request: Request, app: App) -> JSONResponse:
    """Each final report becomes its message's `message.status`; a report of a BizId not
    recorded yet waits for it."""
    body = await _pushed(name, request, app)
    return await _run(app, "report", name, body)


@router.post("/v1/providers/{name}/aliyun/up", summary="Alibaba Cloud SMS shoppers' replies")
async def up(name: str, request: Request, app: App) -> JSONResponse:
    """Each reply becomes a `message.inbound` (so 退订 / TD / T opt the shopper out)."""
    body = await _pushed(name, request, app)
    return await _run(app, "up", name, body)


async def _run(app: App, kind: str, name: str, body: Any) -> JSONResponse:
    return await run_in_threadpool(_keep, app, kind, name, body)  # the database work blocks


def _keep(app: Any, kind: str, name: str, body: Any) -> JSONResponse:
    try:
        items = bootstrap.aliyun_push(kind, name, body, app.clock())
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    with app.unit_of_work() as uow:
        for item in items:
            take(uow, app.dispatcher.routes, item, app.clock())
        uow.commit()
    app.wake()
    return JSONResponse(ANSWER)
