"""Shopify webhooks: `X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the
app's secret), the topic in `X-Shopify-Topic`, the retry id in `X-Shopify-Webhook-Id`.

The one rule: Shopify wants a 2xx within 5 s and does not promise order, so a translation is
pure and each event's id comes from Shopify's own ids (and, for what changes, its
`updated_at`): a retry or a late older copy makes nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    shopper_key,
    status_answer,
)
from tidings.domain.connectors import Delivery, Translation
from tidings.domain.errors import Untranslatable

NAME: Final = "shopify"
HEADERS: Final = ("x-shopify-topic", "x-shopify-webhook-id", "x-shopify-shop-domain",
                  "x-shopify-triggered-at", "x-shopify-api-version")  # fmt: skip

FINANCIAL_STATUSES: Final[Mapping[str, str]] = {
    "pending": "unpaid",
    "partially_paid": "unpaid",
    "authorized": "paid",  # the shopper has paid; capturing it is the merchant's part
    "paid": "paid",
    "partially_refunded": "paid",
    "refunded": "paid",
    "voided": "unpaid",  # the authorization was cancelled: no money came
    "expired": "unpaid",
}

CANCEL_REASONS: Final[Mapping[str, str]] = {
    "customer": "customer",
    "inventory": "merchant",
    "fraud": "merchant",
    "staff": "merchant",
    "declined": "other",  # the payment was declined
    "other": "other",
}

SHIPMENT_STATUSES: Final[Mapping[str, str | None]] = {
    "label_printed": "info_received",
    "label_purchased": "info_received",
    "confirmed": "info_received",
    "carrier_picked_up": "in_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "attempted_delivery": "failed_attempt",
    "ready_for_pickup": "available_for_pickup",
    "picked_up": "delivered",  # the shopper collected it at the pickup point
    "delivered": "delivered",
    "delayed": "exception",  # held up: worth the merchant's eye
    "failure": "exception",
}

CONSENT_STATES: Final[Mapping[str, bool | None]] = {
    "subscribed": True,
    "unsubscribed": False,
    "redacted": False,  # erased at the shopper's request: never market to them
    "not_subscribed": None,  # never asked
    "pending": None,  # double opt-in not confirmed yet
    "invalid": None,
}

COD_MARKS: Final = ("cash on delivery", "(cod)", "货到付款")  # in a gateway name, or "cod" alone


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return same(hmac_base64(secret, body), headers.get("x-shopify-hmac-sha256"))


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    return headers.get("x-shopify-webhook-id", "").strip()[:128] or digest(body)


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return headers.get("x-shopify-topic", "").strip()[:64]


answer = status_answer


def translate(delivery: Delivery) -> Translation:
    name = topic(delivery.body, delivery.headers)
    handler = TOPICS.get(name)
    if handler is None:
        return Translation([], why=f"topic {name!r} is not one tidings reads")
    return handler(json_body(delivery), delivery, name)


def _order(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    order_id = ident(body.get("id"), "id")
    buyer = _customer(body, delivery)
    status = FINANCIAL_STATUSES.get(str(body.get("financial_status") or "pending"), "unpaid")
    data = {
        "order_id": order_id,
        "customer_id": buyer["data"]["customer_id"],
        "cart_id": _optional_id(body.get("checkout_token")),
        "items": _items(body.get("line_items")),
        "total": money(need(body, "total_price", "order"), "total_price"),
        "currency": currency(body.get("currency"), delivery),
        "payment": "cod" if is_cod(body) else "prepaid",
        "status": status,
        "pay_url": None if status == "paid" else link(body.get("order_status_url")),
        "coupon_code": _coupon(body.get("discount_codes")),
    }
    at = moment(body.get("created_at"), delivery, "created_at")
    created = event(f"shopify:order:{order_id}:created", "order.created", delivery, at, **data)
    return Translation([buyer, created], buyer["data"]["customer_id"])


def _paid(body: dict[str, Any], delivery: Delivery, name: str) -> Translation:
    first = _order(body, delivery, name)
    order_id = first.events[1]["data"]["order_id"]
    at = moment(body.get("processed_at") or body.get("updated_at"), delivery, "updated_at")
    amount = money(need(body, "total_price", "order"), "total_price")
    paid = event(f"shopify:order:{order_id}:paid", "order.paid", delivery, at,
                 order_id=order_id, amount=amount)  # fmt: skip
    return Translation([*first.events, paid], first.customer_id)


def _cancelled(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    order_id = ident(body.get("id"), "id")
    reason = CANCEL_REASONS.get(str(body.get("cancel_reason") or "other"), "other")
    at = moment(body.get("cancelled_at") or body.get("updated_at"), delivery, "cancelled_at")
    gone = event(f"shopify:order:{order_id}:cancelled", "order.cancelled", delivery, at,
                 order_id=order_id, reason=reason)  # fmt: skip
    return Translation([gone], _shopper(body, delivery))


def _fulfilled(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    order_id = ident(body.get("id"), "id")
    events = []
    for shipment in body.get("fulfillments") or []:
        events += _shipment(shipment, delivery, order_id).events
    if not events:
        return Translation([], why="no fulfillment with a tracking number")
    return Translation(events, _shopper(body, delivery))


def _fulfillment(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    return _shipment(body, delivery, ident(body.get("order_id"), "order_id"))


def _shipment(body: dict[str, Any], delivery: Delivery, order_id: str) -> Translation:
    ful_id = ident(body.get("id"), "fulfillment id")
    number = body.get("tracking_number") or next(iter(body.get("tracking_numbers") or []), None)
    if not number or body.get("status") in ("cancelled", "error", "failure"):
        return Translation([], why="a fulfillment without a tracking number, or not sent")
    base = {"shipment_id": f"shopify-{ful_id}", "carrier": body.get("tracking_company") or "other",
            "tracking_number": str(number)}  # fmt: skip
    at = moment(body.get("created_at"), delivery, "created_at")
    events = [event(f"shopify:fulfillment:{ful_id}:shipped", "order.shipped", delivery, at,
                    order_id=order_id, **base)]  # fmt: skip
    status = SHIPMENT_STATUSES.get(str(body.get("shipment_status") or ""))
    if status is not None:
        when = moment(body.get("updated_at") or body.get("created_at"), delivery, "updated_at")
        events.append(event(f"shopify:fulfillment:{ful_id}:{body['shipment_status']}",
                            "shipment.checkpoint", delivery, when, order_id=order_id,
                            status=status, substatus=body["shipment_status"], **base))  # fmt: skip
    return Translation(events)


def _fulfillment_event(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    own = ident(body.get("id"), "id")
    raw = str(body.get("status") or "")
    status = SHIPMENT_STATUSES.get(raw)
    if status is None:
        return Translation([], why=f"fulfillment event status {raw!r} tells the shopper nothing")
    ful_id = ident(body.get("fulfillment_id"), "fulfillment_id")
    at = moment(body.get("happened_at") or body.get("created_at"), delivery, "happened_at")
    place = ", ".join(str(body[k]) for k in ("city", "province", "country") if body.get(k))
    data = {"shipment_id": f"shopify-{ful_id}", "order_id": _optional_id(body.get("order_id")),
            "status": status, "substatus": raw, "location": place or None,
            "message": body.get("message") or None}  # fmt: skip
    # carrier and number are the shipment's: found by its id where the delivery is received
    return Translation([event(f"shopify:fulfillment_event:{own}", "shipment.checkpoint",
                              delivery, at, **data)])  # fmt: skip


def _checkout(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    token = ident(body.get("token"), "token")
    if not body.get("customer"):
        return Translation([], why="a checkout of a shopper not known yet (no customer)")
    buyer = _customer(body, delivery)
    who = buyer["data"]["customer_id"]
    done = bool(body.get("completed_at"))  # a completed checkout is an order, not a cart
    at = moment(body.get("updated_at") or body.get("created_at"), delivery, "updated_at")
    data = {
        "cart_id": token,
        "customer_id": who,
        "items": [] if done else _items(body.get("line_items")),
        "total": money(need(body, "total_price", "checkout"), "total_price"),
        "currency": currency(body.get("currency"), delivery),
        "url": None if done else link(body.get("abandoned_checkout_url")),
    }
    stamp = at.isoformat()
    cart = event(f"shopify:checkout:{token}:{stamp}", "cart.updated", delivery, at, **data)
    return Translation([buyer, cart], who)


def _customer_topic(body: dict[str, Any], delivery: Delivery, _: str) -> Translation:
    buyer = _customer({"customer": body}, delivery)
    return Translation([buyer], buyer["data"]["customer_id"])


def _customer(body: dict[str, Any], delivery: Delivery) -> dict[str, Any]:
    """customer.upserted from an order's, a checkout's or a customer topic's shopper."""
    person = body.get("customer")
    if not isinstance(person, dict):
        raise Untranslatable("customer is missing")
    who = _shopper(body, delivery) or ident(person.get("id"), "customer.id")
    home = person.get("default_address") or {}
    billing, shipping = body.get("billing_address") or {}, body.get("shipping_address") or {}
    phones = ((person.get("phone"), home.get("country_code")),
              (body.get("phone"), billing.get("country_code")),
              (billing.get("phone"), billing.get("country_code")),
              (shipping.get("phone"), shipping.get("country_code")),
              (home.get("phone"), home.get("country_code")))  # fmt: skip
    phone = next((p for p in (e164(r, c, delivery) for r, c in phones) if p), None)
    names = (person.get("first_name"), person.get("last_name"))
    data = {
        "customer_id": who,
        "phone": phone,
        "email": person.get("email") or body.get("email") or None,
        "name": " ".join(n for n in names if n) or None,
        "sms_consent": _consent(person.get("sms_marketing_consent")),
        "email_consent": _email_consent(person),
    }
    stamp = str(person.get("updated_at") or body.get("updated_at") or "")
    at = moment(stamp or body.get("created_at"), delivery, "customer.updated_at")
    return event(f"shopify:customer:{who}:{at.isoformat()}", "customer.upserted", delivery, at,
                 **data)  # fmt: skip


