"""SMS.ru: free text to Russian (and other) numbers with the account's `api_id`.

Sending is three steps, only the middle one touches the network:

    build_request(out)  ─►  POST {endpoint}/sms/send (form, json=1)  ─►  parse_response
        (pure)                  (httpx)                                   (pure)

    status_code 100 for the number    Accepted(refs=(sms_id,))
    limits, balance, 220, 500         Transient (CODES below; HTTP 5xx, timeouts too)
    anything else                     Permanent, the code and its text kept

Receipts come by callback: a form of `data[]` lines `sms_status\\n<sms_id>\\n<code>\\n<time>`,
answered with the text `100` (else SMS.ru calls again). The callback is not signed: its URL
carries the configured `callback_token` (checked by the route). SMS.ru takes no replies here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tidings.adapters.http_exchange import HttpSender, answer_object
from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, ReceiptStatus, Reply
from tidings.domain.errors import InvalidEvent, Permanent, ProviderError, Transient
from tidings.domain.times import require_aware

ANSWER = "100"  # what the callback expects back

# The send codes worth trying again later; every other one is permanent.
CODES: dict[int, type[ProviderError]] = {
    201: Transient,  # not enough money on the account: goes once topped up
    206: Transient,  # the account's daily limit
    220: Transient,  # the service is unavailable for a while
    230: Transient,  # the number's daily limit
    231: Transient,  # the same text to the number this minute
    232: Transient,  # the same text to the number today
    500: Transient,
    200: Permanent,  # wrong api_id
    202: Permanent,  # the number is wrong
    204: Permanent,  # the sender name is not approved
    207: Permanent,  # no route to this number
    209: Permanent,  # the number is on the account's stop list
}

# A delivery status's meaning; 100-102 (queued, handed to the operator, on its way) say
# nothing final and give no receipt.
FINAL_STATUSES: dict[str, ReceiptStatus] = {
    "103": "delivered",
    "110": "delivered",  # read: comes after delivery
    "104": "failed",  # its lifetime ran out
    "105": "failed",  # deleted by the operator
    "106": "undeliverable",  # the phone failed
    "107": "failed",  # unknown reason
    "108": "failed",  # refused
    "150": "undeliverable",  # no route to the number
}


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    form: dict[str, str] = field(repr=False)  # holds the api_id, the number and the text


def build_request(out: Outgoing, *, endpoint: str, api_id: str, sender: str = "") -> Request:
    """The sms/send call that hands `out` over as its own text."""
    form = {"api_id": api_id, "to": out.to.removeprefix("+"), "msg": out.body, "json": "1"}
    if out.sender or sender:
        form["from"] = out.sender or sender
    return Request(endpoint.rstrip("/") + "/sms/send", form)


def parse_response(status: int, body: bytes, to: str) -> Accepted | ProviderError:
    """What sms/send answered for the number `to` (E.164): its sms_id, or why not."""
    data = answer_object(body)
    if data is None:
        text = f"HTTP {status}: {body[:80].decode('utf-8', errors='replace')!r}"
        return Transient(scrub(text)) if status >= 500 or status == 429 else Permanent(scrub(text))
    one = (data.get("sms") or {}).get(to.removeprefix("+")) if data.get("status") == "OK" else data
    if not isinstance(one, dict):
        return Transient(f"HTTP {status}: no answer for the number")
    code = _int(one.get("status_code"))
    if code == 100 and one.get("sms_id"):
        return Accepted(refs=(str(one["sms_id"]),))
    kind = CODES.get(code, Transient if status >= 500 else Permanent)
    return kind(scrub(f"{code}: {one.get('status_text') or ''}".strip(": ")))


class SmsRuProvider(HttpSender):
    """A `Provider` for SMS.ru."""

    def __init__(
        self,
        name: str,
        *,
        api_id: str,
        sender: str = "",
        endpoint: str = "https://sms.ru",
        callback_token: str = "",
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.name, self.endpoint, self.sender = name, endpoint, sender
        self._api_id, self.callback_token = api_id, callback_token
        self._connect(client, timeout)

    def send(self, out: Outgoing) -> Accepted:
        request = build_request(out, endpoint=self.endpoint, api_id=self._api_id,
                                sender=self.sender)  # fmt: skip
        return self._hand(
            out, "POST", request.url,
            lambda status, body: parse_response(status, body, out.to), data=request.form,
        )  # fmt: skip


def form_of(raw: bytes) -> list[tuple[str, str]]:
    """The callback's form fields, in order (`data[0]`, `data[1]` … or `data[]`)."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        raise InvalidEvent("a callback that is not a UTF-8 form", field="body") from None


def receipts_from(name: str, items: Any, at: datetime) -> list[Receipt]:
    """A callback's `sms_status` lines as receipts (None for statuses still on the way)."""
    require_aware(at, "a callback's time")
    pairs = items.items() if isinstance(items, Mapping) else items
    out = []
    for key, value in pairs:
        if not str(key).startswith("data"):
            continue
        lines = str(value).split("\n")
        if lines[0] != "sms_status":
            continue  # a test call ("test"), or a kind of line tidings does not take
        if len(lines) < 3 or not lines[1].strip():
            raise InvalidEvent("an sms_status line without its id and status", field=str(key))
        status = FINAL_STATUSES.get(lines[2].strip())
        if status is not None:
            error = None if status == "delivered" else f"status {lines[2].strip()}"
            out.append(Receipt(provider=name, ref=lines[1].strip(), status=status, at=at,
                               error=error))  # fmt: skip
    return out


def replies_from(name: str, items: Any, at: datetime) -> list[Reply]:
    """SMS.ru sends no replies here."""
    raise InvalidEvent("SMS.ru sends no replies to tidings", field="body")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
