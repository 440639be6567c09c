"""WooCommerce webhooks: `X-WC-Webhook-Signature` (base64 HMAC-SHA256 of the raw body with
the webhook's secret), the topic in `X-WC-Webhook-Topic`, the delivery in
`X-WC-Webhook-Delivery-ID`; the body is the REST API's resource itself.

The one rule: an order's status says whether it is paid (`STATUSES`), except cash on
delivery, which stays unpaid while `processing`; the unsigned ping WooCommerce sends when a
webhook is saved (`webhook_id=N`) is answered 200 and kept nowhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any, Final

from tidings.adapters.connectors.common import (
    currency,
    digest,
    e164,
    event,
    hmac_base64,
    ident,
    json_body,
    link,
    moment,
    money,
    need,
    same,
    status_answer,
)
from tidings.domain.connectors import Delivery, Translation

NAME: Final = "woocommerce"
HEADERS: Final = ("x-wc-webhook-topic", "x-wc-webhook-delivery-id", "x-wc-webhook-source",
                  "x-wc-webhook-resource", "x-wc-webhook-event", "x-wc-webhook-id")  # fmt: skip

# order status -> (is it paid, what else it says)
STATUSES: Final[Mapping[str, tuple[str, str | None]]] = {
    "pending": ("unpaid", None),  # waiting for payment
    "on-hold": ("unpaid", None),  # waiting for the merchant to see the money (bank transfer)
    "failed": ("unpaid", None),  # the payment failed: the shopper may pay again
    "processing": ("paid", None),  # paid, being prepared (cash on delivery: not yet paid)
    "completed": ("paid", None),
    "refunded": ("paid", None),  # paid once: nothing to remind
    "cancelled": ("unpaid", "cancelled"),
}
COD_METHODS: Final = ("cod",)
_PING = re.compile(rb"^webhook_id=\d+$")


def ping(body: bytes, headers: Mapping[str, str]) -> bool:
    """WooCommerce's test delivery when a webhook is saved: unsigned, `webhook_id=N`."""
    return not headers.get("x-wc-webhook-signature") and bool(_PING.match(body.strip()))


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return same(hmac_base64(secret, body), headers.get("x-wc-webhook-signature"))


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    given = headers.get("x-wc-webhook-delivery-id", "").strip()[:100]
    return f"{given}-{digest(body)[:16]}" if given else digest(body)  # ids restart per site


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return headers.get("x-wc-webhook-topic", "").strip()[:64]


answer = status_answer


def translate(delivery: Delivery) -> Translation:
    name = topic(delivery.body, delivery.headers)
    if name in ("order.created", "order.updated", "order.restored"):
        return _order(json_body(delivery), delivery)
    if name in ("customer.created", "customer.updated"):
        return _customer_topic(json_body(delivery), delivery)
    return Translation([], why=f"topic {name!r} is not one tidings reads")


def _order(body: dict[str, Any], delivery: Delivery) -> Translation:
    order_id = ident(body.get("id"), "id")
    raw = str(body.get("status") or "")
    if raw not in STATUSES:
        return Translation([], why=f"order status {raw!r} tells the shopper nothing")
    paid, also = STATUSES[raw]
    cod = str(body.get("payment_method") or "") in COD_METHODS
    if cod and raw == "processing":
        paid = "unpaid"  # cash on delivery is paid at the door
    buyer = _buyer(body, delivery, order_id)
    who = buyer["data"]["customer_id"]
    at = _time(body, "date_created", delivery)
    data = {
        "order_id": order_id,
        "customer_id": who,
        "items": _items(body.get("line_items")),
        "total": money(need(body, "total", "order"), "total"),
        "currency": currency(body.get("currency"), delivery),
        "payment": "cod" if cod else "prepaid",
        "status": paid,
        "pay_url": link(body.get("payment_url")) if paid == "unpaid" else None,
    }
    events = [buyer, event(f"woocommerce:order:{order_id}:created", "order.created", delivery,
                           at, **data)]  # fmt: skip
    if paid == "paid" and not cod:
        when = _time(body, "date_paid", delivery, fallback="date_modified")
        events.append(event(f"woocommerce:order:{order_id}:paid", "order.paid", delivery, when,
                            order_id=order_id, amount=data["total"]))  # fmt: skip
    if also == "cancelled":
        when = _time(body, "date_modified", delivery)
        reason = "closed_unpaid" if not body.get("date_paid") else "merchant"
        events.append(event(f"woocommerce:order:{order_id}:cancelled", "order.cancelled",
                            delivery, when, order_id=order_id, reason=reason))  # fmt: skip
    return Translation(events, who)


def _buyer(body: dict[str, Any], delivery: Delivery, order_id: str) -> dict[str, Any]:
    """The order's shopper; a guest (customer 0) is known by the order alone."""
    number = body.get("customer_id")
    who = str(number) if number not in (None, 0, "0", "") else f"guest-{order_id}"
    return _person(who, body.get("billing") or {}, body, delivery)


def _customer_topic(body: dict[str, Any], delivery: Delivery) -> Translation:
    who = ident(body.get("id"), "id")
    person = _person(who, body.get("billing") or {}, body, delivery)
    return Translation([person], who)


def _person(
    who: str, billing: dict[str, Any], body: dict[str, Any], delivery: Delivery
) -> dict[str, Any]:
    names = (billing.get("first_name") or body.get("first_name"),
             billing.get("last_name") or body.get("last_name"))  # fmt: skip
    data = {
        "customer_id": who,
        "phone": e164(billing.get("phone"), billing.get("country"), delivery),
        "email": billing.get("email") or body.get("email") or None,
        "name": " ".join(n for n in names if n) or None,
    }
    at = _time(body, "date_modified", delivery, fallback="date_created")
    return event(f"woocommerce:customer:{who}:{at.isoformat()}", "customer.upserted", delivery,
                 at, **data)  # fmt: skip


def _time(body: dict[str, Any], field: str, delivery: Delivery, fallback: str = "") -> Any:
    """WooCommerce gives each time twice: `<field>_gmt` in UTC without an offset, and
    `<field>` in the site's zone, also without one (read in the store's)."""
    for name in (field, fallback):
        if name and body.get(f"{name}_gmt"):
            return moment(f"{body[f'{name}_gmt']}+00:00", delivery, f"{name}_gmt")
        if name and body.get(name):
            return moment(body[name], delivery, name)
    return moment(None, delivery, field)


def _items(lines: Any) -> list[dict[str, Any]]:
    out = []
    for index, line in enumerate(lines or []):
        sku = line.get("sku") or line.get("variation_id") or line.get("product_id")
        where = f"line_items.{index}"
        out.append({"sku": ident(sku, f"{where}.sku"),
                    "name": html.unescape(str(line.get("name") or "")),  # Woo keeps entities
                    "qty": int(line.get("quantity") or 0),
                    "price": money(line.get("price") or 0, f"{where}.price")})  # fmt: skip
    return out
