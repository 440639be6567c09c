"""POST /v1/events: one event, an array of up to 1,000, or JSON lines; a result for each."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tidings import bootstrap
from tidings.domain.errors import InvalidEvent
from tidings.entrypoints.api.deps import App, Caller
from tidings.entrypoints.api.errors import ApiError, documented
from tidings.services.ingest import ingest

MAX_EVENTS = 1000
router = APIRouter(tags=["events"])
_EVENT = {"type": "object", "description": "An event of the contract (spec/events.md)"}
_EXAMPLE = {
    "id": "evt-1", "type": "store.upserted", "store": "acme",
    "occurred_at": "2026-11-11T10:00:00+08:00",
    "data": {"name": "Acme", "timezone": "Asia/Shanghai", "locale": "zh-CN",
             "default_region": "CN", "currency": "CNY"},
}  # fmt: skip


class Result(BaseModel):
    index: int
    id: Any = None
    status: str | None = None  # accepted, duplicate, rejected
    code: int | None = None  # a rejected event's: 422 breaks the contract, 403 another store's
    error: str | None = None


class Results(BaseModel):
    accepted: int
    duplicate: int
    rejected: int
    results: list[Result]


EITHER = {
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Results"},
                    {"$ref": "#/components/schemas/ErrorBody"},
                ]
            }
        }
    }
}
ANSWERS = documented(403) | {
    403: EITHER | {"description": "Every event names another store"},
    422: EITHER | {"description": "The body is no JSON, or every event breaks the contract"},
}
BODY = {  # the OpenAPI of the body `body_of` reads whole, so FastAPI cannot see it
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"oneOf": [_EVENT, {"type": "array", "items": _EVENT, "maxItems": 1000}]},
                "example": _EXAMPLE,
            },
            "application/x-ndjson": {"schema": {"type": "string", "description": "JSON lines"}},
        },
    }
}


async def body_of(request: Request) -> tuple[bytes, str]:
    return await request.body(), request.headers.get("content-type", "")


@router.post(
    "/v1/events",
    summary="Send events (one, an array, or JSON lines)",
    response_model=Results,
    responses=ANSWERS,
    openapi_extra=BODY,
)
def post_events(
    app: App, store: Caller, body: tuple[bytes, str] = Depends(body_of)
) -> JSONResponse:
    """Each event is checked against the contract; the good ones are stored before the answer
    (a 2xx means they are committed) and the worker runs them. Bad ones, and events of another
    store, come back with the reason; nothing good is lost because of them."""
    items = _items(*body)
    results: list[dict[str, Any]] = []
    good: list[tuple[int, Any]] = []
    for index, (item, text) in enumerate(items):
        result, event = _check(app, store, index, item, text)
        results.append(result)
        if event is not None:
            good.append((index, event))
    with app.unit_of_work() as uow:
        new = ingest(uow, [event for _, event in good], app.clock())
        uow.commit()
    for (index, _), fresh in zip(good, new, strict=True):
        results[index]["status"] = "accepted" if fresh else "duplicate"
    app.wake()
    return _answer(results)


def _items(raw: bytes, content_type: str) -> list[tuple[Any, str]]:
    """Each event of the body, decoded and as its own JSON text (what the contract reads)."""
    if "ndjson" in content_type or "jsonl" in content_type:
        lines = [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()]
        items = [(_line(line, number), line) for number, line in enumerate(lines, start=1)]
    else:
        try:
            text = raw.decode(json.detect_encoding(raw), "surrogatepass")
            if text.lstrip(" \t\n\r").startswith("["):
                items = bootstrap.array_items(text)  # each element's own text, no re-encoding
            else:
                items = [(bootstrap.loads(text), text)]
        except ValueError as exc:
            raise ApiError(422, "invalid_json", f"the body is not JSON: {exc}") from None
        if len(items) == 1 and not isinstance(items[0][0], dict | list):
            raise ApiError(422, "invalid_body", "send an event object or an array of events")
    if len(items) > MAX_EVENTS:
        raise ApiError(422, "too_many", f"at most {MAX_EVENTS} events a request, got {len(items)}")
    return items


def _line(line: str, number: int) -> Any:
    try:
        return bootstrap.loads(line)
    except ValueError as exc:
        return _Unreadable(f"line {number}: not JSON: {exc}")


class _Unreadable(str):
    """A JSON line that could not be read: its error stands in for the event."""


def _check(
    app: bootstrap.App, store: str, index: int, item: Any, text: str
) -> tuple[dict[str, Any], Any | None]:
    ident = item.get("id") if isinstance(item, dict) else None
    result: dict[str, Any] = {"index": index, "id": ident}
    if isinstance(item, _Unreadable):
        return result | {"status": "rejected", "code": 422, "error": str(item)}, None
    where = f"item {index}"
    try:
        if not isinstance(item, dict):
            raise InvalidEvent("an event is a JSON object", where=where)
        event = app.check(bootstrap.parse_line(text, where), where)
    except InvalidEvent as exc:
        return result | {"status": "rejected", "code": 422, "error": str(exc)}, None
    if event.store != store:
        error = f"item {index}: event names store {event.store!r}; this key belongs to {store!r}"
        return result | {"status": "rejected", "code": 403, "error": error}, None
    return result, event


def _answer(results: list[dict[str, Any]]) -> JSONResponse:
    counts = {s: sum(1 for r in results if r["status"] == s) for s in _STATUSES}
    body = {**counts, "results": results}
    refused = [r["code"] for r in results if r["status"] == "rejected"]
    if refused and len(refused) == len(results):  # nothing taken: the request failed
        return JSONResponse(body, 403 if set(refused) == {403} else 422)
    return JSONResponse(body, 200)


_STATUSES = ("accepted", "duplicate", "rejected")
