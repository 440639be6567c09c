"""Builders for the events the score and the report read, and one call to replay and ask."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from helpers import event, replay, store
from tidings import bootstrap
from tidings.config import Settings

SH = ZoneInfo("Asia/Shanghai")
EARLY = datetime(2026, 1, 1, tzinfo=SH)  # the store exists long before every window


def local(*parts: int, tz: ZoneInfo = SH) -> datetime:
    """A wall-clock time in `tz` (Shanghai unless told)."""
    return datetime(*parts, tzinfo=tz)


def shop(name: str = "acme", **over: Any) -> dict[str, Any]:
    return {**store(EARLY, **over), "store": name}


def review(rid: str, when: datetime, rating: int, oid: str = "o1", **kw: Any) -> dict[str, Any]:
    data = {"review_id": rid, "order_id": oid, "customer_id": "c1", "rating": rating}
    return event("review.posted", when, **data, text="…", **kw)


def chat(conv: str, when: datetime, direction: str, responder: str | None = None) -> dict:
    data: dict[str, Any] = {"conversation_id": conv, "customer_id": "c1", "direction": direction}
    if responder:
        data["responder"] = responder
    return event("chat.message", when, **data)


def opened(tid: str, when: datetime, kind: str = "return") -> dict[str, Any]:
    data = {"ticket_id": tid, "order_id": "o1", "customer_id": "c1", "kind": kind}
    return event("aftersale.opened", when, **data, reason="size")


def resolved(tid: str, when: datetime, satisfied: bool | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"ticket_id": tid, "outcome": "refunded"}
    if satisfied is not None:
        data["satisfied"] = satisfied
    return event("aftersale.resolved", when, **data)


def dispute(did: str, when: datetime, oid: str = "o1") -> dict[str, Any]:
    return event("dispute.opened", when, dispute_id=did, order_id=oid)


def app(db_url: str) -> bootstrap.App:
    return bootstrap.build(Settings(database_url=db_url))


def score(db_url: str, events: list[dict[str, Any]], at: datetime, name: str = "acme") -> dict:
    """Replay `events`, then the score of store `name` at `at`."""
    replay(db_url, events)
    return score_at(db_url, at, name)


def score_at(db_url: str, at: datetime, name: str = "acme") -> dict[str, Any]:
    application = app(db_url)
    try:
        return application.score(name, at)
    finally:
        application.db.dispose()


def report(db_url: str, first: date, last: date, name: str = "acme") -> dict[str, Any]:
    application = app(db_url)
    try:
        return application.report(name, first, last)
    finally:
        application.db.dispose()


def metric(result: dict[str, Any], name: str) -> dict[str, Any]:
    return result["metrics"][name]


def figures(result: dict[str, Any], name: str) -> tuple[Any, ...]:
    """(numerator, denominator, met, culprits) of one metric."""
    m = metric(result, name)
    return (m["numerator"], m["denominator"], m["met"], m["culprits"])
