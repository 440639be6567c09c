"""WooCommerce's order CSV, as its Customer / Order CSV Export writes it in the "Default - one
row per item" format (WooCommerce itself exports products, not orders): snake_case columns,
every row carrying its order's columns, times in the site's zone without an offset.

The one rule: the same facts as the order webhooks, with the same ids and the same reading of
a status (`woocommerce.STATUSES`, cash on delivery unpaid while `processing`), the same
customer (WooCommerce's `customer_id`, a guest known by the order).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors import woocommerce as webhooks
from tidings.adapters.connectors.common import currency, event, moment, money
from tidings.adapters.connectors.exports.rows import Row, at, item, phone
from tidings.domain.connectors import Delivery
from tidings.domain.errors import Untranslatable

COLUMNS: Final = ("order_id", "order_date", "status", "order_total", "customer_id",
                  "billing_email", "billing_phone", "item_name", "item_quantity")  # fmt: skip


def order_key(row: Row) -> str:
    return row.get("order_id") or ""


def translate(rows: list[Row], delivery: Delivery) -> list[dict[str, Any]]:
    first = rows[0]
    items = [_item(row) for row in rows if row.get("item_name") or row.get("item_sku")]
    with at(first):
        return _events(first, items, delivery)


def _events(first: Row, items: list[Any], delivery: Delivery) -> list[dict[str, Any]]:
    order_id = first.need("order_id")
    raw = (first.get("status") or "").lower().removeprefix("wc-")
    if raw not in webhooks.STATUSES:
        raise Untranslatable(f"status: {raw!r} is not one of WooCommerce's")
    paid, also = webhooks.STATUSES[raw]
    cod = (first.get("payment_method") or "") in webhooks.COD_METHODS
    paid = "unpaid" if cod and raw == "processing" else paid  # paid at the door
    created = moment(first.need("order_date"), delivery, "order_date")
    buyer = _customer(first, order_id, created, delivery)
    data = {"order_id": order_id, "customer_id": buyer["data"]["customer_id"], "items": items,
            "total": money(first.need("order_total"), "order_total"),
            "currency": currency(first.get("order_currency"), delivery),
            "payment": "cod" if cod else "prepaid", "status": paid}  # fmt: skip
    events = [buyer, event(f"woocommerce:order:{order_id}:created", "order.created", delivery,
                           created, **data)]  # fmt: skip
    if paid == "paid" and not cod:
        when = _paid_at(first, delivery) or created
        events.append(event(f"woocommerce:order:{order_id}:paid", "order.paid", delivery, when,
                            order_id=order_id, amount=data["total"]))  # fmt: skip
    if also == "cancelled":
        reason = "merchant" if _paid_at(first, delivery) else "closed_unpaid"
        events.append(event(f"woocommerce:order:{order_id}:cancelled", "order.cancelled",
                            delivery, created, order_id=order_id, reason=reason))  # fmt: skip
    return events


def _customer(first: Row, order_id: str, created: datetime, delivery: Delivery) -> Any:
    number = first.get("customer_id")
    who = number if number not in (None, "0") else f"guest-{order_id}"
    names = (first.get("billing_first_name"), first.get("billing_last_name"))
    data = {"customer_id": who,
            "phone": phone(first.get("billing_phone"), first.get("billing_country"), delivery),
            "email": first.get("billing_email"),
            "name": " ".join(n for n in names if n) or None}  # fmt: skip
    return event(f"woocommerce-export:customer:{who}:{order_id}", "customer.upserted",
                 delivery, created, **data)  # fmt: skip


def _paid_at(first: Row, delivery: Delivery) -> datetime | None:
    text = first.get("paid_date") or first.get("date_paid")
    return moment(text, delivery, "paid_date") if text else None


def _item(row: Row) -> Any:
    line = item(row, "item_sku", "item_name", "item_quantity", "item_total", total=True)
    return line | {"name": html.unescape(line["name"])}  # WooCommerce keeps entities
