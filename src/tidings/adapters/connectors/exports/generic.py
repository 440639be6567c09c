"""The generic order CSV, for a shop on no platform tidings reads (README, "Importing past
orders"): one row per order, or one per line item with the order's columns repeated.

    order_id, created_at, total              required
    currency                                 the store's when empty
    customer_id, email, phone, country, name the shopper (no customer_id: known by email)
    status (paid|unpaid), payment (prepaid|cod), paid_at, cancelled_at, cancel_reason
    sku, item_name, qty, price               a line item (price: of one unit)

The one rule: times carry an offset or are read in the store's zone; event ids are
`import:order:<order_id>:<fact>`, so importing the file again adds nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors.common import currency, event, moment, money, shopper_key
from tidings.adapters.connectors.exports.rows import Row, at, item, phone
from tidings.domain.connectors import Delivery
from tidings.domain.errors import Untranslatable

COLUMNS: Final = ("order_id", "created_at", "total")
STATUSES: Final = {"paid": "paid", "unpaid": "unpaid"}
PAYMENTS: Final = {"prepaid": "prepaid", "cod": "cod"}
CANCEL_REASONS: Final = ("closed_unpaid", "customer", "merchant", "other")


def order_key(row: Row) -> str:
    return row.get("order_id") or ""


def translate(rows: list[Row], delivery: Delivery) -> list[dict[str, Any]]:
    first = rows[0]
    items = [_item(row) for row in rows if row.get("sku") or row.get("item_name")]
    with at(first):
        return _events(first, items, delivery)


def _events(first: Row, items: list[Any], delivery: Delivery) -> list[dict[str, Any]]:
    order_id = first.need("order_id")
    created = moment(first.need("created_at"), delivery, "created_at")
    paid_at = moment(first.get("paid_at"), delivery, "paid_at") if first.get("paid_at") else None
    status = _one_of(first, "status", STATUSES, "paid" if paid_at else "unpaid")
    buyer = _customer(first, order_id, created, delivery)
    data = {"order_id": order_id, "customer_id": buyer["data"]["customer_id"], "items": items,
            "total": money(first.need("total"), "total"),
            "currency": currency(first.get("currency"), delivery),
            "payment": _one_of(first, "payment", PAYMENTS, "prepaid"),
            "status": status}  # fmt: skip
    events = [buyer, event(f"import:order:{order_id}:created", "order.created", delivery,
                           created, **data)]  # fmt: skip
    if status == "paid":
        when = paid_at or created
        events.append(event(f"import:order:{order_id}:paid", "order.paid", delivery, when,
                            order_id=order_id, amount=data["total"]))  # fmt: skip
    if first.get("cancelled_at"):
        when = moment(first.get("cancelled_at"), delivery, "cancelled_at")
        reason = first.get("cancel_reason") or "other"
        if reason not in CANCEL_REASONS:
            raise Untranslatable(f"cancel_reason: must be one of {', '.join(CANCEL_REASONS)}")
        events.append(event(f"import:order:{order_id}:cancelled", "order.cancelled", delivery,
                            when, order_id=order_id, reason=reason))  # fmt: skip
    return events


def _one_of(row: Row, column: str, values: dict[str, str], default: str) -> str:
    given = (row.get(column) or default).lower()
    if given not in values:
        raise Untranslatable(f"{column}: must be one of {', '.join(values)}")
    return values[given]


def _customer(first: Row, order_id: str, created: datetime, delivery: Delivery) -> Any:
    email = first.get("email")
    who = first.get("customer_id") or shopper_key(delivery.store, email) or f"guest-{order_id}"
    data = {"customer_id": who, "email": email, "name": first.get("name"),
            "phone": phone(first.get("phone"), first.get("country"), delivery)}  # fmt: skip
    return event(f"import:customer:{who}:{order_id}", "customer.upserted", delivery, created,
                 **data)  # fmt: skip


def _item(row: Row) -> Any:
    return item(row, "sku", "item_name", "qty", "price")
