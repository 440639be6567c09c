"""Boxberry tracking: nothing is pushed; each open parcel's statuses are asked with
`ListStatuses` (POST json.php `{"token", "method": "ListStatuses", "ImId": <number>}`; the
answer a JSON list of `{"Date", "Name", "Comment"}`, or `{"err": …}`), each status one delivery,
`{"asked": number, "status": {...}}`, with the store's storage period in its headers.

    ask (one POST a number) → statuses (pure) → parcels.poll;   translate (pure)

The one rule: a status is its name (`STATUSES`, compared without case, spaces or ё); arriving
at the pickup point starts the storage period the store's contract with Boxberry sets
(`storage_days`, 7 by default, counted from the next day): `ListStatuses` gives no deadline.
The connector's secret is the API token; it goes only into the request, never into a log.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from tidings.adapters.connectors.common import event, json_body, moment, need, peek_json
from tidings.adapters.connectors.parcels import (
    Item,
    Pace,
    deadline,
    poll,
    scrubbed,
    whole_setting,
)
from tidings.domain.connectors import Credentials, Delivery, Pulled, Translation
from tidings.domain.errors import PlatformError, Untranslatable

NAME: Final = "boxberry"
CARRIER: Final = "boxberry"
HEADERS: Final = ("storage-days",)
EVERY: Final = timedelta(minutes=15)
URL: Final = "https://api.boxberry.ru/json.php"
PACE: Final = Pace(per_pull=20, recheck=timedelta(hours=3))
STORAGE_DAYS: Final = 7

STATUSES: Final[Mapping[str, str | None]] = {
    "загружен реестр им": "info_received",  # the shop's list is loaded, nothing handed over yet
    "заказ создан в личном кабинете": "info_received",
    "заказ передан на доставку": "info_received",
    "принято к доставке": "in_transit",  # at Boxberry's warehouse: the collection
    "передано на сортировку": "in_transit",
    "отправлен на сортировочный терминал": "in_transit",
    "отправлено в город назначения": "in_transit",
    "в городе получателя": "in_transit",
    "передан на доставку до пункта выдачи": "in_transit",
    "передано на курьерскую доставку": "out_for_delivery",
    "поступило в пункт выдачи": "available_for_pickup",
    "выдано": "delivered",
    "возвращено с курьерской доставки": "failed_attempt",
    "готовится к возврату": "returning",  # still at the point, but no longer handed out
    "отправлено в пункт приема": "returning",
    "возвращено в пункт приема": "returning",
    "возвращено в им": "returned",  # back with the shop
}
_CITY_AND_ADDRESS = re.compile(r"^\s*([^()]+?)\s*\(([^()]+)\)")


def key(name: str) -> str:
    """A status name as `STATUSES` files it."""
    return " ".join(name.lower().replace("ё", "е").split())


def verify(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    return False  # Boxberry pushes nothing here: whatever is posted to its hook is refused


def delivery_id(body: bytes, headers: Mapping[str, str]) -> str:
    """The number, the status's time and name (hashed: ids stay short and plain)."""
    found = peek_json(body)
    status = found.get("status")
    status = status if isinstance(status, dict) else {}
    what = status.get("Name") if "err" not in found else f"err {found.get('err')}"
    named = hashlib.sha256(str(what).encode()).hexdigest()[:12]
    return f"{found.get('asked')}:{status.get('Date')}:{named}"[:128]


def topic(body: bytes, headers: Mapping[str, str]) -> str:
    return "err" if "err" in peek_json(body) else "status"


def answer(outcome: str) -> tuple[int, dict[str, Any]]:
    return 200, {"status": outcome}


def translate(delivery: Delivery) -> Translation:
    body = json_body(delivery)
    number = str(need(body, "asked", "delivery"))
    if "err" in body:
        raise Untranslatable(f"Boxberry does not know {number}: {str(body['err'])[:200]}")
    status = body.get("status")
    if not isinstance(status, dict):
        raise Untranslatable("status is missing")
    name = str(need(status, "Name", "status"))
    normalized = STATUSES.get(key(name))
    if normalized is None:
        return Translation([], why=f"status {name!r} is not one tidings knows")
    at = moment(_iso(status.get("Date")), delivery, "status.Date")
    comment = scrubbed(str(status.get("Comment") or "")).strip() or None
    data = {
        "shipment_id": f"boxberry-{number}",
        "carrier": NAME,
        "tracking_number": number,
        "status": normalized,
        "substatus": name[:64],
        "message": comment,
        "pickup": _pickup(delivery, at, comment) if normalized == "available_for_pickup" else None,
    }
    ident = f"boxberry:{number}:{at.isoformat()}:{delivery_id(delivery.body, {}).rsplit(':')[-1]}"
    return Translation([event(ident, "shipment.checkpoint", delivery, at, **data)])


