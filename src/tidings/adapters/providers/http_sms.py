"""SMS over HTTP, in the shape of Twilio's Messages API, and the helpers for its webhooks.

Sending is three steps, only the middle one touches the network:

    build_request(out)  ─►  POST {base}/2010-04-01/Accounts/{sid}/Messages.json  ─►  parse_response
        (pure)                     (httpx, basic auth, form body)                        (pure)

    2xx with a JSON `sid`              Accepted(refs=(sid,))
    429, 5xx, timeout, no connection   Transient
    2xx whose body is not that JSON    Transient (naming what was wrong)
    any other 4xx                      Permanent ("21211: The 'To' number … is not valid …")

Every request carries an `Idempotency-Key` made from tidings' message id and the recipient: a
provider that honours it takes a message tried again (a worker killed after the provider took
it, before that was recorded) as the same one, and sends nothing twice.

Receipts and replies come by webhook, so `poll` has nothing to do. The entrypoint that takes a
webhook checks `verify` against the X-Twilio-Signature header, then turns the form into a
`Receipt` (`receipt_from`, the status callback) or a `Reply` (`reply_from`, an inbound SMS).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import httpx

from tidings.adapters.http_exchange import HttpSender, answer_object, preview
from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, ReceiptStatus, Reply
from tidings.domain.errors import (
    InvalidEvent,
    Permanent,
    ProviderError,
    Transient,
)
from tidings.domain.times import require_aware

API_VERSION = "2010-04-01"

# A status callback's final statuses; every other one (queued, sending, sent, accepted, scheduled,
# partially_delivered, …) says the message is still on its way, and gives no receipt.
FINAL_STATUSES: dict[str, ReceiptStatus] = {
    "delivered": "delivered",
    "read": "delivered",  # a read receipt comes after delivery, on channels that have one
    "undelivered": "undeliverable",
    "failed": "failed",
    "canceled": "failed",  # a scheduled message taken back before it went
}

# Twilio's published names of the carrier errors a status callback carries, for callbacks that
# give the code alone.
ERROR_NAMES = {
    "30001": "Queue overflow",
    "30002": "Account suspended",
    "30003": "Unreachable destination handset",
    "30004": "Message blocked",
    "30005": "Unknown destination handset",
    "30006": "Landline or unreachable carrier",
    "30007": "Message filtered",
    "30008": "Unknown error",
}


@dataclass(frozen=True, slots=True)
class Request:
    """One call to the Messages API, ready to go out."""

    method: str
    url: str
    form: dict[str, str] = field(repr=False)  # holds the phone number and the text
    auth: tuple[str, str] = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)


def idempotency_key(out: Outgoing) -> str:
    """The same for every try of one message to one recipient, and for no other: the message
    id, and a digest of the number (an alert goes to several, and no number goes out)."""
    digest = hashlib.blake2b(out.to.encode(), digest_size=6).hexdigest()
    return f"{out.message_id}:{digest}"


def build_request(
    out: Outgoing,
    *,
    base_url: str,
    account_sid: str,
    auth_token: str,
    sender: str = "",
    status_callback: str | None = None,
) -> Request:
    """The request that hands `out` over: form fields To, From, Body and StatusCallback."""
    source = out.sender or sender
    if not source:
        raise Permanent("no sender: neither the message nor the provider names a From number")
    form = {"To": out.to, "From": source, "Body": out.body}
    callback = out.callback or status_callback
    if callback:
        form["StatusCallback"] = callback
    account = quote(account_sid, safe="")
    url = f"{base_url.rstrip('/')}/{API_VERSION}/Accounts/{account}/Messages.json"
    headers = {"Idempotency-Key": idempotency_key(out)}
    return Request("POST", url, form, (account_sid, auth_token), headers)


def parse_response(status: int, body: bytes) -> Accepted | ProviderError:
    """What the Messages API's answer means: the message's sid, or why it was not taken."""
    if 200 <= status < 300:
        return _accepted(status, body)
    reason = _error_text(status, body)
    if status == 429 or status >= 500:
        return Transient(reason)
    if 400 <= status < 500:
        return Permanent(reason)
    return Transient(f"unexpected answer: {reason}")


def _accepted(status: int, body: bytes) -> Accepted | ProviderError:
    try:
        data = json.loads(body)
    except ValueError:
        return Transient(f"HTTP {status} with a body that is not JSON: {preview(body)}")
    if not isinstance(data, dict):
        return Transient(f"HTTP {status} with JSON that is not an object: {preview(body)}")
    sid = data.get("sid")
    if not isinstance(sid, str) or not sid:
        return Transient(f"HTTP {status} with JSON that has no 'sid': {preview(body)}")
    return Accepted(refs=(sid,))


def _error_text(status: int, body: bytes) -> str:
    """Twilio's `code: message` when the body is its error JSON, else the status and a preview."""
    data = answer_object(body)
    if data is not None and ("code" in data or "message" in data):
        code, message = data.get("code"), data.get("message")
        return scrub(f"{code}: {message} (HTTP {status})")
    return f"HTTP {status}: {preview(body)}" if body else f"HTTP {status}"


