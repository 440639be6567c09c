"""Tencent Cloud SMS (`SendSms`, API 2021-01-11): approved templates only, signed TC3-HMAC-SHA256.

Sending is three steps, only the middle one touches the network:

    build_request(out, at)  ─►  POST {endpoint}/ (X-TC-Action: SendSms, JSON)  ─►  parse_response
        (pure, signed TC3)          (httpx)                                          (pure)

    the number's Code "Ok"            Accepted(refs=(SerialNo,))
    throttling, per-number limits     Transient (ERRORS below; HTTP 5xx, timeouts too)
    anything else refused             Permanent, the provider's code and message kept

A message reaches here with its `TemplateCall`: `TemplateId`, `TemplateParamSet` (the values
in the template's order: Tencent's placeholders are {1}, {2} …), `SignName`, `SmsSdkAppId`,
`SessionContext` = tidings' message id. One without is refused, never sent as free text.

Status reports and replies come by HTTP push (a JSON array, or one object), answered
`{"result":0,"errmsg":"OK"}`. The push is not signed: its URL carries the configured
`callback_token`, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from tidings.adapters.http_exchange import HttpSender, preview, pushed, required
from tidings.adapters.redact import scrub
from tidings.domain.delivery import Accepted, Outgoing, Receipt, ReceiptStatus, Reply, mask
from tidings.domain.errors import Permanent, ProviderError, Transient
from tidings.domain.times import require_aware

ALGORITHM, SERVICE = "TC3-HMAC-SHA256", "sms"
ACTION, VERSION = "SendSms", "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
ANSWER = {"result": 0, "errmsg": "OK"}

# The provider's refusals worth trying again later; every other code is permanent.
ERRORS: dict[str, type[ProviderError]] = {
    "RequestLimitExceeded": Transient,  # the account's calls per second
    "LimitExceeded.PhoneNumberThirtySecondLimit": Transient,  # per number limits
    "LimitExceeded.PhoneNumberOneHourLimit": Transient,
    "LimitExceeded.PhoneNumberDailyLimit": Transient,
    "LimitExceeded.PhoneNumberSameContentDailyLimit": Transient,
    "LimitExceeded.DailyLimit": Transient,
    "FailedOperation.InsufficientBalanceInSmsPackage": Transient,  # goes once topped up
    "InternalError": Transient,
    "InvalidParameterValue.IncorrectPhoneNumber": Permanent,
    "FailedOperation.TemplateIncorrectOrUnapproved": Permanent,
    "FailedOperation.SignatureIncorrectOrUnapproved": Permanent,
    "InvalidParameterValue.TemplateParameterLengthLimit": Permanent,
    "FailedOperation.PhoneNumberInBlacklist": Permanent,  # the shopper refused the provider's
    "AuthFailure.SignatureFailure": Permanent,
}

# A report's errmsg when report_status is FAIL and the number itself is the trouble.
UNDELIVERABLE_CODES = frozenset({"MN:0001", "EMPTY_NUMBER", "MK:0001"})


@dataclass(frozen=True, slots=True)
class Request:
    """One signed SendSms call, ready to go out."""

    url: str
    body: bytes = field(repr=False)  # holds the phone number and the values
    headers: dict[str, str] = field(repr=False)


def signature(
    secret: str, service: str, host: str, timestamp: int, body: bytes, action: str = ""
) -> tuple[str, str, str]:
    """(credential scope, signed headers, hex signature) of TC3 for a POST of JSON `body` to
    `host`'s root; `action` lower-cased is signed too when given."""
    headers = {"content-type": CONTENT_TYPE, "host": host}
    if action:
        headers["x-tc-action"] = action.lower()
    names = sorted(headers)
    signed = ";".join(names)
    canonical = "\n".join(
        ["POST", "/", "", "".join(f"{n}:{headers[n]}\n" for n in names), signed,
         hashlib.sha256(body).hexdigest()]
    )  # fmt: skip
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{day}/{service}/tc3_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    key = _hmac(_hmac(_hmac(("TC3" + secret).encode(), day), service), "tc3_request")
    return scope, signed, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def build_request(
    out: Outgoing,
    *,
    endpoint: str,
    secret_id: str,
    secret_key: str,
    app_id: str,
    sign_name: str,
    region: str,
    at: datetime,
) -> Request:
    """The SendSms call that hands `out` over as its approved template."""
    if out.template is None:
        raise Permanent("no approved template for this message: not sent as free text")
    if not out.to.startswith("+"):
        raise Permanent(f"{mask(out.to)} is not an international number")
    params = {
        "PhoneNumberSet": [out.to],
        "SmsSdkAppId": app_id,
        "SignName": sign_name,
        "TemplateId": out.template.code,
        "TemplateParamSet": [value for _, value in out.template.params],
        "SessionContext": out.message_id,
    }
    body = json.dumps(params, ensure_ascii=False).encode()
    host = urlsplit(endpoint).netloc
    timestamp = int(require_aware(at, "a request's time").timestamp())
    scope, signed, sig = signature(secret_key, SERVICE, host, timestamp, body, ACTION)
    auth = f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={sig}"
    headers = {
        "Authorization": auth, "Content-Type": CONTENT_TYPE, "Host": host,
        "X-TC-Action": ACTION, "X-TC-Version": VERSION, "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": region,
    }  # fmt: skip
    return Request(endpoint.rstrip("/") + "/", body, headers)


