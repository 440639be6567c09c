"""What the connector tests share: the platforms' sample payloads, signing as each platform
signs (written here from their documentation, not taken from tidings), and a live server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tidings.domain.connectors import Delivery, StoreFacts

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "s3cret-of-the-shop"
NY = StoreFacts("America/New_York", "US", "USD")
SHANGHAI = StoreFacts("Asia/Shanghai", "CN", "CNY")


def sample(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text(encoding="utf-8"))


def raw(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def b64_hmac(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(obj: Any, topic: str, webhook_id: str = "wh-1", secret: str = SECRET) -> tuple:
    body = raw(obj)
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": b64_hmac(body, secret),
               "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Shop-Domain": "acme.myshopify.com",
               "Content-Type": "application/json"}  # fmt: skip
    return body, headers


def woocommerce(obj: Any, topic: str, delivery: str = "1", secret: str = SECRET) -> tuple:
    body = raw(obj)
    headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Signature": b64_hmac(body, secret),
               "X-WC-Webhook-Delivery-ID": delivery}  # fmt: skip
    return body, headers


def aftership(obj: Any, secret: str = SECRET) -> tuple:
    body = raw(obj)
    return body, {"aftership-hmac-sha256": b64_hmac(body, secret), "as-webhook-version": "2026-07"}


def seventeen(obj: Any, secret: str = SECRET) -> tuple:
    body = raw(obj)
    sign = hashlib.sha256(body + b"/" + secret.encode()).hexdigest()
    return body, {"sign": sign, "Content-Type": "application/json"}


def kuaidi100(obj: Any, salt: str = SECRET) -> tuple:
    param = json.dumps(obj, ensure_ascii=False)
    sign = hashlib.md5((param + salt).encode()).hexdigest().upper()
    body = urlencode({"param": param, "sign": sign}).encode()
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


def delivery(source: str, signed: tuple, facts: StoreFacts = NY) -> Delivery:
    body, headers = signed
    lower = {k.lower(): v for k, v in headers.items()}
    return Delivery("acme", source, body, lower, datetime(2026, 11, 11, tzinfo=UTC), facts)


def datas(translation: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(e["type"], e["data"]) for e in translation.events]


# JD: what JOS sends of a receiver (encrypted, masked, and a pin that is a phone number)
JD_RECEIVER = ("138****8000", "010****5678", "13800138000", "~AgAAAAEn5Zb5Q0hZMl9tZQ==~1~",
               "~AgAAAAEn5Zb3t7wBLy3kNQ==~1~", "~AgAAAAEn5Zb6YWRkcmVzcw==~1~")  # fmt: skip


def jd_order(order_id: str, modified: datetime, **over: Any) -> dict[str, Any]:
    """A JD order as JOS lists it, with the receiver as JOS sends it (and a plaintext phone in
    the pin, as an old account may have)."""
    stamp = modified.strftime("%Y-%m-%d %H:%M:%S")
    start = (modified - timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
    found = sample("jd", "order.synthetic.json")
    found["consigneeInfo"]["telephone"] = "13800138000"
    return found | {"orderId": order_id, "modified": stamp, "orderStartTime": start,
                    "paymentConfirmTime": start, "pin": "13800138000"} | over  # fmt: skip


def jd_comment(comment_id: str, order_id: str, at: datetime, score: int, text: str) -> dict:
    return sample("jd", "comment.synthetic.json") | {
        "commentId": comment_id, "orderId": int(order_id), "score": score, "content": text,
        "creationTime": at.strftime("%Y-%m-%d %H:%M:%S")}  # fmt: skip


def unsigned(obj: Any) -> tuple:
    """A push of a platform that signs nothing (CDEK, Ozon): its secret is in the URL."""
    return raw(obj), {"Content-Type": "application/json"}


MOSCOW = StoreFacts("Europe/Moscow", "RU", "RUB")
