"""Pushes of the SMS providers that call back unsigned (Alibaba Cloud, Tencent Cloud, SMS.ru):
delivery reports and shoppers' replies.

    POST /v1/providers/{name}/report?token=…   a JSON array of reports  → message.status
    POST /v1/providers/{name}/reply?token=…    a JSON array of replies  → message.inbound

These providers do not sign their pushes: each push URL carries the provider's configured
`callback_token`, and a push without it is refused before its body is read. A push kept is
answered as the provider expects (`{"code":0,"msg":"成功"}`, `{"result":0,"errmsg":"OK"}`, `100`),
or it pushes again; a report of a reference not recorded yet waits for it.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from tidings import bootstrap
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.deps import App
from tidings.entrypoints.api.errors import ApiError, unkeyed
from tidings.services.live import take

router = APIRouter(tags=["providers"])
What = Literal["report", "reply"]


@router.post(
    "/v1/providers/{name}/{what}",
    summary="A template-based provider's push",
    responses=unkeyed(403, 404),
)
async def push(name: str, what: What, request: Request, app: App) -> Response:
    """Reports become their messages' `message.status`; replies become `message.inbound`
    (so 退订 / TD / T opt the shopper out)."""
    found = app.push_token(name)
    if found is None:
        raise ApiError(404, "not_found", f"no provider {name!r} pushes reports or replies")
    kind, token = found
    if token is None or not bootstrap.verify_push_token(token, request.query_params.get("token")):
        raise ApiError(403, "bad_token", "the push's token does not check")
    raw = await request.body()
    return await run_in_threadpool(_keep, app, kind, what, name, raw)  # the database blocks


def _keep(app: Any, kind: str, what: str, name: str, raw: bytes) -> Response:
    try:
        items = bootstrap.pushed(kind, what, name, raw, app.clock())
    except InvalidEvent as exc:
        raise ApiError(422, "invalid_callback", str(exc)) from None
    with app.unit_of_work() as uow:
        for item in items:
            take(uow, app.dispatcher.routes, item, app.clock())
        uow.commit()
    app.wake()
    answer = bootstrap.push_answer(kind)
    return PlainTextResponse(answer) if isinstance(answer, str) else JSONResponse(answer)