def parse_response(status: int, body: bytes) -> Accepted | ProviderError:
    """What SendSms answered for the one number: its SerialNo, or why not."""
    try:
        data = json.loads(body)["Response"]
    except (ValueError, KeyError, TypeError):
        text = f"HTTP {status}: {preview(body)}"
        return Transient(text) if status >= 500 or status == 429 else Permanent(text)
    error = data.get("Error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return _refusal(str(error.get("Code", "")), str(error.get("Message", "")), status)
    sent = data.get("SendStatusSet") if isinstance(data, dict) else None
    if not isinstance(sent, list) or len(sent) != 1 or not isinstance(sent[0], dict):
        return Transient(f"HTTP {status}: no SendStatusSet of one number")
    one = sent[0]
    code, serial = str(one.get("Code", "")), one.get("SerialNo")
    if code == "Ok" and isinstance(serial, str) and serial:
        return Accepted(refs=(serial,))
    return _refusal(code, str(one.get("Message", "")), status)


def _refusal(code: str, message: str, status: int) -> ProviderError:
    kind = ERRORS.get(code) or (Transient if status >= 500 else Permanent)
    return kind(scrub(f"{code}: {message}"))


class TencentSmsProvider(HttpSender):
    """A `Provider` for Tencent Cloud SMS."""

    def __init__(
        self,
        name: str,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        region: str = "ap-guangzhou",
        endpoint: str = "https://sms.tencentcloudapi.com",
        callback_token: str = "",
        variable_limit: int | None = None,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name, self.endpoint, self.sign_name = name, endpoint, sign_name
        self.secret_id, self._secret, self.app_id = secret_id, secret_key, sdk_app_id
        self.region, self.callback_token, self.variable_limit = (
            region,
            callback_token,
            variable_limit,
        )
        self._clock = clock
        self._connect(client, timeout)

    def send(self, out: Outgoing) -> Accepted:
        """POST SendSms; its SerialNo, or `Transient` / `Permanent`."""
        request = build_request(
            out, endpoint=self.endpoint, secret_id=self.secret_id, secret_key=self._secret,
            app_id=self.app_id, sign_name=self.sign_name, region=self.region, at=self._clock(),
        )  # fmt: skip
        return self._hand(
            out, "POST", request.url, parse_response,
            content=request.body, headers=request.headers,
        )  # fmt: skip


def receipts_from(name: str, items: Any, at: datetime) -> list[Receipt]:
    """A status push as receipts of the SerialNos (`sid`) the provider gave."""
    require_aware(at, "a push's time")
    out = []
    for item in pushed(items, "a status report"):
        ref = required(item, "sid", "a status report")
        status: ReceiptStatus
        if str(item.get("report_status", "")).upper() == "SUCCESS":
            status, error = "delivered", None
        else:
            code = str(item.get("errmsg") or "")
            status = "undeliverable" if code in UNDELIVERABLE_CODES else "failed"
            error = scrub(f"{code}: {item.get('description') or ''}".strip(": ")) or None
        out.append(Receipt(provider=name, ref=ref, status=status, at=at, error=error))
    return out


def replies_from(name: str, items: Any, at: datetime) -> list[Reply]:
    """A reply push as shoppers' replies; the provider gives no id of a reply, so each is known
    by a digest of what it says (the same push twice is one reply)."""
    require_aware(at, "a push's time")
    out = []
    for item in pushed(items, "a reply"):
        mobile = required(item, "mobile", "a reply")
        nation = str(item.get("nationcode") or "86").strip()
        sender = mobile if mobile.startswith("+") else f"+{nation}{mobile}"
        whole = json.dumps(sorted((k, str(v)) for k, v in item.items()), ensure_ascii=False)
        ref = "up-" + hashlib.blake2b(whole.encode(), digest_size=12).hexdigest()
        out.append(Reply(name, sender, str(item.get("extend") or ""), str(item.get("text") or ""),
                         at, ref))  # fmt: skip
    return out


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()
