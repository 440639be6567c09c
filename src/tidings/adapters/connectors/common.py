"""What every platform's translator shares: HMAC checks, reading the body, and fitting the
platform's values to the contract (phones to E.164, naive times into the store's zone, links
only when they are absolute http(s) URLs).

The one rule: nothing here fetches a URL or renders a template; a value that does not fit is
refused with `Untranslatable` naming the field, or left out where the contract lets it be.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tidings.adapters.http_exchange import answer_object
from tidings.domain.connectors import URL_TOKEN, Delivery
from tidings.domain.errors import Untranslatable
from tidings.services.phones import to_e164


def hmac_base64(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a signature; a missing one never matches."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").strip().encode())


def url_token_matches(secret: str, headers: Mapping[str, str]) -> bool:
    """For a platform that signs nothing: the URL's secret is the connector's (constant time)."""
    return same(secret, headers.get(URL_TOKEN))


def digest(body: bytes) -> str:
    """A delivery id for a platform that sends none: the body's own hash."""
    return hashlib.sha256(body).hexdigest()[:40]


def json_body(delivery: Delivery) -> dict[str, Any]:
    try:
        found = json.loads(delivery.body)
    except ValueError:
        raise Untranslatable("the body is not JSON") from None
    if not isinstance(found, dict):
        raise Untranslatable("the body is not a JSON object")
    return found


def peek_json(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or {} (for reading an id before anything is refused)."""
    return answer_object(body) or {}


def need(obj: dict[str, Any], field: str, where: str) -> Any:
    value = obj.get(field)
    if value is None or value == "":
        raise Untranslatable(f"{where}: {field} is missing")
    return value


def ident(value: Any, field: str) -> str:
    """A platform id (number or string) as the contract's string id."""
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() == "":
        raise Untranslatable(f"{field} is missing or not an id")
    return str(value).strip()


def money(value: Any, field: str) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Untranslatable(f"{field}: not an amount: {str(value)[:20]!r}") from None
    if not amount.is_finite() or amount < 0:
        raise Untranslatable(f"{field}: not an amount: {str(value)[:20]!r}")
    return f"{amount:.2f}"


def currency(value: Any, delivery: Delivery) -> str:
    code = str(value or delivery.facts.currency or "").upper()
    if len(code) != 3 or not code.isalpha():
        raise Untranslatable(f"currency: not an ISO 4217 code: {str(value)[:8]!r}")
    store = delivery.facts.currency
    if store and code != store:
        raise Untranslatable(f"currency: the store sells in {store}, this is in {code}")
    return code


def e164(raw: Any, country: Any, delivery: Delivery) -> str | None:
    """A phone in E.164, read in the address's country (else the store's region); None for
    none, or for what is no number at all (the contract would only suppress messages to it)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return to_e164(raw, str(country or delivery.facts.region or "").upper())


def link(value: Any) -> str | None:
    """A URL the shopper may be sent to: absolute http(s) with a host, else nothing."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value.strip()


def moment(value: Any, delivery: Delivery, field: str) -> datetime:
    """A platform's time; one without an offset is read in the store's time zone."""
    return time_in(value, ZoneInfo(delivery.facts.timezone), field)


def time_in(value: Any, zone: tzinfo, field: str) -> datetime:
    """A platform's ISO time ("2026-11-11 10:00:00" too); one without an offset is read in
    `zone`. Untranslatable, naming `field`, when missing or no time."""
    text = str(value or "").strip().replace("Z", "+00:00")
    if not text:
        raise Untranslatable(f"{field} is missing")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise Untranslatable(f"{field}: not a time: {text[:32]!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=zone)


def event(ident_: str, type_: str, delivery: Delivery, at: datetime, **data: Any) -> dict[str, Any]:
    """One contract event as JSON; fields that are None are left out."""
    body = {k: v for k, v in data.items() if v is not None}
    return {
        "id": ident_[:128],
        "type": type_,
        "store": delivery.store,
        "occurred_at": at.isoformat(),
        "data": body,
    }


def header(delivery: Delivery, name: str) -> str:
    return delivery.headers.get(name.lower(), "")


def status_answer(outcome: str) -> tuple[int, dict[str, Any]]:
    """The answer of a platform that needs nothing but a 2xx: what came of its delivery."""
    return 200, {"status": outcome}


def event_topic(body: bytes, headers: Any) -> str:
    """The topic of a platform that names it in the body's `event`."""
    return str(peek_json(body).get("event") or "")[:64]


def shopper_key(store: str, email: Any) -> str | None:
    """The customer id of a shopper known by email, where the platform's own id is not in
    every source (an order export has none): the same for the same address whatever its
    case or spaces, in every source of the store; None without an email. It names no
    address (ids go to logs): a keyed hash of the normalized address, keyed by the store."""
    address = str(email or "").strip().lower()
    if "@" not in address:
        return None
    key = store.encode()[:64]
    return "em-" + hashlib.blake2b(address.encode(), digest_size=12, key=key).hexdigest()