def _pickup(delivery: Delivery, at: datetime, comment: str | None) -> dict[str, str]:
    """The point Boxberry names in the comment ("City (postcode, address)") and the end of
    the store's storage period."""
    raw = delivery.headers.get("storage-days", "") or str(STORAGE_DAYS)
    if not raw.isdigit() or not 0 < int(raw) <= 365:
        raise Untranslatable(f"storage-days: expected the days a parcel is kept, got {raw[:20]!r}")
    found = _CITY_AND_ADDRESS.match(comment or "")
    point, address = (found.group(1), found.group(2)) if found else (comment, None)
    pickup = {"point": f"Boxberry, {point}" if point else "Boxberry", "address": address,
              "storage_until": deadline(at, int(raw)).isoformat()}  # fmt: skip
    return {k: v for k, v in pickup.items() if v}


def _iso(value: Any) -> str:
    """Boxberry writes times as ISO (`2019-05-01T00:56:12`, `2024-02-07 13:38:13`) or as
    `30.04.2019 15:35`; all without an offset (read in the store's zone)."""
    text = str(value or "").strip()
    try:
        return datetime.strptime(text, "%d.%m.%Y %H:%M").isoformat()
    except ValueError:
        return text


# --- asking ------------------------------------------------------------------------------


def statuses(content: bytes, number: str) -> list[dict[str, Any]]:
    """The statuses of one answer (each with only its date, name and comment, the comment
    without anything written like a phone); raises
    PlatformError for a refused token and for what is no answer; an `err` about the number is
    given back as one item `{"err": …}`."""
    try:
        found = json.loads(content)
    except ValueError:
        raise PlatformError("Boxberry answered with what is not JSON") from None
    err = found.get("err") if isinstance(found, dict) else None
    if isinstance(found, list) and found and isinstance(found[0], dict) and found[0].get("err"):
        err = found[0]["err"]
    if err:
        if re.search(r"token|токен|авториз", str(err), re.IGNORECASE):
            raise PlatformError(f"Boxberry refused the token: {str(err)[:200]}")
        return [{"err": str(err)[:300]}]
    if not isinstance(found, list):
        raise PlatformError("Boxberry answered with neither statuses nor an error")
    return [{"Date": s.get("Date"), "Name": s.get("Name"),
             "Comment": scrubbed(str(s.get("Comment") or ""))}
            for s in found if isinstance(s, dict)]  # fmt: skip


def pull(
    http: Any,
    credentials: Credentials,
    cursor: str | None,
    now: datetime,
    wanted: tuple[str, ...] = (),
) -> Pulled:
    """The statuses of the open parcels due now, one delivery a status."""
    settings = credentials.settings
    headers = {"storage-days": str(whole_setting(settings, "storage_days", STORAGE_DAYS))}
    url = settings.get("url") or URL

    def ask(number: str) -> list[Item]:
        query = {"token": credentials.secret, "method": "ListStatuses", "ImId": number}
        answer = http.post(url, json=query)  # in the body: a URL with a token gets logged
        if answer.status_code == 429:
            wait = answer.headers.get("Retry-After", "")
            raise PlatformError("Boxberry answered 429: asked to wait",
                                retry_after=float(wait) if wait.isdigit() else 600.0)  # fmt: skip
        if answer.status_code != 200:
            raise PlatformError(f"Boxberry answered {answer.status_code}")
        return [(_body(number, s), dict(headers)) for s in statuses(answer.content, number)]

    return poll(ask, cursor, now, wanted, PACE.of(settings))


def confirm(http: Any, credentials: Credentials, ids: tuple[str, ...]) -> None:
    """Nothing to confirm: Boxberry gives a list of statuses, not a queue."""


def _body(number: str, status: dict[str, Any]) -> bytes:
    obj = {"asked": number, **status} if "err" in status else {"asked": number, "status": status}
    return json.dumps(obj, ensure_ascii=False, sort_keys=True).encode()
