"""Shopify's "Export orders" CSV: one row per line item; the order's own columns (Email,
Financial Status, Total, Created at, …) on its first row only, `Name` (#1001) on every row.

The one rule: an order's facts get the ids Shopify's webhooks give them (its `Id`, then
created, paid, cancelled), its shopper the email key the webhooks use (`common.shopper_key`),
so an order both exported and sent by webhook is one order of one customer. What the export
does not say is left out: it has no tracking numbers (no `order.shipped`), no pay link, no
cancel reason ("other"), and no SMS consent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from tidings.adapters.connectors import shopify as webhooks
from tidings.adapters.connectors.common import currency, event, moment, money, shopper_key
from tidings.adapters.connectors.exports.rows import BadRow, Row, at, item, phone
from tidings.domain.connectors import Delivery
from tidings.domain.errors import Untranslatable

COLUMNS: Final = ("Name", "Email", "Financial Status", "Currency", "Total", "Created at",
                  "Lineitem quantity", "Lineitem name", "Lineitem price")  # fmt: skip
# the order's phone first, then the addresses', as the webhooks take them
PHONES: Final = (("Phone", "Billing Country"), ("Billing Phone", "Billing Country"),
                 ("Shipping Phone", "Shipping Country"))  # fmt: skip
CONSENT: Final = {"yes": True, "true": True}  # "Accepts Marketing"; an old "no" never said no


def order_key(row: Row) -> str:
    return row.get("Name") or ""


def translate(rows: list[Row], delivery: Delivery) -> list[dict[str, Any]]:
    first = rows[0]
    if first.get("Created at") is None:
        raise BadRow(first.line, "the order's own columns are missing (Shopify puts them on "
                     "its first row)")  # fmt: skip
    with at(first):
        return _events(first, [_item(row) for row in rows], delivery)


def _events(first: Row, items: list[Any], delivery: Delivery) -> list[dict[str, Any]]:
    order_id = first.get("Id") or first.need("Name")
    created = _time(first, "Created at", delivery)
    status = webhooks.FINANCIAL_STATUSES.get((first.get("Financial Status") or "").lower())
    if status is None:
        raise Untranslatable(f"Financial Status: {first.get('Financial Status')!r} is not one "
                             "of Shopify's")  # fmt: skip
    buyer = _customer(first, order_id, created, delivery)
    who = buyer["data"]["customer_id"]
    gateways = (first.get("Payment Method") or "").split("+")
    data = {"order_id": order_id, "customer_id": who, "items": items,
            "total": money(first.need("Total"), "Total"),
            "currency": currency(first.need("Currency"), delivery),
            "payment": "cod" if webhooks.is_cod({"payment_gateway_names": gateways}) else "prepaid",
            "status": status, "coupon_code": first.get("Discount Code")}  # fmt: skip
    events = [buyer, event(f"shopify:order:{order_id}:created", "order.created", delivery,
                           created, **data)]  # fmt: skip
    if status == "paid":
        when = _time(first, "Paid at", delivery) if first.get("Paid at") else created
        events.append(event(f"shopify:order:{order_id}:paid", "order.paid", delivery, when,
                            order_id=order_id, amount=data["total"]))  # fmt: skip
    if first.get("Cancelled at"):
        when = _time(first, "Cancelled at", delivery)
        events.append(event(f"shopify:order:{order_id}:cancelled", "order.cancelled", delivery,
                            when, order_id=order_id, reason="other"))  # fmt: skip
    return events


def _customer(first: Row, order_id: str, created: datetime, delivery: Delivery) -> Any:
    """The order's shopper: known by email (as the webhooks know them), else by the order."""
    email = first.get("Email")
    who = shopper_key(delivery.store, email) or f"guest-{order_id}"
    phones = (phone(first.get(p), first.get(c), delivery) for p, c in PHONES)
    data = {"customer_id": who, "email": email, "phone": next((p for p in phones if p), None),
            "name": first.get("Billing Name") or first.get("Shipping Name"),
            "email_consent": CONSENT.get((first.get("Accepts Marketing") or "").lower()),
            }  # fmt: skip
    return event(f"shopify-export:customer:{who}:{order_id}", "customer.upserted", delivery,
                 created, **data)  # fmt: skip


def _item(row: Row) -> Any:
    return item(row, "Lineitem sku", "Lineitem name", "Lineitem quantity", "Lineitem price")


def _time(row: Row, column: str, delivery: Delivery) -> datetime:
    """Shopify writes `2024-03-05 14:22:10 -0500`; an ISO time is taken too, and one without
    an offset is read in the store's zone."""
    text = row.need(column)
    if len(text) == 25 and text[19] == " " and text[20] in "+-":  # its offset, as ISO's
        text = f"{text[:19]}{text[20:23]}:{text[23:]}"
    return moment(text, delivery, column)