def _shopper(body: dict[str, Any], delivery: Delivery) -> str | None:
    """Who an order, checkout or customer topic is about: the shopper's email key (the one
    an order export gives too, which has no customer id), else Shopify's customer id."""
    found = body.get("customer")
    person: dict[str, Any] = found if isinstance(found, dict) else {}
    email = person.get("email") or body.get("email")
    return shopper_key(delivery.store, email) or _optional_id(person.get("id"))


def _consent(field: Any) -> bool | None:
    if not isinstance(field, dict):
        return None
    return CONSENT_STATES.get(str(field.get("state") or ""))


def _email_consent(person: dict[str, Any]) -> bool | None:
    if isinstance(person.get("email_marketing_consent"), dict):
        return _consent(person["email_marketing_consent"])
    legacy = person.get("accepts_marketing")
    return True if legacy is True else None  # an old "false" never said "no"


def is_cod(body: dict[str, Any]) -> bool:
    """Cash on delivery, told from the gateway names (Shopify's manual "Cash on Delivery
    (COD)" and the like)."""
    names = [*(body.get("payment_gateway_names") or []), body.get("gateway") or ""]
    plain = [str(n).lower().replace("_", " ").strip() for n in names]
    return any(n == "cod" or any(mark in n for mark in COD_MARKS) for n in plain)


def _items(lines: Any) -> list[dict[str, Any]]:
    out = []
    for index, line in enumerate(lines or []):
        where = f"line_items.{index}"
        sku = line.get("sku") or line.get("variant_id") or line.get("id")
        out.append({"sku": ident(sku, f"{where}.sku"),
                    "name": str(line.get("title") or line.get("name") or ""),
                    "qty": int(line.get("quantity") or 0),
                    "price": money(line.get("price"), f"{where}.price")})  # fmt: skip
    return out


def _coupon(codes: Any) -> str | None:
    first = next(iter(codes or []), None)
    return str(first["code"]) if isinstance(first, dict) and first.get("code") else None


def _optional_id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


TOPICS: Final[Mapping[str, Callable[[dict[str, Any], Delivery, str], Translation]]] = {
    "orders/create": _order,
    "orders/paid": _paid,
    "orders/cancelled": _cancelled,
    "orders/fulfilled": _fulfilled,
    "fulfillments/create": _fulfillment,
    "fulfillments/update": _fulfillment,
    "fulfillment_events/create": _fulfillment_event,
    "checkouts/create": _checkout,
    "checkouts/update": _checkout,
    "customers/create": _customer_topic,
    "customers/update": _customer_topic,
}
