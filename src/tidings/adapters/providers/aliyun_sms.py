"""Alibaba Cloud SMS (Dysms `SendSms`): approved templates only, signed with ACS3-HMAC-SHA256.

Sending is three steps, only the middle one touches the network:

    build_request(out, at, nonce)  ─►  POST {endpoint}/ (x-acs-action: SendSms)  ─►  parse_response
        (pure, signed V3)               (httpx, form body, UTF-8)                    (pure)

    Code "OK" with a BizId            Accepted(refs=(BizId,))
    throttling, per-number limits     Transient (ERRORS below; HTTP 5xx, timeouts too)
    anything else refused             Permanent, the provider's code and message kept

A message reaches here with its `TemplateCall` (decided with the store's approved template):
`TemplateCode`, `TemplateParam` (JSON of the declared variables), `SignName`, `PhoneNumbers`,
`OutId` = tidings' message id. One without is refused, never sent as free text.

Receipts (`SmsReport`) and replies (`SmsUp`) come by HTTP push: a JSON array, answered
`{"code":0,"msg":"成功"}`. The push is not signed by the provider: its URL carries the
configured `callback_token` (checked by the route).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tidings.adapters.http_exchange import HttpSender, answer_object, preview, pushed, required
from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, ReceiptStatus, Reply, mask
from tidings.domain.errors import InvalidEvent, Permanent, ProviderError, Transient
from tidings.domain.times import require_aware

ALGORITHM = "ACS3-HMAC-SHA256"
ACTION, VERSION = "SendSms", "2017-05-25"
ANSWER = {"code": 0, "msg": "成功"}  # what the push expects back, or it pushes again

# The provider's refusals worth trying again later; every other code is permanent.
ERRORS: dict[str, type[ProviderError]] = {
    "Throttling.User": Transient,  # the account's calls per second
    "Throttling.Api": Transient,
    "isv.BUSINESS_LIMIT_CONTROL": Transient,  # per number per minute / hour / day
    "isv.DAY_LIMIT_CONTROL": Transient,
    "isv.AMOUNT_NOT_ENOUGH": Transient,  # the account's balance: goes once topped up
    "isv.OUT_OF_SERVICE": Transient,
    "isp.SYSTEM_ERROR": Transient,
    "isp.RAM_PERMISSION_DENY": Permanent,
    "isv.MOBILE_NUMBER_ILLEGAL": Permanent,
    "isv.SMS_TEMPLATE_ILLEGAL": Permanent,  # not approved, or not this account's
    "isv.SMS_SIGNATURE_ILLEGAL": Permanent,
    "isv.TEMPLATE_MISSING_PARAMETERS": Permanent,
    "isv.PARAM_LENGTH_LIMIT": Permanent,
    "isv.BLACK_KEY_CONTROL_LIMIT": Permanent,  # a word the provider refuses
}

# A report's err_code when `success` is false: the number itself is the trouble
# (undeliverable), else the message failed on the way.
UNDELIVERABLE_CODES = frozenset({"MN:0001", "MN:0017", "IC:0001", "IC:0015", "EMPTY_NUMBER"})


@dataclass(frozen=True, slots=True)
class Request:
    """One signed SendSms call, ready to go out."""

    url: str
    body: bytes = field(repr=False)  # holds the phone number and the values
    headers: dict[str, str] = field(repr=False)


def canonical_request(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """(the canonical request, the signed header names) of V3: the `host`, `content-type` and
    `x-acs-*` headers, lower-cased and sorted."""
    names = sorted(k.lower() for k in headers if _signed(k))
    values = {k.lower(): str(v).strip() for k, v in headers.items()}
    canon_query = "&".join(f"{_enc(k)}={_enc(query[k])}" for k in sorted(query))
    signed = ";".join(names)
    lines = [method, path or "/", canon_query, "".join(f"{n}:{values[n]}\n" for n in names)]
    lines += [signed, hashlib.sha256(body).hexdigest()]
    return "\n".join(lines), signed


def signature(secret: str, canonical: str) -> str:
    """Hex HMAC-SHA256, keyed with the AccessKey secret, of `ACS3-HMAC-SHA256\\n<sha256(req)>`."""
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def sign(
    key_id: str, secret: str, method: str, url: str, headers: dict[str, str], body: bytes
) -> dict[str, str]:
    """`headers` with x-acs-content-sha256 and the Authorization of V3 added."""
    parts = urlsplit(url)
    query = dict(_pairs(parts.query))
    headers = {**headers, "x-acs-content-sha256": hashlib.sha256(body).hexdigest()}
    canonical, signed = canonical_request(method, parts.path, query, headers, body)
    auth = f"{ALGORITHM} Credential={key_id},SignedHeaders={signed},"
    return {**headers, "Authorization": auth + f"Signature={signature(secret, canonical)}"}


def build_request(
    out: Outgoing,
    *,
    endpoint: str,
    key_id: str,
    secret: str,
    sign_name: str,
    at: datetime,
    nonce: str,
) -> Request:
    """The SendSms call that hands `out` over as its approved template."""
    if out.template is None:
        raise Permanent("no approved template for this message: not sent as free text")
    params = {
        "PhoneNumbers": phone_number(out.to),
        "SignName": sign_name,
        "TemplateCode": out.template.code,
        "TemplateParam": json.dumps(dict(out.template.params), ensure_ascii=False),
        "OutId": out.message_id,
    }
    body = "&".join(f"{k}={_enc(v)}" for k, v in params.items()).encode()
    headers = {
        "host": urlsplit(endpoint).netloc,
        "content-type": "application/x-www-form-urlencoded",
        "x-acs-action": ACTION,
        "x-acs-version": VERSION,
        "x-acs-date": require_aware(at, "a request's time")
        .astimezone(UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce,
    }
    url = endpoint.rstrip("/") + "/"
    return Request(url, body, sign(key_id, secret, "POST", url, headers, body))


def phone_number(to: str) -> str:
    """A mainland number as Dysms takes it (11 digits); the provider sends to no other here."""
    digits = to.removeprefix("+")
    if not (digits.startswith("86") and len(digits) == 13 and digits[2] == "1"):
        raise Permanent(f"{mask(to)} is not a mainland China mobile number")
    return digits[2:]


def parse_response(status: int, body: bytes) -> Accepted | ProviderError:
    """What SendSms answered: the BizId, or why not, sorted transient or permanent."""
    data = answer_object(body)
    if data is None:
        text = f"HTTP {status}: {preview(body)}"
        return Transient(text) if status >= 500 or status == 429 else Permanent(text)
    code, message = str(data.get("Code", "")), str(data.get("Message", ""))
    biz = data.get("BizId")
    if code == "OK" and isinstance(biz, str) and biz:
        return Accepted(refs=(biz,))
    if code == "OK":
        return Transient(f"HTTP {status}: answered OK without a BizId")
    kind = ERRORS.get(code) or (Transient if status >= 500 else Permanent)
    return kind(scrub(f"{code}: {message}"))


class AliyunSmsProvider(HttpSender):
    """A `Provider` for Alibaba Cloud SMS (Dysms)."""

    def __init__(
        self,
        name: str,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        endpoint: str = "https://dysmsapi.aliyuncs.com",
        callback_token: str = "",
        variable_limit: int | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self.name, self.endpoint, self.sign_name = name, endpoint, sign_name
        self.access_key_id, self._secret = access_key_id, access_key_secret
        self.callback_token, self.variable_limit = callback_token, variable_limit
        self._clock, self._nonce = clock, nonce
        self._connect(client, timeout)

    def send(self, out: Outgoing) -> Accepted:
        """POST SendSms; its BizId, or `Transient` / `Permanent`."""
        request = build_request(
            out, endpoint=self.endpoint, key_id=self.access_key_id, secret=self._secret,
            sign_name=self.sign_name, at=self._clock(), nonce=self._nonce(),
        )  # fmt: skip
        return self._hand(
            out, "POST", request.url, parse_response,
            content=request.body, headers=request.headers,
        )  # fmt: skip


def receipts_from(name: str, items: Any, at: datetime) -> list[Receipt]:
    """An SmsReport push as receipts of the BizIds the provider gave."""
    require_aware(at, "a push's time")
    out = []
    for item in pushed(items, "an SmsReport"):
        ref = required(item, "biz_id", "an SmsReport")
        success = item.get("success")
        status: ReceiptStatus
        if success is True or str(success).lower() == "true":
            status, error = "delivered", None
        else:
            code = str(item.get("err_code") or "")
            status = "undeliverable" if code in UNDELIVERABLE_CODES else "failed"
            error = scrub(f"{code}: {item.get('err_msg') or ''}".strip(": ")) or None
        out.append(Receipt(provider=name, ref=ref, status=status, at=at, error=error))
    return out


def replies_from(name: str, items: Any, at: datetime) -> list[Reply]:
    """An SmsUp push as shoppers' replies (the number comes without +86)."""
    require_aware(at, "a push's time")
    out = []
    for item in pushed(items, "an SmsUp"):
        phone = required(item, "phone_number", "an SmsUp")
        sender = phone if phone.startswith("+") else "+86" + phone
        ref = str(item.get("sequence_id") or "").strip()
        if not ref:
            raise InvalidEvent("an SmsUp without sequence_id", field="sequence_id")
        text = str(item.get("content") or "")
        out.append(Reply(name, sender, str(item.get("dest_code") or ""), text, at, "up-" + ref))
    return out


def _signed(header: str) -> bool:
    name = header.lower()
    return name in ("host", "content-type") or name.startswith("x-acs-")


def _enc(value: str) -> str:
    """Percent-encoding of RFC 3986 (space as %20, `~` kept), as V3 signs it."""
    return quote(value, safe="-_.~")


def _pairs(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)
