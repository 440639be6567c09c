"""The store's messages, customers, alerts and settings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from tidings.entrypoints.api.deps import App, Caller, OwnStore
from tidings.entrypoints.api.errors import ApiError, documented
from tidings.entrypoints.api.params import Time
from tidings.services import queries
from tidings.services.ports import MessageFilter

router = APIRouter(tags=["store"])
Status = Literal[
    "pending", "sent", "suppressed", "queued", "sending", "accepted", "delivered", "failed",
    "undeliverable", "expired",
]  # fmt: skip


@router.get(
    "/v1/messages", summary="The store's messages, newest due first", responses=documented()
)
def messages(
    app: App,
    store: Caller,
    journey: str | None = None,
    status: Status | None = None,
    reason: str | None = None,
    customer: str | None = None,
    since: Annotated[Time | None, Query(alias="from")] = None,
    until: Annotated[Time | None, Query(alias="to")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Filter by journey, status (the decision, or the delivery's state such as `delivered`),
    reason, customer and due time (`from` inclusive, `to` exclusive, RFC 3339 with offset).
    `next_cursor` fetches the next page."""
    for name, value in (("from", since), ("to", until)):
        if value is not None and value.tzinfo is None:
            raise ApiError(422, "invalid_time", f"{name}: a time zone offset is required")
    where = MessageFilter(journey, status, reason, customer, since, until)
    with app.unit_of_work(read_only=True) as uow:
        try:
            return queries.list_messages(uow, store, where, cursor, limit)
        except ValueError as exc:
            raise ApiError(422, "invalid_cursor", str(exc)) from None


@router.get(
    "/v1/customers/{customer_id}",
    summary="A customer: consent and message history",
    responses=documented(404),
)
def customer(app: App, store: Caller, customer_id: str) -> dict[str, Any]:
    with app.unit_of_work(read_only=True) as uow:
        found = queries.customer_view(uow, store, customer_id)
    if found is None:
        raise ApiError(404, "not_found", f"store {store!r} has no customer {customer_id!r}")
    return found


@router.delete(
    "/v1/customers/{customer_id}",
    summary="Erase a customer's personal data",
    responses=documented(404),
)
def erase(app: App, store: Caller, customer_id: str) -> dict[str, Any]:
    """Phone, email, name, birthday, the shopper's own words (review texts, after-sale
    reasons, the alerts quoting them) and message texts go from every table, event and outbox
    line that held them, and from the database's files; the rows stay, so counts do. An
    opt-out stays in force."""
    try:
        counts = app.erase_customer(store, customer_id)
    except KeyError:
        missing = f"store {store!r} has no customer {customer_id!r}"
        raise ApiError(404, "not_found", missing) from None
    return {"customer_id": customer_id, "erased": counts}


@router.get(
    "/v1/alerts", summary="The store's merchant alerts, newest first", responses=documented()
)
def alerts(
    app: App, store: Caller, state: Literal["open", "acknowledged", "resolved"] | None = None
) -> dict[str, Any]:
    with app.unit_of_work(read_only=True) as uow:
        return {"alerts": queries.alerts_view(uow, store, state)}


@router.post(
    "/v1/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert", responses=documented(404)
)
def acknowledge(app: App, store: Caller, alert_id: str) -> dict[str, Any]:
    return _alert(app, store, alert_id, "acknowledged")


@router.post("/v1/alerts/{alert_id}/resolve", summary="Resolve an alert", responses=documented(404))
def resolve(app: App, store: Caller, alert_id: str) -> dict[str, Any]:
    return _alert(app, store, alert_id, "resolved")


def _alert(app: App, store: str, alert_id: str, state: str) -> dict[str, Any]:
    with app.unit_of_work() as uow:
        if not uow.read.set_alert(store, alert_id, state, app.clock()):
            raise ApiError(404, "not_found", f"store {store!r} has no alert {alert_id!r}")
        uow.commit()
    return {"alert_id": alert_id, "state": state}


@router.get("/v1/stores/{store_id}", summary="A store's settings", responses=documented(403, 404))
def store_settings(app: App, store_id: OwnStore) -> dict[str, Any]:
    with app.unit_of_work(read_only=True) as uow:
        found = queries.store_view(uow, store_id)
    if found is None:
        raise ApiError(404, "not_found", f"no store.upserted has come for {store_id!r} yet")
    return found