class HttpSmsProvider(HttpSender):
    """A `Provider` for an HTTP SMS API in the shape of Twilio's Messages API."""

    def __init__(
        self,
        name: str,
        *,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str = "",
        status_callback: str | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.sender = sender
        self.status_callback = status_callback
        self._connect(client, timeout)

    def send(self, out: Outgoing) -> Accepted:
        """POST the message; its sid, or `Transient` / `Permanent`."""
        request = build_request(
            out,
            base_url=self.base_url,
            account_sid=self.account_sid,
            auth_token=self._auth_token,
            sender=self.sender,
            status_callback=self.status_callback,
        )
        return self._hand(
            out, request.method, request.url, parse_response,
            data=request.form, auth=request.auth, headers=request.headers,
        )  # fmt: skip


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the full URL
    followed by each POST parameter's name and value, sorted by name."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(auth_token: str, url: str, params: Mapping[str, str], header: str | None) -> bool:
    """Did the holder of `auth_token` sign this request? (compared in constant time)"""
    if not header:
        return False
    expected = signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode(), header.encode())


def receipt_from(name: str, params: Mapping[str, str], at: datetime) -> Receipt | None:
    """A status callback as a receipt of the provider's reference (MessageSid); None while the
    message is still on its way."""
    require_aware(at, "a webhook's time")
    ref = _required(params, "MessageSid", "status callback")
    status = FINAL_STATUSES.get(_required(params, "MessageStatus", "status callback").lower())
    if status is None:
        return None
    error = _error_of(params) if status != "delivered" else None
    return Receipt(provider=name, ref=ref, status=status, at=at, error=error)


def _error_of(params: Mapping[str, str]) -> str | None:
    code = params.get("ErrorCode", "").strip()
    if not code:
        return None
    text = params.get("ErrorMessage", "").strip() or ERROR_NAMES.get(code, "")
    return scrub(f"{code}: {text}") if text else f"error {code}"


def reply_from(name: str, params: Mapping[str, str], at: datetime) -> Reply:
    """An inbound-message webhook as a shopper's reply, known by the provider's id of it."""
    require_aware(at, "a webhook's time")
    return Reply(
        provider=name,
        sender=_required(params, "From", "inbound message"),
        to=params.get("To", ""),
        text=params.get("Body", ""),
        at=at,
        ref=_reply_ref(params),
    )


def _reply_ref(params: Mapping[str, str]) -> str:
    """MessageSid (or its older names); a form without one is known by a digest of the whole
    signed form, never by the time it came: the same request posted twice is one reply."""
    for key in ("MessageSid", "SmsMessageSid", "SmsSid"):
        if sid := params.get(key, "").strip():
            return sid
    form = json.dumps(sorted(params.items()), ensure_ascii=False)
    return "form-" + hashlib.blake2b(form.encode(), digest_size=12).hexdigest()


def _required(params: Mapping[str, str], key: str, what: str) -> str:
    value = params.get(key, "").strip()
    if not value:
        raise InvalidEvent(f"a {what} without {key}", field=key)
    return value
