"""Shopify catch-up: the orders a store changed since a time, read from the Admin REST API and
taken in exactly as their webhooks would have been (webhooks missed, a store connected late).

    build_request (pure) → `pages`: the one GET per page (an injected httpx client) → parse_page
    (pure) → `deliveries`: each order as the webhook deliveries it stands for

The one rule: tidings fetches only `https://<shop>.myshopify.com/admin/api/…`; the next page's
URL (the `Link` header) must be on that same host, so nothing in an answer makes it fetch
anywhere else. The deliveries' ids come from the order's id and `updated_at`, and their events'
ids are the webhooks' own: a catch-up after the webhooks, or twice, makes nothing twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from tidings.domain.connectors import Delivery, StoreFacts
from tidings.domain.errors import PlatformError

API_VERSION: Final = "2024-10"
PAGE_SIZE: Final = 250
SHOP: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$")
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def build_request(shop: str, token: str, since: datetime, page_url: str | None) -> httpx.Request:
    if not SHOP.match(shop):
        raise PlatformError(f"shop: expected <name>.myshopify.com, got {shop[:80]!r}")
    headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
    if page_url is not None:
        parts = urlsplit(page_url)
        if parts.scheme != "https" or parts.hostname != shop:
            raise PlatformError("the next page is not on the shop's own host: not followed")
        return httpx.Request("GET", page_url, headers=headers)
    url = f"https://{shop}/admin/api/{API_VERSION}/orders.json"
    params = {"status": "any", "updated_at_min": since.isoformat(), "limit": str(PAGE_SIZE)}
    return httpx.Request("GET", url, params=params, headers=headers)


def parse_page(response: httpx.Response) -> tuple[list[dict[str, Any]], str | None]:
    """The page's orders and the next page's URL (None on the last)."""
    if response.status_code != 200:
        raise PlatformError(f"Shopify answered {response.status_code}")
    try:
        orders = response.json().get("orders")
    except (ValueError, AttributeError):
        orders = None
    if not isinstance(orders, list):
        raise PlatformError("Shopify's answer has no list of orders")
    found = _NEXT.search(response.headers.get("link", ""))
    return [o for o in orders if isinstance(o, dict)], found[1] if found else None


def pages(
    client: httpx.Client, shop: str, token: str, since: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Each page of orders updated since `since`, oldest pages first as Shopify gives them."""
    page_url: str | None = None
    while True:
        request = build_request(shop, token, since, page_url)
        try:
            response = client.send(request)
        except httpx.HTTPError as exc:
            raise PlatformError(f"Shopify could not be reached: {type(exc).__name__}") from None
        orders, page_url = parse_page(response)
        yield orders
        if page_url is None:
            return


def deliveries(
    order: dict[str, Any], store: str, at: datetime, facts: StoreFacts
) -> list[Delivery]:
    """An order as the webhooks it stands for: created, and paid, cancelled or fulfilled."""
    topics = ["orders/create"]
    if order.get("financial_status") in ("paid", "partially_refunded", "refunded"):
        topics.append("orders/paid")
    if order.get("cancelled_at"):
        topics.append("orders/cancelled")
    if order.get("fulfillments"):
        topics.append("orders/fulfilled")
    body = json.dumps(order, ensure_ascii=False).encode()
    stamp = f"{order.get('id')}:{order.get('updated_at')}"
    return [Delivery(store, "shopify", body, _headers(topic, stamp), at, facts) for topic in topics]


def _headers(topic: str, stamp: str) -> dict[str, str]:
    return {"x-shopify-topic": topic, "x-shopify-webhook-id": f"catch-up:{stamp}:{topic}"}
